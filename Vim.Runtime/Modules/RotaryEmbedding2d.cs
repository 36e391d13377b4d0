using Vim.Runtime.Devices;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Modules;

/// <summary>
/// Vim's 2-D rotary embedding (<c>rope.VisionRotaryEmbeddingFast</c>): persistent buffers <c>freqs_cos</c> and
/// <c>freqs_sin</c> (G², D); the first half of the channel pairs rotate by row position, the second by column.
/// </summary>
public sealed class RotaryEmbedding2d : Module
{
    /// <summary>Computes the tables for a G×G grid (G = img / patch) with the pretraining grid <paramref name="ptSeqLen"/>.</summary>
    public RotaryEmbedding2d(int embedDim, int ptSeqLen, int grid, Device device) : base(device)
    {
        var shape = new Shape(grid * grid, embedDim);
        FreqsCos = RegisterBuffer("freqs_cos", shape);
        FreqsSin = RegisterBuffer("freqs_sin", shape);
        if (device.Kind == DeviceKind.Cpu) Fill(embedDim, ptSeqLen, grid, FreqsCos.Value.Span, FreqsSin.Value.Span);
    }

    /// <summary><c>freqs_cos</c> (G², D).</summary>
    public Parameter FreqsCos { get; }

    /// <summary><c>freqs_sin</c> (G², D).</summary>
    public Parameter FreqsSin { get; }

    /// <summary>Rotates x (B, L, D) in place (odd L: token 0 untouched).</summary>
    public void ApplyInPlace(Tensor x) => Backends.For(x.Device).RopeInPlace(x, FreqsCos.Value, FreqsSin.Value);

    /// <summary>A rotated copy of x (the training forward keeps the unrotated tensor).</summary>
    public Tensor Apply(Tensor x)
    {
        var y = Tensor.Empty(x.Shape, x.Device);
        x.CopyTo(y);
        ApplyInPlace(y);
        return y;
    }

    /// <summary>Backward of the rotation, in place on the gradient: the inverse rotation.</summary>
    public void BackwardInPlace(Tensor dx) => Backends.For(dx.Device).RopeBackwardInPlace(dx, FreqsCos.Value, FreqsSin.Value);

    private static void Fill(int d, int ptSeqLen, int grid, Span<float> cos, Span<float> sin)
    {
        // rope.py: dim = D/2; freqs f_m = 10000^(−2m/dim), m < dim/2; positions s_i = i·pt/G; rows by the first
        // D/4 channel pairs, columns by the rest; each angle repeated for the pair (interleaved).
        int half = d / 2, quarter = d / 4;
        for (int i = 0; i < grid; i++)
        {
            for (int j = 0; j < grid; j++)
            {
                int row = i * grid + j;
                for (int pair = 0; pair < half; pair++)
                {
                    // Evaluated in float32 as torch does: positions and frequencies are float32 tensors.
                    bool byRow = pair < quarter;
                    int m = byRow ? pair : pair - quarter;
                    float freq = 1f / MathF.Pow(10000f, (2 * m) / (float)half);
                    float position = (byRow ? i : j) / (float)grid * ptSeqLen;  // torch: arange(G) / G * pt
                    float angle = position * freq;
                    cos[row * d + 2 * pair] = cos[row * d + 2 * pair + 1] = MathF.Cos(angle);
                    sin[row * d + 2 * pair] = sin[row * d + 2 * pair + 1] = MathF.Sin(angle);
                }
            }
        }
    }
}
