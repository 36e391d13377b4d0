using Vim.Runtime.Imaging;

namespace Vim.Runtime.Training.Data;

/// <summary>
/// Turns one example into a model input (C, H, W) of normalised floats. Random transforms draw only from the generator
/// they are given, which the loader seeds from (run seed, epoch, example): the same run gives the same inputs.
/// </summary>
public abstract class SampleTransform
{
    /// <summary>The input shape produced.</summary>
    public abstract (int Channels, int Height, int Width) OutputShape { get; }

    /// <summary>Writes the model input of <paramref name="sample"/> into <paramref name="output"/> (C·H·W values).</summary>
    public abstract void Apply(DataSample sample, Random random, Span<float> output);
}

/// <summary>
/// The evaluation transform: images through <see cref="ImagePreprocessing.Preprocess"/> (resize, centre crop by crop_pct,
/// mean/std), in-memory values copied as they are. No randomness.
/// </summary>
public sealed class EvalTransform(PreprocessConfig config, int channels = 3) : SampleTransform
{
    /// <summary>The preprocessing.</summary>
    public PreprocessConfig Config { get; } = config ?? throw new ArgumentNullException(nameof(config));

    /// <inheritdoc/>
    public override (int Channels, int Height, int Width) OutputShape => (channels, Config.InputHeight, Config.InputWidth);

    /// <inheritdoc/>
    public override void Apply(DataSample sample, Random random, Span<float> output)
    {
        if (sample.Values is { } values)
        {
            if (sample.Shape != OutputShape) throw new ArgumentException($"{sample.Source} is {sample.Shape}; the model takes {OutputShape}.");
            values.CopyTo(output);
            return;
        }
        var image = sample.Image ?? throw new ArgumentException($"{sample.Source} has neither an image nor values.");
        if (!Config.ResizeAndCrop && (image.Width != Config.InputWidth || image.Height != Config.InputHeight))
            throw new ArgumentException($"{sample.Source} is {image.Width}x{image.Height}; this model's preprocessing takes {Config.InputWidth}x{Config.InputHeight} images as they are.");
        ImagePreprocessing.Preprocess(image.ToRgb(), Config).CopyTo(output);
    }
}
