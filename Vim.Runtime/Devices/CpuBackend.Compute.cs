using Vim.Kernels.Cpu;
using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Devices;

// Shapes: B batch, L tokens, D width, E inner width, N state, R dt rank, K conv width.
public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public Tensor Linear(Tensor x, Parameter weight, Parameter? bias)
    {
        OpChecks.Linear(x, weight);
        int outF = weight.Shape[0], inF = weight.Shape[1];
        int rows = (int)(x.Numel / inF);
        var dims = x.Shape.ToArray();
        dims[^1] = outF;
        var y = Tensor.Empty(new Shape(dims), Device);
        Gemm.Multiply(rows, x.Span, inF, Packed(weight), y.Span, outF, bias is null ? default : bias.Value.Span, accumulate: false);
        return y;
    }

    // Weights are constant between loads: pack once per parameter version (the GEMM's B panels).
    private static PackedMatrix Packed(Parameter weight) => weight.Derived(static w =>
    {
        int n = w.Shape[0], k = (int)(w.Shape.Numel / n);
        return Gemm.Pack(w.Value.Span, n, k, k);
    });

    /// <inheritdoc/>
    public Tensor PatchEmbed(Tensor images, Parameter weight, Parameter bias, int stride)
    {
        var (gh, gw) = OpChecks.PatchEmbed(images, weight, stride);
        int b = images.Shape[0], c = images.Shape[1], h = images.Shape[2], w = images.Shape[3];
        int d = weight.Shape[0], ph = weight.Shape[2], pw = weight.Shape[3];
        var y = Tensor.Empty(new Shape(b, gh * gw, d), Device);
        Kernels.Cpu.PatchEmbed.Forward(b, c, h, w, images.Span, Packed(weight), ph, pw, stride, bias.Value.Span, y.Span);
        return y;
    }

    /// <inheritdoc/>
    public Tensor AddNorm(Tensor hidden, Tensor residual, NormKind kind, Parameter weight, Parameter? bias, float epsilon)
    {
        OpChecks.Norm("AddNorm", hidden, residual, weight, bias);
        int d = hidden.Shape[^1];
        var y = Tensor.Empty(hidden.Shape, Device);
        var rows = (int)(hidden.Numel / d);
        ReadOnlySpan<float> b = bias is null ? default : bias.Value.Span;
        if (kind == NormKind.Rms) Norms.AddRmsNorm(rows, d, hidden.Span, residual.Span, residual.Span, weight.Value.Span, epsilon, y.Span);
        else Norms.AddLayerNorm(rows, d, hidden.Span, residual.Span, residual.Span, weight.Value.Span, b, epsilon, y.Span);
        return y;
    }

    /// <inheritdoc/>
    public Tensor Norm(Tensor x, NormKind kind, Parameter weight, Parameter? bias, float epsilon)
    {
        OpChecks.Norm("Norm", x, null, weight, bias);
        int d = x.Shape[^1];
        var y = Tensor.Empty(x.Shape, Device);
        var rows = (int)(x.Numel / d);
        ReadOnlySpan<float> b = bias is null ? default : bias.Value.Span;
        if (kind == NormKind.Rms) Norms.RmsNorm(rows, d, x.Span, weight.Value.Span, epsilon, y.Span);
        else Norms.LayerNorm(rows, d, x.Span, weight.Value.Span, b, epsilon, y.Span);
        return y;
    }

    /// <inheritdoc/>
    public MambaBranch MambaPrepare(Tensor xz, int dInner, Parameter convWeight, Parameter? convBias, Parameter xProjWeight, Parameter dtProjWeight, int dState, bool reverse)
    {
        OpChecks.MambaPrepare(xz, dInner, convWeight, xProjWeight, dtProjWeight, dState);
        int b = xz.Shape[0], l = xz.Shape[1], e = dInner, k = convWeight.Shape[^1];
        int r = dtProjWeight.Shape[1], rows = b * l, xdblWidth = xProjWeight.Shape[0];
        var u = Tensor.Empty(new Shape(b, l, e), Device);
        CausalConv1d.Forward(b, l, e, xz.Span, 2 * e, convWeight.Value.Span, k, convBias is null ? default : convBias.Value.Span, u.Span, reverse);
        var xDbl = Tensor.Empty(new Shape(b, l, xdblWidth), Device);
        Gemm.Multiply(rows, u.Span, e, Packed(xProjWeight), xDbl.Span, xdblWidth, default, accumulate: false);
        // No Δ tensor: the scan computes Δ_raw = x_dbl[..., :R] · dt_projᵀ per token in its pre-pass.
        return new MambaBranch(u, xDbl, deltaRaw: null, r, dState, dtProjWeight.Value);
    }

    /// <inheritdoc/>
    public void MambaScan(MambaBranch branch, Tensor xz, Parameter aLog, Parameter dSkip, Parameter dtBias, bool reverse, Tensor output, bool accumulate, float scale, int? steps = null)
    {
        int b = xz.Shape[0], l = xz.Shape[1], e = branch.U.Shape[2], n = branch.DState, r = branch.DtRank;
        int width = branch.XDbl.Shape[2];
        OpChecks.ScanSteps(steps, l);
        float[] a = NegExp(aLog);
        var xdbl = branch.XDbl.Span;
        // Δ's low rank, B and C are columns 0.., R.. and R+N.. of x_dbl; z is the second half of each xz row: all read in place.
        var dtWeight = branch.DtWeight ?? throw new ArgumentException("MambaScan: the branch was not prepared by the CPU backend (it has no dt_proj weight).");
        SelectiveScan.Forward(b, l, e, n, branch.U.Span, xdbl, width, dtWeight.Span, r, dtBias.Value.Span, softplus: true, a,
            xdbl[r..], xdbl[(r + n)..], width, dSkip.Value.Span, xz.Span[e..], 2 * e, output.Span, scale, accumulate, reverse, steps);
    }

    // A = −exp(A_log) in fp32 (mamba_simple.py); cached per parameter version.
    private static float[] NegExp(Parameter aLog) => aLog.Derived(static p =>
    {
        var values = p.Value.Span;
        var a = new float[values.Length];
        for (int i = 0; i < a.Length; i++) a[i] = -MathF.Exp(values[i]);
        return a;
    });

    /// <inheritdoc/>
    public Tensor InsertToken(Tensor tokens, Tensor token, int position)
    {
        OpChecks.InsertToken(tokens, token, position);
        int b = tokens.Shape[0], m = tokens.Shape[1], d = tokens.Shape[2];
        var y = Tensor.Empty(new Shape(b, m + 1, d), Device);
        var src = tokens.Span;
        var dst = y.Span;
        for (int i = 0; i < b; i++)
        {
            var s = src.Slice(i * m * d, m * d);
            var o = dst.Slice(i * (m + 1) * d, (m + 1) * d);
            s[..(position * d)].CopyTo(o);
            token.Span.CopyTo(o[(position * d)..]);
            s[(position * d)..].CopyTo(o[((position + 1) * d)..]);
        }
        return y;
    }

    /// <inheritdoc/>
    public void AddBroadcastInPlace(Tensor x, Tensor addend)
    {
        int inner = (int)OpChecks.AddBroadcast(x, addend);
        var s = x.Span;
        for (int start = 0; start < s.Length; start += inner) Elementwise.AddInPlace(s.Slice(start, inner), addend.Span);
    }

    /// <inheritdoc/>
    public void AddInPlace(Tensor a, Tensor b)
    {
        OpChecks.AddInPlace(a, b);
        Elementwise.AddInPlace(a.Span, b.Span);
    }

    /// <inheritdoc/>
    public void ScaleInPlace(Tensor a, float scale) => Elementwise.Scale(a.Span, scale, a.Span);

    /// <inheritdoc/>
    public void MultiplyLastAxisInPlace(Tensor a, Tensor v)
    {
        int d = OpChecks.MultiplyLastAxis(a, v);
        var s = a.Span;
        var scale = v.Span;
        // Only the optional layer scale (gamma) uses this; a plain loop is enough.
        for (int i = 0; i < s.Length; i++) s[i] *= scale[i % d];
    }

    /// <inheritdoc/>
    public Tensor SelectToken(Tensor x, int position)
    {
        OpChecks.Tokens("SelectToken", x, position);
        int b = x.Shape[0], l = x.Shape[1], d = x.Shape[2];
        var y = Tensor.Empty(new Shape(b, d), Device);
        for (int i = 0; i < b; i++) x.Span.Slice((i * l + position) * d, d).CopyTo(y.Span.Slice(i * d, d));
        return y;
    }

    /// <summary><see cref="ToPatchGrid"/> of another device's tokens: computed here and copied back to their device.</summary>
    internal static Tensor ToPatchGridThroughHost(Tensor tokens, int gridHeight, int gridWidth, ReadOnlySpan<int> skip)
    {
        if (tokens.Device.Kind == DeviceKind.Cpu) return Instance.ToPatchGrid(tokens, gridHeight, gridWidth, skip);
        using var host = tokens.To(Device.Cpu);
        using var grid = Instance.ToPatchGrid(host, gridHeight, gridWidth, skip);
        return grid.To(tokens.Device);
    }

    /// <inheritdoc/>
    public Tensor ToPatchGrid(Tensor tokens, int gridHeight, int gridWidth, ReadOnlySpan<int> skip)
    {
        OpChecks.PatchGrid(tokens, gridHeight, gridWidth, skip);
        int b = tokens.Shape[0], l = tokens.Shape[1], d = tokens.Shape[2], m = gridHeight * gridWidth;
        var y = Tensor.Empty(new Shape(b, d, gridHeight, gridWidth), Device);
        var s = tokens.Span;
        var o = y.Span;
        for (int n = 0; n < b; n++)
        {
            int p = 0;
            for (int t = 0; t < l; t++)
            {
                if (skip.Contains(t)) continue;
                var row = s.Slice((n * l + t) * d, d);
                for (int c = 0; c < d; c++) o[(n * d + c) * m + p] = row[c];
                p++;
            }
        }
        return y;
    }

    /// <inheritdoc/>
    public Tensor MeanOfTwoTokens(Tensor x, int i, int j)
    {
        OpChecks.Tokens("MeanOfTwoTokens", x, i, j);
        int b = x.Shape[0], l = x.Shape[1], d = x.Shape[2];
        var y = Tensor.Empty(new Shape(b, d), Device);
        var s = x.Span;
        var o = y.Span;
        for (int n = 0; n < b; n++)
        {
            for (int c = 0; c < d; c++) o[n * d + c] = (s[(n * l + i) * d + c] + s[(n * l + j) * d + c]) / 2;
        }
        return y;
    }

    /// <inheritdoc/>
    public Tensor MeanOverTokens(Tensor x)
    {
        OpChecks.Tokens("MeanOverTokens", x);
        int b = x.Shape[0], l = x.Shape[1], d = x.Shape[2];
        var y = Tensor.Empty(new Shape(b, d), Device);
        Pooling.Mean(b, l, d, x.Span, y.Span);
        return y;
    }

    /// <inheritdoc/>
    public Tensor MaxOverTokens(Tensor x)
    {
        OpChecks.Tokens("MaxOverTokens", x);
        int b = x.Shape[0], l = x.Shape[1], d = x.Shape[2];
        var y = Tensor.Empty(new Shape(b, d), Device);
        Pooling.Max(b, l, d, x.Span, y.Span);
        return y;
    }

    /// <inheritdoc/>
    public void RopeInPlace(Tensor x, Tensor cos, Tensor sin)
    {
        int b = x.Shape[0], l = x.Shape[1], d = x.Shape[2];
        Rope.ApplyInPlace(b, l, d, x.Span, cos.Span, sin.Span, cos.Shape[0]);
    }
}
