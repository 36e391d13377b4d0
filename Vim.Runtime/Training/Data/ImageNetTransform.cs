using Vim.Runtime.Imaging;

namespace Vim.Runtime.Training.Data;

/// <summary>
/// timm 0.4.12's ImageNet training transform as the official recipes build it (<c>create_transform(is_training=True)</c>):
/// random-resized crop (scale 0.08–1, aspect 3/4–4/3, bicubic), horizontal flip (½), RandAugment — or colour jitter when
/// there is no RandAugment policy —, normalisation by mean/std, then random erasing (a box of 2–33 % of the area, aspect
/// 0.3–3.3, filled with standard-normal noise per pixel).
/// </summary>
public sealed class ImageNetTransform : SampleTransform
{
    /// <summary>The transform for <paramref name="recipe"/> at the model's input size and normalisation.</summary>
    public static ImageNetTransform ForRecipe(TrainingRecipe recipe, PreprocessConfig eval) => new()
    {
        Height = eval.InputHeight,
        Width = eval.InputWidth,
        Mean = eval.Mean,
        Std = eval.Std,
        AutoAugment = recipe.AutoAugment is null ? null : new RandAugment(recipe.AutoAugment, MeanColour(eval.Mean)),
        ColorJitter = recipe.ColorJitter,
        ReProb = recipe.ReProb,
    };

    private static (byte, byte, byte) MeanColour(IReadOnlyList<double> mean) =>
        ((byte)Math.Min(255, Math.Round(255 * mean[0])), (byte)Math.Min(255, Math.Round(255 * mean[1])), (byte)Math.Min(255, Math.Round(255 * mean[2])));

    /// <summary>Output height.</summary>
    public int Height { get; init; } = 224;

    /// <summary>Output width.</summary>
    public int Width { get; init; } = 224;

    /// <summary>Crop area range (fraction of the image).</summary>
    public (double Min, double Max) Scale { get; init; } = (0.08, 1.0);

    /// <summary>Crop aspect-ratio range.</summary>
    public (double Min, double Max) Ratio { get; init; } = (3.0 / 4, 4.0 / 3);

    /// <summary>Horizontal flip probability.</summary>
    public double FlipProbability { get; init; } = 0.5;

    /// <summary>The RandAugment policy, or null.</summary>
    public RandAugment? AutoAugment { get; init; }

    /// <summary>Brightness, contrast and saturation jitter (used only without RandAugment, as timm does); 0: none.</summary>
    public double ColorJitter { get; init; }

    /// <summary>Random-erasing probability.</summary>
    public double ReProb { get; init; }

    /// <summary>Normalisation mean.</summary>
    public IReadOnlyList<double> Mean { get; init; } = [0.485, 0.456, 0.406];

    /// <summary>Normalisation std.</summary>
    public IReadOnlyList<double> Std { get; init; } = [0.229, 0.224, 0.225];

    /// <inheritdoc/>
    public override (int Channels, int Height, int Width) OutputShape => (3, Height, Width);

    /// <inheritdoc/>
    public override void Apply(DataSample sample, Random random, Span<float> output)
    {
        var image = (sample.Image ?? throw new ArgumentException($"{sample.Source}: the ImageNet transform augments images, not tensors.")).ToRgb();
        var (top, left, h, w) = CropBox(image.Width, image.Height, random);
        image = ImageResize.Resize(image.Crop(left, top, w, h), Width, Height, Interpolation.Bicubic);
        if (random.NextDouble() < FlipProbability) image = ImageOps.FlipHorizontal(image);
        if (AutoAugment is not null) image = AutoAugment.Apply(image, random);
        else if (ColorJitter > 0) image = Jitter(image, random);
        ImagePreprocessing.ToNormalizedChw(image, Mean, Std).CopyTo(output);
        if (ReProb > 0) Erase(output, random);
    }

    /// <summary>torchvision's/timm's random-resized-crop parameters: ten tries at a random area and aspect, else a centre crop at the clamped aspect.</summary>
    public (int Top, int Left, int Height, int Width) CropBox(int width, int height, Random random)
    {
        double area = (double)width * height;
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = (Scale.Min + (Scale.Max - Scale.Min) * random.NextDouble()) * area;
            double aspect = Math.Exp(Math.Log(Ratio.Min) + (Math.Log(Ratio.Max) - Math.Log(Ratio.Min)) * random.NextDouble());
            int w = (int)Math.Round(Math.Sqrt(target * aspect), MidpointRounding.ToEven), h = (int)Math.Round(Math.Sqrt(target / aspect), MidpointRounding.ToEven);
            if (w <= width && h <= height && w > 0 && h > 0)
            {
                int top = random.Next(height - h + 1), left = random.Next(width - w + 1);
                return (top, left, h, w);
            }
        }
        double ratio = (double)width / height;
        int cw = width, ch = height;
        if (ratio < Ratio.Min) ch = (int)Math.Round(cw / Ratio.Min, MidpointRounding.ToEven);
        else if (ratio > Ratio.Max) cw = (int)Math.Round(ch * Ratio.Max, MidpointRounding.ToEven);
        return ((height - ch) / 2, (width - cw) / 2, ch, cw);
    }

    /// <summary>torchvision's ColorJitter(b, c, s): the three adjustments in a random order, each by a factor in [1 − j, 1 + j].</summary>
    private Image Jitter(Image image, Random random)
    {
        var order = new[] { 0, 1, 2 };
        random.Shuffle(order);
        foreach (int op in order)
        {
            double factor = 1 - ColorJitter + 2 * ColorJitter * random.NextDouble();
            image = op switch
            {
                0 => ImageOps.Brightness(image, factor),
                1 => ImageOps.Contrast(image, factor),
                _ => ImageOps.Color(image, factor),
            };
        }
        return image;
    }

    /// <summary>timm's <c>RandomErasing</c> ('pixel' mode, one box): ten tries at a box inside the image.</summary>
    private void Erase(Span<float> chw, Random random)
    {
        if (random.NextDouble() > ReProb) return;
        double area = (double)Height * Width;
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = (0.02 + (1.0 / 3 - 0.02) * random.NextDouble()) * area;
            double aspect = Math.Exp(Math.Log(0.3) + (Math.Log(1 / 0.3) - Math.Log(0.3)) * random.NextDouble());
            int h = (int)Math.Round(Math.Sqrt(target * aspect), MidpointRounding.ToEven), w = (int)Math.Round(Math.Sqrt(target / aspect), MidpointRounding.ToEven);
            if (w >= Width || h >= Height) continue;
            int top = random.Next(Height - h + 1), left = random.Next(Width - w + 1);
            for (int c = 0; c < 3; c++)
            {
                for (int y = top; y < top + h; y++)
                {
                    for (int x = left; x < left + w; x++) chw[(c * Height + y) * Width + x] = (float)RandAugment.Gauss(random, 0, 1);
                }
            }
            return;
        }
    }
}
