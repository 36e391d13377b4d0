using Vim.Dsl;
using Vim.Kernels.Cpu;
using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Devices;

// Shapes: B batch, H×W map, C channels, D d_inner, N state, R dt rank; maps are channel-last (B, H, W, C).
public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public Tensor Conv2d(Tensor x, bool channelFirstInput, Parameter weight, Parameter? bias, int stride, int padding)
    {
        var (ho, wo) = OpChecks.Conv2d(x, channelFirstInput, weight, stride, padding);
        int o = weight.Shape[0], c = weight.Shape[1], kh = weight.Shape[2], kw = weight.Shape[3];
        int b = x.Shape[0];
        int h = channelFirstInput ? x.Shape[2] : x.Shape[1], w = channelFirstInput ? x.Shape[3] : x.Shape[2];
        var y = Tensor.Empty(new Shape(b, ho, wo, o), Device);
        Kernels.Cpu.Conv2d.Forward(b, c, h, w, x.Span, channelFirstInput, Packed(weight), kh, kw, stride, padding, bias is null ? default : bias.Value.Span, y.Span);
        return y;
    }

    /// <inheritdoc/>
    public Tensor DepthwiseConv2d(Tensor x, Parameter weight, Parameter? bias)
    {
        OpChecks.DepthwiseConv2d(x, weight);
        int c = weight.Shape[0], k = weight.Shape[^1];
        int b = x.Shape[0], h = x.Shape[1], w = x.Shape[2], ld = x.Shape[3];
        var y = Tensor.Empty(new Shape(b, h, w, c), Device);
        Kernels.Cpu.DepthwiseConv2d.Forward(b, h, w, c, x.Span, ld, weight.Value.Span, k, bias is null ? default : bias.Value.Span, y.Span);
        return y;
    }

    /// <inheritdoc/>
    public void ActivationInPlace(Tensor x, ActLayer activation) => Activate(x.Span, activation);

    private static void Activate(Span<float> s, ActLayer activation)
    {
        switch (activation)
        {
            case ActLayer.Silu: Elementwise.Silu(s, s); break;
            case ActLayer.Gelu: Elementwise.Gelu(s, s); break;
            case ActLayer.Relu: Elementwise.Relu(s, s); break;
            case ActLayer.Sigmoid: Elementwise.Sigmoid(s, s); break;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }

    private static GateActivation GateOf(ActLayer? activation) => activation switch
    {
        null => GateActivation.None,
        ActLayer.Silu => GateActivation.Silu,
        ActLayer.Gelu => GateActivation.Gelu,
        ActLayer.Relu => GateActivation.Relu,
        ActLayer.Sigmoid => GateActivation.Sigmoid,
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };

    /// <inheritdoc/>
    public Tensor SliceChannels(Tensor x, int start, int width)
    {
        OpChecks.SliceChannels(x, start, width);
        int ld = x.Shape[^1];
        var dims = x.Shape.ToArray();
        dims[^1] = width;
        var y = Tensor.Empty(new Shape(dims), Device);
        int rows = (int)(x.Numel / ld);
        var src = x.Span;
        var dst = y.Span;
        for (int r = 0; r < rows; r++) src.Slice(r * ld + start, width).CopyTo(dst.Slice(r * width, width));
        return y;
    }

    /// <inheritdoc/>
    public void GateInPlace(Tensor y, Tensor x, int start, ActLayer? activation)
    {
        OpChecks.GateInPlace(y, x, start);
        int d = y.Shape[^1], ld = x.Shape[^1];
        int rows = (int)(y.Numel / d);
        Elementwise.GateRows(rows, d, y.Span, x.Span[start..], ld, GateOf(activation));
    }

    /// <inheritdoc/>
    public Tensor CrossScan(Tensor u, Tensor proj, Tensor deltaRaw, Parameter dtBias, Parameter aLogs, Parameter ds, int dtRank, int dState, IReadOnlyList<int> traversals)
    {
        OpChecks.CrossScan(u, proj, deltaRaw, dtBias, aLogs, ds, dtRank, dState, traversals);
        int b = u.Shape[0], h = u.Shape[1], w = u.Shape[2], d = u.Shape[3];
        var y = Tensor.Empty(u.Shape, Device);
        Span<int> t = stackalloc int[4];
        for (int k = 0; k < 4; k++) t[k] = traversals[k];
        Kernels.Cpu.CrossScan.Forward(b, h, w, d, dState, dtRank, u.Span, proj.Span, deltaRaw.Span, dtBias.Value.Span,
            NegExp(aLogs), ds.Value.Span, t, y.Span);
        return y;
    }

    /// <inheritdoc/>
    public Tensor PatchMerge(Tensor x)
    {
        int b = x.Shape[0], h = x.Shape[1], w = x.Shape[2], c = x.Shape[3];
        int ho = (h + 1) / 2, wo = (w + 1) / 2;
        var y = Tensor.Empty(new Shape(b, ho, wo, 4 * c), Device);
        var src = x.Span;
        var dst = y.Span;
        for (int n = 0; n < b; n++)
        {
            for (int i = 0; i < ho; i++)
            {
                for (int j = 0; j < wo; j++)
                {
                    var o = dst.Slice(((n * ho + i) * wo + j) * 4 * c, 4 * c);
                    // q0 = x[2i, 2j], q1 = x[2i+1, 2j], q2 = x[2i, 2j+1], q3 = x[2i+1, 2j+1]; zero outside (odd sizes pad bottom/right).
                    for (int q = 0; q < 4; q++)
                    {
                        int yy = 2 * i + (q & 1), xx = 2 * j + (q >> 1);
                        var part = o.Slice(q * c, c);
                        if (yy < h && xx < w) src.Slice(((n * h + yy) * w + xx) * c, c).CopyTo(part);
                        else part.Clear();
                    }
                }
            }
        }
        return y;
    }

    /// <inheritdoc/>
    public void AddChannelFirstInPlace(Tensor x, Tensor pos)
    {
        OpChecks.AddChannelFirst(x, pos);
        int b = x.Shape[0], h = x.Shape[1], w = x.Shape[2], c = x.Shape[3];
        var s = x.Span;
        var p = pos.Span;
        for (int n = 0; n < b; n++)
        {
            for (int l = 0; l < h * w; l++)
            {
                var row = s.Slice((n * h * w + l) * c, c);
                for (int ch = 0; ch < c; ch++) row[ch] += p[ch * h * w + l];
            }
        }
    }

    /// <inheritdoc/>
    public Tensor ToChannelFirst(Tensor x)
    {
        int b = x.Shape[0], h = x.Shape[1], w = x.Shape[2], c = x.Shape[3];
        var y = Tensor.Empty(new Shape(b, c, h, w), Device);
        var s = x.Span;
        var d = y.Span;
        int l = h * w;
        for (int n = 0; n < b; n++)
        {
            for (int p = 0; p < l; p++)
            {
                for (int ch = 0; ch < c; ch++) d[(n * c + ch) * l + p] = s[(n * l + p) * c + ch];
            }
        }
        return y;
    }

    /// <inheritdoc/>
    public void SpatialSoftmaxInPlace(Tensor x)
    {
        int b = x.Shape[0], l = x.Shape[1] * x.Shape[2], c = x.Shape[3];
        var s = x.Span;
        for (int n = 0; n < b; n++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                int at = n * l * c + ch;
                float max = float.NegativeInfinity;
                for (int p = 0; p < l; p++) max = MathF.Max(max, s[at + p * c]);
                double sum = 0;
                for (int p = 0; p < l; p++)
                {
                    float e = MathF.Exp(s[at + p * c] - max);
                    s[at + p * c] = e;
                    sum += e;
                }
                float inv = (float)(1.0 / sum);
                for (int p = 0; p < l; p++) s[at + p * c] *= inv;
            }
        }
    }

    /// <inheritdoc/>
    public Tensor MeanOverPositions(Tensor x)
    {
        int b = x.Shape[0], l = x.Shape[1] * x.Shape[2], c = x.Shape[3];
        var y = Tensor.Empty(new Shape(b, c), Device);
        Pooling.Mean(b, l, c, x.Span, y.Span);
        return y;
    }
}

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public (Tensor Proj, Tensor DeltaRaw) DirectionProjections(Tensor u, Parameter xProjWeight, Parameter dtProjsWeight)
    {
        OpChecks.DirectionProjections(u, xProjWeight, dtProjsWeight);
        int k = xProjWeight.Shape[0], width = xProjWeight.Shape[1], d = xProjWeight.Shape[2];
        int rows = (int)(u.Numel / d);
        var dims = u.Shape.ToArray();
        dims[^1] = k * width;
        var proj = Tensor.Empty(new Shape(dims), Device);
        // One GEMM for all four directions: x_proj_weight (K, R+2N, D) is row-major (K·(R+2N), D).
        var xPacked = xProjWeight.Derived(static w => Gemm.Pack(w.Value.Span, w.Shape[0] * w.Shape[1], w.Shape[2], w.Shape[2]));
        Gemm.Multiply(rows, u.Span, d, xPacked, proj.Span, k * width, default, accumulate: false);

        dims[^1] = k * d;
        var delta = Tensor.Empty(new Shape(dims), Device);
        // dt_projs_weight (K, D, R): one packed (D, R) weight per direction.
        var dtPacked = dtProjsWeight.Derived(static w =>
        {
            int k = w.Shape[0], d = w.Shape[1], r = w.Shape[2];
            var packed = new PackedMatrix[k];
            for (int i = 0; i < k; i++) packed[i] = Gemm.Pack(w.Value.Span.Slice(i * d * r, d * r), d, r, r);
            return packed;
        });
        // Δraw_k = proj[..., k(R+2N) : k(R+2N)+R] · dt_projs_weight[k]ᵀ, read in place through the row stride and written at column k·D.
        for (int i = 0; i < k; i++)
        {
            Gemm.Multiply(rows, proj.Span[(i * width)..], k * width, dtPacked[i], delta.Span[(i * d)..], k * d, default, accumulate: false);
        }
        return (proj, delta);
    }
}
