using System.Collections.Concurrent;
using Vim.Kernels.Cpu;
using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Devices;

// The backward operations on the CPU. Shapes: B batch, L tokens, D width, E inner width, N state, R dt rank, K conv width.
public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public Tensor Add(Tensor a, Tensor b)
    {
        OpChecks.AddInPlace(a, b);
        var y = Tensor.Empty(a.Shape, Device);
        Elementwise.Add(a.Span, b.Span, y.Span);
        return y;
    }

    /// <inheritdoc/>
    public void ScaleSamplesInPlace(Tensor x, float[] scales)
    {
        int samples = OpChecks.Samples("ScaleSamplesInPlace", x, scales);
        int size = (int)(x.Numel / samples);
        var s = x.Span;
        for (int i = 0; i < samples; i++)
        {
            if (scales[i] != 1f) Elementwise.Scale(s.Slice(i * size, size), scales[i], s.Slice(i * size, size));
        }
    }

    /// <inheritdoc/>
    public void MultiplyInPlace(Tensor x, float[] mask)
    {
        if (mask.Length != x.Numel) throw new ArgumentException($"MultiplyInPlace: a mask of {mask.Length} values for {x.Shape} ({x.Numel} elements).");
        var s = x.Span;
        for (int i = 0; i < s.Length; i++) s[i] *= mask[i];
    }

    /// <inheritdoc/>
    public Tensor? LinearBackward(Tensor x, Tensor dy, Parameter weight, Parameter? bias, bool inputGradient)
    {
        int outF = weight.Shape[0], inF = weight.Shape[1];
        int rows = OpChecks.LinearBackward(x, dy, weight);
        if (weight.RequiresGrad) LinearGrad.Weight(rows, outF, inF, dy.Span, outF, x.Span, inF, weight.GradForAccumulation().Span, inF);
        if (bias is not null && bias.RequiresGrad) LinearGrad.Bias(rows, outF, dy.Span, outF, bias.GradForAccumulation().Span);
        if (!inputGradient) return null;
        var dx = Tensor.Empty(x.Shape, Device);
        LinearGrad.Input(rows, outF, inF, dy.Span, outF, weight.Value.Span, inF, dx.Span, inF, accumulate: false);
        return dx;
    }

    /// <inheritdoc/>
    public Tensor? PatchEmbedBackward(Tensor images, Tensor dTokens, Parameter weight, Parameter bias, int stride, bool inputGradient)
    {
        var (gh, gw) = OpChecks.PatchEmbed(images, weight, stride);
        int b = images.Shape[0], c = images.Shape[1], h = images.Shape[2], w = images.Shape[3], d = weight.Shape[0];
        OpChecks.Gradient("PatchEmbedBackward", dTokens, new Shape(b, gh * gw, d));
        var dImages = inputGradient ? Tensor.Empty(images.Shape, Device) : null;
        // The weight gradient is what costs; a frozen stem with no input gradient wanted skips the whole call.
        if (!weight.RequiresGrad && !bias.RequiresGrad && dImages is null) return null;
        var scratch = weight.RequiresGrad ? weight.GradForAccumulation().Span : new float[weight.Shape.Numel];
        Kernels.Cpu.PatchEmbedGrad.Backward(b, c, h, w, images.Span, weight.Value.Span, d, weight.Shape[2], weight.Shape[3], stride, dTokens.Span,
            scratch, bias.RequiresGrad ? bias.GradForAccumulation().Span : default, dImages is null ? default : dImages.Span);
        return dImages;
    }

    /// <inheritdoc/>
    public void NormBackward(Tensor x, Tensor dy, NormKind kind, Parameter weight, Parameter? bias, float epsilon, Tensor dx, bool accumulate)
    {
        OpChecks.Norm("NormBackward", x, dy, weight, bias);
        OpChecks.Gradient("NormBackward", dx, x.Shape);
        int d = x.Shape[^1];
        int rows = (int)(x.Numel / d);
        // Frozen norm weights still need their input gradient; their own sums go to a scratch buffer.
        var dw = weight.RequiresGrad ? weight.GradForAccumulation().Span : new float[d];
        Span<float> db = bias is null ? default : bias.RequiresGrad ? bias.GradForAccumulation().Span : new float[d];
        NormGrad.Backward(rows, d, x.Span, weight.Value.Span, epsilon, kind == NormKind.Layer, dy.Span, dx.Span, accumulate, dw, db);
    }

    /// <inheritdoc/>
    public MambaBranchGradients MambaBackwardBegin(Tensor xz, Tensor xDbl, int dInner, Parameter convWeight, Parameter? convBias, Parameter dtProjWeight, int dState, bool reverse)
    {
        int b = xz.Shape[0], l = xz.Shape[1], e = dInner, k = convWeight.Shape[^1], r = dtProjWeight.Shape[1];
        int width = xDbl.Shape[^1];
        OpChecks.Gradient("MambaBackwardBegin", xDbl, new Shape(b, l, r + 2 * dState));
        var u = Tensor.Empty(new Shape(b, l, e), Device);
        CausalConv1d.Forward(b, l, e, xz.Span, 2 * e, convWeight.Value.Span, k, convBias is null ? default : convBias.Value.Span, u.Span, reverse);
        var delta = Tensor.Empty(new Shape(b, l, e), Device);
        Gemm.Multiply(b * l, xDbl.Span, width, Packed(dtProjWeight), delta.Span, e, default, accumulate: false);
        return new MambaBranchGradients(u, delta, xDbl, Tensor.Zeros(u.Shape, Device), Tensor.Zeros(u.Shape, Device), Tensor.Zeros(xDbl.Shape, Device), r, dState);
    }

    /// <inheritdoc/>
    public void MambaScanBackward(MambaBranchGradients branch, Tensor xz, Parameter aLog, Parameter dSkip, Parameter dtBias, bool reverse, Tensor dOutput, float scale, Tensor dXz)
    {
        int b = xz.Shape[0], l = xz.Shape[1], e = branch.U.Shape[2], n = branch.DState, r = branch.DtRank;
        int width = branch.XDbl.Shape[2];
        OpChecks.Gradient("MambaScanBackward", dOutput, branch.U.Shape);
        OpChecks.Gradient("MambaScanBackward", dXz, xz.Shape);
        float[] a = NegExp(aLog);
        var dA = new float[a.Length];
        var xdbl = branch.XDbl.Span;
        var dxdbl = branch.DXDbl.Span;
        var dD = dSkip.RequiresGrad ? dSkip.GradForAccumulation().Span : new float[e];
        var dBias = dtBias.RequiresGrad ? dtBias.GradForAccumulation().Span : new float[e];
        SelectiveScanGrad.Backward(b, l, e, n, Positions(l, reverse), branch.U.Span, e, branch.DeltaRaw.Span, e, dtBias.Value.Span, softplus: true,
            a, xdbl[r..], xdbl[(r + n)..], width, dSkip.Value.Span, xz.Span[e..], 2 * e, dOutput.Span, e, scale,
            branch.DU.Span, branch.DDeltaRaw.Span, dA, dxdbl[r..], dxdbl[(r + n)..], dD, dBias, dXz.Span[e..]);
        if (!aLog.RequiresGrad) return;
        // A = −exp(A_log): ∂/∂A_log = ∂/∂A · A.
        var dALog = aLog.GradForAccumulation().Span;
        for (int i = 0; i < a.Length; i++) dALog[i] += dA[i] * a[i];
    }

    /// <inheritdoc/>
    public void MambaPrepareBackward(MambaBranchGradients branch, Tensor xz, Parameter convWeight, Parameter? convBias, Parameter xProjWeight, Parameter dtProjWeight, bool reverse, Tensor dXz)
    {
        int b = xz.Shape[0], l = xz.Shape[1], e = branch.U.Shape[2], r = branch.DtRank, rows = b * l, k = convWeight.Shape[^1];
        int width = branch.XDbl.Shape[2];
        OpChecks.Gradient("MambaPrepareBackward", dXz, xz.Shape);
        // Δraw = x_dbl[..., :R] · dt_projᵀ
        if (dtProjWeight.RequiresGrad)
            LinearGrad.Weight(rows, e, r, branch.DDeltaRaw.Span, e, branch.XDbl.Span, width, dtProjWeight.GradForAccumulation().Span, r);
        LinearGrad.Input(rows, e, r, branch.DDeltaRaw.Span, e, dtProjWeight.Value.Span, r, branch.DXDbl.Span, width, accumulate: true);
        // x_dbl = u · x_projᵀ
        if (xProjWeight.RequiresGrad)
            LinearGrad.Weight(rows, width, e, branch.DXDbl.Span, width, branch.U.Span, e, xProjWeight.GradForAccumulation().Span, e);
        LinearGrad.Input(rows, width, e, branch.DXDbl.Span, width, xProjWeight.Value.Span, e, branch.DU.Span, e, accumulate: true);
        // u = silu(conv(x))
        var dw = convWeight.RequiresGrad ? convWeight.GradForAccumulation().Span : new float[convWeight.Shape.Numel];
        Span<float> db = convBias is null ? default : convBias.RequiresGrad ? convBias.GradForAccumulation().Span : new float[e];
        CausalConv1dGrad.Backward(b, l, e, xz.Span, 2 * e, convWeight.Value.Span, k, convBias is null ? default : convBias.Value.Span,
            branch.DU.Span, dXz.Span, 2 * e, dw, db, reverse);
    }

    // The scan's step order over a sequence of length L: 0..L−1, or L−1..0 reversed; shared, never written.
    private static readonly ConcurrentDictionary<(int, bool), int[]> PositionTables = new();

    private static int[] Positions(int length, bool reverse) => PositionTables.GetOrAdd((length, reverse), static key =>
    {
        var (l, rev) = key;
        var p = new int[l];
        for (int i = 0; i < l; i++) p[i] = rev ? l - 1 - i : i;
        return p;
    });

    /// <inheritdoc/>
    public Tensor InsertTokenBackward(Tensor dTokens, Parameter token, int position)
    {
        OpChecks.Tokens("InsertTokenBackward", dTokens, position);
        int b = dTokens.Shape[0], l = dTokens.Shape[1], d = dTokens.Shape[2];
        OpChecks.Gradient("InsertTokenBackward", token.Value, new Shape(1, 1, d));
        var y = Tensor.Empty(new Shape(b, l - 1, d), Device);
        var src = dTokens.Span;
        var dst = y.Span;
        var sums = new double[d];
        for (int i = 0; i < b; i++)
        {
            var s = src.Slice(i * l * d, l * d);
            var o = dst.Slice(i * (l - 1) * d, (l - 1) * d);
            s[..(position * d)].CopyTo(o);
            s[((position + 1) * d)..].CopyTo(o[(position * d)..]);
            var row = s.Slice(position * d, d);
            for (int c = 0; c < d; c++) sums[c] += row[c];
        }
        if (token.RequiresGrad)
        {
            var g = token.GradForAccumulation().Span;
            for (int c = 0; c < d; c++) g[c] = (float)(g[c] + sums[c]);
        }
        return y;
    }

    /// <inheritdoc/>
    public void AddBroadcastBackward(Tensor dx, Parameter addend)
    {
        int inner = (int)OpChecks.AddBroadcast(dx, addend.Value);
        if (!addend.RequiresGrad) return;
        ColumnSumsInto(dx.Span, (int)(dx.Numel / inner), inner, addend.GradForAccumulation().Span);
    }

    private static void ColumnSumsInto(ReadOnlySpan<float> x, int rows, int cols, Span<float> total)
    {
        var sums = new double[cols];
        for (int i = 0; i < rows; i++)
        {
            var row = x.Slice(i * cols, cols);
            for (int j = 0; j < cols; j++) sums[j] += row[j];
        }
        for (int j = 0; j < cols; j++) total[j] = (float)(total[j] + sums[j]);
    }

    /// <inheritdoc/>
    public Tensor SelectTokenBackward(Tensor dRow, int position, int length)
    {
        int b = OpChecks.Rows("SelectTokenBackward", dRow, position, length), d = dRow.Shape[1];
        var y = Tensor.Zeros(new Shape(b, length, d), Device);
        for (int i = 0; i < b; i++) dRow.Span.Slice(i * d, d).CopyTo(y.Span.Slice((i * length + position) * d, d));
        return y;
    }

    /// <inheritdoc/>
    public Tensor MeanOfTwoTokensBackward(Tensor dRow, int i, int j, int length)
    {
        int b = OpChecks.Rows("MeanOfTwoTokensBackward", dRow, Math.Max(i, j), length), d = dRow.Shape[1];
        var y = Tensor.Zeros(new Shape(b, length, d), Device);
        var o = y.Span;
        var g = dRow.Span;
        for (int n = 0; n < b; n++)
        {
            for (int c = 0; c < d; c++)
            {
                float half = g[n * d + c] / 2;
                o[(n * length + i) * d + c] += half;
                o[(n * length + j) * d + c] += half;
            }
        }
        return y;
    }

    /// <inheritdoc/>
    public Tensor MeanOverTokensBackward(Tensor dRow, int length)
    {
        int b = OpChecks.Rows("MeanOverTokensBackward", dRow, 0, length), d = dRow.Shape[1];
        var y = Tensor.Empty(new Shape(b, length, d), Device);
        var o = y.Span;
        float inv = 1f / length;
        for (int n = 0; n < b; n++)
        {
            var g = dRow.Span.Slice(n * d, d);
            for (int t = 0; t < length; t++)
            {
                var row = o.Slice((n * length + t) * d, d);
                for (int c = 0; c < d; c++) row[c] = g[c] * inv;
            }
        }
        return y;
    }

    /// <inheritdoc/>
    public Tensor MaxOverTokensBackward(Tensor x, Tensor dRow)
    {
        OpChecks.Tokens("MaxOverTokensBackward", x);
        int b = x.Shape[0], l = x.Shape[1], d = x.Shape[2];
        OpChecks.Gradient("MaxOverTokensBackward", dRow, new Shape(b, d));
        var y = Tensor.Zeros(x.Shape, Device);
        var s = x.Span;
        var o = y.Span;
        var g = dRow.Span;
        for (int n = 0; n < b; n++)
        {
            for (int c = 0; c < d; c++)
            {
                // The first maximum takes the gradient (NaN wins, as torch.max propagates it).
                int best = 0;
                float max = s[n * l * d + c];
                for (int t = 1; t < l && !float.IsNaN(max); t++)
                {
                    float v = s[(n * l + t) * d + c];
                    if (v > max || float.IsNaN(v)) { max = v; best = t; }
                }
                o[(n * l + best) * d + c] = g[n * d + c];
            }
        }
        return y;
    }

    /// <inheritdoc/>
    public void RopeBackwardInPlace(Tensor dx, Tensor cos, Tensor sin)
    {
        // The rotation by θ is orthogonal: its transpose rotates by −θ, i.e. the same tables with sin negated.
        var negated = new float[sin.Numel];
        var s = sin.Span;
        for (int i = 0; i < negated.Length; i++) negated[i] = -s[i];
        int b = dx.Shape[0], l = dx.Shape[1], d = dx.Shape[2];
        Rope.ApplyInPlace(b, l, d, dx.Span, cos.Span, negated, cos.Shape[0]);
    }

    /// <inheritdoc/>
    public Tensor MultiplyLastAxisBackward(Tensor a, Tensor dy, Parameter v)
    {
        int d = OpChecks.MultiplyLastAxis(a, v.Value);
        OpChecks.Gradient("MultiplyLastAxisBackward", dy, a.Shape);
        var da = Tensor.Empty(a.Shape, Device);
        var x = a.Span;
        var g = dy.Span;
        var o = da.Span;
        var scale = v.Value.Span;
        var sums = new double[d];
        for (int i = 0; i < x.Length; i++)
        {
            o[i] = g[i] * scale[i % d];
            sums[i % d] += (double)g[i] * x[i];
        }
        if (v.RequiresGrad)
        {
            var gv = v.GradForAccumulation().Span;
            for (int j = 0; j < d; j++) gv[j] = (float)(gv[j] + sums[j]);
        }
        return da;
    }
}
