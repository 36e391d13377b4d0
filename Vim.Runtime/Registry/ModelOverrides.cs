namespace Vim.Runtime.Registry;

/// <summary>
/// Size-only changes that keep a model's structure (as for fine-tuning at 384), and the initialisation seed.
/// Structural options (bimamba type, cls placement, …) are fixed by the declaration and cannot be overridden.
/// </summary>
public sealed record ModelOverrides
{
    /// <summary>Square input size (sets height and width).</summary>
    public int? ImgSize { init { ImgHeight = value; ImgWidth = value; } }

    /// <summary>Input height.</summary>
    public int? ImgHeight { get; init; }

    /// <summary>Input width.</summary>
    public int? ImgWidth { get; init; }

    /// <summary>Number of classes (0: no head).</summary>
    public int? NumClasses { get; init; }

    /// <summary>Stochastic-depth rate (official <c>drop_path_rate</c>) of training forwards; the declared rate when null.</summary>
    public double? DropPathRate { get; init; }

    /// <summary>Seed of the fresh initialisation.</summary>
    public int? Seed { get; init; }

    /// <summary>Refuses overrides that give no valid patch grid.</summary>
    /// <exception cref="ArgumentException">The size does not fit the patch size and stride, or the class count is negative.</exception>
    public static void CheckPatchGrid(string model, int imgHeight, int imgWidth, int patchSize, int stride, int numClasses)
    {
        static bool Fits(int side, int patch, int stride) => side >= patch && (side - patch) % stride == 0;
        if (!Fits(imgHeight, patchSize, stride) || !Fits(imgWidth, patchSize, stride))
        {
            throw new ArgumentException($"{model}: image size {imgHeight}x{imgWidth} does not fit patch size {patchSize} with stride {stride}; each side minus the patch size must be a non-negative multiple of the stride.");
        }
        if (numClasses < 0) throw new ArgumentException($"{model}: NumClasses must not be negative, got {numClasses}.");
    }

    /// <summary>Refuses a non-square size for models with RoPE (its table needs a square grid).</summary>
    public static void CheckSquare(string model, int imgHeight, int imgWidth)
    {
        if (imgHeight != imgWidth) throw new ArgumentException($"{model}: RoPE needs a square image, got {imgHeight}x{imgWidth}.");
    }
}
