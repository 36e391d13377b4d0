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

    /// <summary>Refuses overrides that give no patch grid (the grid is (side − patch) // stride + 1, a remainder dropped as upstream's Conv2d drops it).</summary>
    /// <exception cref="ArgumentException">The image is smaller than a patch, or the class count is negative.</exception>
    public static void CheckPatchGrid(string model, int imgHeight, int imgWidth, int patchSize, int stride, int numClasses)
    {
        if (imgHeight < patchSize || imgWidth < patchSize)
        {
            throw new ArgumentException($"{model}: image size {imgHeight}x{imgWidth} is smaller than the patch size {patchSize}; the patch convolution needs at least one whole patch.");
        }
        if (numClasses < 0) throw new ArgumentException($"{model}: NumClasses must not be negative, got {numClasses}.");
    }

    /// <summary>Refuses a non-square size for models with RoPE (its table needs a square grid).</summary>
    public static void CheckSquare(string model, int imgHeight, int imgWidth)
    {
        if (imgHeight != imgWidth) throw new ArgumentException($"{model}: RoPE needs a square image, got {imgHeight}x{imgWidth}.");
    }
}
