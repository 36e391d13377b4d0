using Vim.Runtime.Devices;
using Vim.Runtime.Imaging;
using Vim.Runtime.Modules;

namespace Vim.Runtime.Registry;

/// <summary>A registered model's name, aliases and default configuration (as timm's <c>default_cfg</c>, with the values the official evaluation uses).</summary>
public sealed class ModelInfo
{
    private readonly Func<ModelOverrides?, Device?, ImageModel> _create;

    /// <summary>Describes a model; <paramref name="create"/> builds it.</summary>
    public ModelInfo(string name, string[] aliases, string family, int channels, int imgHeight, int imgWidth, int numClasses,
        long parameterCount, double[] mean, double[] std, double cropPct, Func<ModelOverrides?, Device?, ImageModel> create)
    {
        Name = name;
        Aliases = aliases;
        Family = family;
        Channels = channels;
        ImgHeight = imgHeight;
        ImgWidth = imgWidth;
        NumClasses = numClasses;
        ParameterCount = parameterCount;
        Mean = mean;
        Std = std;
        CropPct = cropPct;
        _create = create;
    }

    /// <summary>The registry name (lowercase).</summary>
    public string Name { get; }

    /// <summary>Other accepted names (e.g. the official long name).</summary>
    public IReadOnlyList<string> Aliases { get; }

    /// <summary><c>vim</c> or <c>vmamba</c>.</summary>
    public string Family { get; }

    /// <summary>Input channels.</summary>
    public int Channels { get; }

    /// <summary>Default input height.</summary>
    public int ImgHeight { get; }

    /// <summary>Default input width.</summary>
    public int ImgWidth { get; }

    /// <summary>Default number of classes.</summary>
    public int NumClasses { get; }

    /// <summary>Learned parameters at the default configuration.</summary>
    public long ParameterCount { get; }

    /// <summary>Normalisation mean per channel.</summary>
    public IReadOnlyList<double> Mean { get; }

    /// <summary>Normalisation std per channel.</summary>
    public IReadOnlyList<double> Std { get; }

    /// <summary>Centre-crop ratio: resize the short side to input / CropPct, then crop (1: no resize for inputs of the right size).</summary>
    public double CropPct { get; }

    /// <summary>Resampling used by the preprocessing (the official eval uses PIL's bicubic).</summary>
    public string Interpolation => "bicubic";

    /// <summary>
    /// The pretrained configuration's evaluation preprocessing (input size, crop, bicubic resampling, mean and std) for
    /// <see cref="ImagePreprocessing.Preprocess"/>; for a model created at another size, change it with <c>with</c>.
    /// </summary>
    public PreprocessConfig Preprocessing => new()
    {
        InputHeight = ImgHeight,
        InputWidth = ImgWidth,
        CropPct = CropPct,
        Interpolation = Imaging.Interpolation.Bicubic,
        Mean = Mean,
        Std = Std,
    };

    /// <summary>Builds a fresh model (seeded initialisation) on <paramref name="device"/>.</summary>
    public ImageModel Create(Device? device = null, ModelOverrides? overrides = null)
    {
        var target = device ?? Device.Cpu;
        if (target.Kind == DeviceKind.Cuda)
        {
            Backends.For(target); // refuse clearly before allocating anything
            return _create(overrides, Device.Cpu).To(target);
        }
        return _create(overrides, target);
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
