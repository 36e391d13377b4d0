namespace Vim.Runtime.Training.Data;

/// <summary>
/// The digits recipe's augmentation (data/digits/README.md), on the 32×32 grayscale renderings: x = p/255; with
/// probability <see cref="Probability"/> a random affine re-rendering — source = M·target + t in normalised coordinates
/// (pixel centres at (2i+1)/32 − 1), M = rotation(±12°)·shear(±8°)·scale(0.9–1.1), t uniform in ±1/8 (±2 px),
/// bilinear sampling with zero outside — then 4×4 average pooling to the 8×8 digit and nearest upsampling back to 32×32;
/// finally (x − 0.5)/0.5 replicated to 3 channels. Without the warp the output is the PNG rule of the evaluation. At another
/// <see cref="OutputSide"/> (fine-tuning at 48², say) the 32×32 result is resampled by nearest neighbour, which keeps each
/// digit pixel a solid block when the side is a multiple of 8.
/// </summary>
public sealed class DigitsTransform : SampleTransform
{
    private const int Side = 32;

    /// <summary>Probability of the affine re-rendering.</summary>
    public double Probability { get; init; } = 0.8;

    /// <summary>Largest rotation, degrees.</summary>
    public double MaxRotation { get; init; } = 12;

    /// <summary>Isotropic scale range.</summary>
    public (double Min, double Max) Scale { get; init; } = (0.9, 1.1);

    /// <summary>Largest shear, degrees.</summary>
    public double MaxShear { get; init; } = 8;

    /// <summary>Largest shift, as a fraction of the half width.</summary>
    public double MaxShift { get; init; } = 0.125;

    /// <summary>The side of the model input (32 for the digits model as trained).</summary>
    public int OutputSide
    {
        get => _outputSide;
        init => _outputSide = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), $"The output side {value} must be positive.");
    }

    private readonly int _outputSide = Side;

    /// <inheritdoc/>
    public override (int Channels, int Height, int Width) OutputShape => (3, OutputSide, OutputSide);

    /// <inheritdoc/>
    public override void Apply(DataSample sample, Random random, Span<float> output)
    {
        var image = sample.Image ?? throw new ArgumentException($"{sample.Source}: the digits recipe reads 32×32 grayscale images.");
        if (image.Width != Side || image.Height != Side) throw new ArgumentException($"{sample.Source} is {image.Width}x{image.Height}; the digits recipe takes {Side}x{Side} images.");
        var x = new float[Side * Side];
        for (int i = 0; i < x.Length; i++) x[i] = image.Pixels[i * image.Channels] / 255f;
        if (random.NextDouble() < Probability) x = Warp(x, random);
        if (OutputSide != Side) x = Nearest(x, OutputSide);
        for (int c = 0; c < 3; c++)
        {
            for (int i = 0; i < x.Length; i++) output[c * x.Length + i] = (x[i] - 0.5f) / 0.5f;
        }
    }

    private float[] Warp(float[] x, Random random)
    {
        double Uniform(double a, double b) => a + (b - a) * random.NextDouble();
        double rot = Uniform(-MaxRotation, MaxRotation) * Math.PI / 180, shear = Uniform(-MaxShear, MaxShear) * Math.PI / 180;
        double scale = Uniform(Scale.Min, Scale.Max), tx = Uniform(-MaxShift, MaxShift), ty = Uniform(-MaxShift, MaxShift);
        // M = R(rot) · [[1, tan(shear)], [0, 1]] · s
        double c = Math.Cos(rot), s = Math.Sin(rot), k = Math.Tan(shear);
        double m00 = scale * c, m01 = scale * (c * k - s), m10 = scale * s, m11 = scale * (s * k + c);
        var warped = new float[Side * Side];
        for (int i = 0; i < Side; i++)
        {
            double v = (2 * i + 1) / (double)Side - 1;
            for (int j = 0; j < Side; j++)
            {
                double u = (2 * j + 1) / (double)Side - 1;
                double su = m00 * u + m01 * v + tx, sv = m10 * u + m11 * v + ty;
                warped[i * Side + j] = Bilinear(x, ((su + 1) * Side - 1) / 2, ((sv + 1) * Side - 1) / 2);
            }
        }

        // 4×4 average pooling to the 8×8 digit, then nearest upsampling back to 32×32
        var result = new float[Side * Side];
        for (int bi = 0; bi < Side / 4; bi++)
        {
            for (int bj = 0; bj < Side / 4; bj++)
            {
                float sum = 0;
                for (int di = 0; di < 4; di++)
                {
                    for (int dj = 0; dj < 4; dj++) sum += warped[(bi * 4 + di) * Side + bj * 4 + dj];
                }
                float mean = sum / 16;
                for (int di = 0; di < 4; di++)
                {
                    for (int dj = 0; dj < 4; dj++) result[(bi * 4 + di) * Side + bj * 4 + dj] = mean;
                }
            }
        }
        return result;
    }

    private static float[] Nearest(float[] x, int side)
    {
        var y = new float[side * side];
        for (int i = 0; i < side; i++)
        {
            int si = i * Side / side;
            for (int j = 0; j < side; j++) y[i * side + j] = x[si * Side + j * Side / side];
        }
        return y;
    }

    /// <summary>Bilinear sample at (px, py) in pixel units, zero outside the image.</summary>
    internal static float Bilinear(float[] x, double px, double py)
    {
        int x0 = (int)Math.Floor(px), y0 = (int)Math.Floor(py);
        double fx = px - x0, fy = py - y0;
        double At(int yy, int xx) => (uint)yy < Side && (uint)xx < Side ? x[yy * Side + xx] : 0;
        return (float)((1 - fy) * ((1 - fx) * At(y0, x0) + fx * At(y0, x0 + 1)) + fy * ((1 - fx) * At(y0 + 1, x0) + fx * At(y0 + 1, x0 + 1)));
    }
}
