namespace Vim.Runtime.Training.Data;

/// <summary>
/// timm's <c>Mixup</c> in 'batch' mode, as the official recipes use it: with probability <see cref="Probability"/> the batch is
/// mixed with its reverse — CutMix (probability <see cref="SwitchProbability"/> when both are on) pastes a box of the reversed
/// batch, λ ~ Beta(α_cutmix, α_cutmix), then λ is corrected to the box's real area; mixup blends x·λ + flip(x)·(1 − λ),
/// λ ~ Beta(α_mixup, α_mixup). The targets are the label-smoothed one-hots mixed the same way:
/// λ·smooth(y) + (1 − λ)·smooth(flip(y)), smooth = (1 − s)·onehot + s/classes.
/// </summary>
public sealed class Mixup(double mixupAlpha, double cutmixAlpha, double labelSmoothing, double probability = 1.0, double switchProbability = 0.5) : BatchTransform
{
    /// <summary>Mixup's α (0: off).</summary>
    public double MixupAlpha { get; } = mixupAlpha >= 0 ? mixupAlpha : throw new ArgumentOutOfRangeException(nameof(mixupAlpha));

    /// <summary>CutMix's α (0: off).</summary>
    public double CutmixAlpha { get; } = cutmixAlpha >= 0 ? cutmixAlpha : throw new ArgumentOutOfRangeException(nameof(cutmixAlpha));

    /// <summary>Label smoothing folded into the targets.</summary>
    public double LabelSmoothing { get; } = labelSmoothing;

    /// <summary>Probability that a batch is mixed.</summary>
    public double Probability { get; } = probability;

    /// <summary>Probability of CutMix when both are on.</summary>
    public double SwitchProbability { get; } = switchProbability;

    /// <inheritdoc/>
    public override Targets Apply(float[] images, int[] labels, int classes, (int Channels, int Height, int Width) shape, Random random)
    {
        int b = labels.Length;
        if (b % 2 != 0) throw new ArgumentException($"Mixup mixes a batch with its reverse: the batch needs an even size, got {b} (drop the last partial batch).");
        double lambda = 1;
        bool cutmix = false;
        if ((MixupAlpha > 0 || CutmixAlpha > 0) && random.NextDouble() < Probability)
        {
            if (MixupAlpha > 0 && CutmixAlpha > 0)
            {
                cutmix = random.NextDouble() < SwitchProbability;
                lambda = Beta(random, cutmix ? CutmixAlpha : MixupAlpha);
            }
            else if (MixupAlpha > 0)
            {
                lambda = Beta(random, MixupAlpha);
            }
            else
            {
                cutmix = true;
                lambda = Beta(random, CutmixAlpha);
            }
        }

        var (c, h, w) = shape;
        int size = c * h * w;
        if (lambda != 1)
        {
            var original = (float[])images.Clone();
            if (cutmix)
            {
                var (y0, y1, x0, x1) = Box(h, w, lambda, random);
                lambda = 1 - (double)(y1 - y0) * (x1 - x0) / (h * w);
                for (int n = 0; n < b; n++)
                {
                    int from = b - 1 - n;
                    for (int ch = 0; ch < c; ch++)
                    {
                        for (int y = y0; y < y1; y++)
                        {
                            Array.Copy(original, from * size + (ch * h + y) * w + x0, images, n * size + (ch * h + y) * w + x0, x1 - x0);
                        }
                    }
                }
            }
            else
            {
                float l = (float)lambda, k = (float)(1 - lambda);
                for (int n = 0; n < b; n++)
                {
                    int from = b - 1 - n;
                    for (int i = 0; i < size; i++) images[n * size + i] = original[n * size + i] * l + original[from * size + i] * k;
                }
            }
        }

        double off = LabelSmoothing / classes, on = 1 - LabelSmoothing + off;
        var targets = new float[b * classes];
        for (int n = 0; n < b; n++)
        {
            for (int j = 0; j < classes; j++)
            {
                double own = j == labels[n] ? on : off, other = j == labels[b - 1 - n] ? on : off;
                targets[n * classes + j] = (float)(own * lambda + other * (1 - lambda));
            }
        }
        return Targets.FromProbabilities(targets, classes);
    }

    /// <summary>timm's <c>rand_bbox</c>: a box of side ⌊side·√(1 − λ)⌋ centred uniformly, clipped to the image.</summary>
    internal static (int Y0, int Y1, int X0, int X1) Box(int h, int w, double lambda, Random random)
    {
        double ratio = Math.Sqrt(1 - lambda);
        int cutH = (int)(h * ratio), cutW = (int)(w * ratio);
        int cy = random.Next(h), cx = random.Next(w);
        return (Math.Clamp(cy - cutH / 2, 0, h), Math.Clamp(cy + cutH / 2, 0, h), Math.Clamp(cx - cutW / 2, 0, w), Math.Clamp(cx + cutW / 2, 0, w));
    }

    /// <summary>Beta(α, α) as X / (X + Y) with X, Y ~ Gamma(α, 1).</summary>
    internal static double Beta(Random random, double alpha)
    {
        double x = Gamma(random, alpha), y = Gamma(random, alpha);
        return x / (x + y);
    }

    /// <summary>Gamma(α, 1) by Marsaglia and Tsang; α &lt; 1 through Gamma(α + 1)·U^(1/α).</summary>
    internal static double Gamma(Random random, double alpha)
    {
        if (alpha < 1) return Gamma(random, alpha + 1) * Math.Pow(1 - random.NextDouble(), 1 / alpha);
        double d = alpha - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
                x = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
                v = 1 + c * x;
            }
            while (v <= 0);
            v = v * v * v;
            double u = 1 - random.NextDouble();
            if (Math.Log(u) < 0.5 * x * x + d - d * v + d * Math.Log(v)) return d * v;
        }
    }
}
