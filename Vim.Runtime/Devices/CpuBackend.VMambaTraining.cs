using Vim.Dsl;
using Vim.Kernels.Cpu;
using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Devices;

// VMamba's backward on the CPU. Shapes: B batch, H×W map, C channels, D d_inner, N state, R dt rank; maps channel-last.
public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public Tensor? Conv2dBackward(Tensor x, bool channelFirstInput, Tensor dy, Parameter weight, Parameter? bias, int stride, int padding, bool inputGradient)
    {
        var (ho, wo) = OpChecks.Conv2d(x, channelFirstInput, weight, stride, padding);
        int o = weight.Shape[0], c = weight.Shape[1], kh = weight.Shape[2], kw = weight.Shape[3], b = x.Shape[0];
        int h = channelFirstInput ? x.Shape[2] : x.Shape[1], w = channelFirstInput ? x.Shape[3] : x.Shape[2];
        OpChecks.Gradient("Conv2dBackward", dy, new Shape(b, ho, wo, o));
        var dx = inputGradient ? Tensor.Empty(x.Shape, Device) : null;
        var dw = weight.RequiresGrad ? weight.GradForAccumulation().Span : new float[weight.Shape.Numel];
        Span<float> db = bias is null ? default : bias.RequiresGrad ? bias.GradForAccumulation().Span : new float[o];
        Conv2dGrad.Backward(b, c, h, w, x.Span, channelFirstInput, weight.Value.Span, o, kh, kw, stride, padding, dy.Span, dw, db, dx is null ? default : dx.Span);
        return dx;
    }

    /// <inheritdoc/>
    public void DepthwiseConv2dBackward(Tensor x, Tensor dy, Parameter weight, Parameter? bias, Tensor dx)
    {
        OpChecks.DepthwiseConv2d(x, weight);
        int c = weight.Shape[0], k = weight.Shape[^1];
        int b = x.Shape[0], h = x.Shape[1], w = x.Shape[2], ld = x.Shape[3];
        OpChecks.Gradient("DepthwiseConv2dBackward", dy, new Shape(b, h, w, c));
        OpChecks.Gradient("DepthwiseConv2dBackward", dx, x.Shape);
        var dw = weight.RequiresGrad ? weight.GradForAccumulation().Span : new float[weight.Shape.Numel];
        Span<float> db = bias is null ? default : bias.RequiresGrad ? bias.GradForAccumulation().Span : new float[c];
        DepthwiseConv2dGrad.Backward(b, h, w, c, x.Span, ld, weight.Value.Span, k, dy.Span, dx.Span, dw, db);
    }

    /// <inheritdoc/>
    public Tensor ActivationBackward(Tensor x, Tensor dy, ActLayer activation)
    {
        OpChecks.Gradient("ActivationBackward", dy, x.Shape);
        var dx = Tensor.Empty(x.Shape, Device);
        ActivationGrad.Backward(x.Span, dy.Span, dx.Span, GateOf(activation), accumulate: false);
        return dx;
    }

    /// <inheritdoc/>
    public void GateBackward(Tensor y, Tensor x, int start, ActLayer? activation, Tensor dy, Tensor dx)
    {
        OpChecks.GateInPlace(y, x, start);
        OpChecks.Gradient("GateBackward", dy, y.Shape);
        OpChecks.Gradient("GateBackward", dx, x.Shape);
        int d = y.Shape[^1], ld = x.Shape[^1];
        ActivationGrad.GateBackward((int)(y.Numel / d), d, y.Span, x.Span[start..], ld, GateOf(activation), dy.Span, dx.Span[start..]);
    }

    /// <inheritdoc/>
    public void AddChannelsInPlace(Tensor dx, Tensor dSlice, int start)
    {
        int width = dSlice.Shape[^1];
        OpChecks.SliceChannels(dx, start, width);
        int ld = dx.Shape[^1], rows = (int)(dx.Numel / ld);
        if (dSlice.Numel != (long)rows * width) throw new ArgumentException($"AddChannelsInPlace: {dSlice.Shape} is not {rows} rows of {width} channels for {dx.Shape}.");
        var dst = dx.Span;
        var src = dSlice.Span;
        for (int r = 0; r < rows; r++) Elementwise.AddInPlace(dst.Slice(r * ld + start, width), src.Slice(r * width, width));
    }

    /// <inheritdoc/>
    public (Tensor DU, Tensor DProj, Tensor DDeltaRaw) CrossScanBackward(Tensor u, Tensor proj, Tensor deltaRaw, Parameter dtBias, Parameter aLogs, Parameter ds,
        int dtRank, int dState, IReadOnlyList<int> traversals, Tensor dY)
    {
        OpChecks.CrossScan(u, proj, deltaRaw, dtBias, aLogs, ds, dtRank, dState, traversals);
        OpChecks.Gradient("CrossScanBackward", dY, u.Shape);
        int b = u.Shape[0], h = u.Shape[1], w = u.Shape[2], d = u.Shape[3], l = h * w, n = dState;
        int width = dtRank + 2 * n, projWidth = 4 * width;
        var dU = Tensor.Zeros(u.Shape, Device);
        var dProj = Tensor.Zeros(proj.Shape, Device);
        var dDelta = Tensor.Zeros(deltaRaw.Shape, Device);
        float[] a = NegExp(aLogs);
        var dA = new float[a.Length];
        var dD = ds.RequiresGrad ? ds.GradForAccumulation().Span : new float[4 * d];
        var dBias = dtBias.RequiresGrad ? dtBias.GradForAccumulation().Span : new float[4 * d];
        var positions = new int[l];
        // The four directions one after another, each a selective scan over its own traversal of the grid; the merge
        // summed their outputs, so each gets the whole dY.
        for (int k = 0; k < 4; k++)
        {
            for (int step = 0; step < l; step++) positions[step] = Kernels.Cpu.CrossScan.Position(traversals[k], step, h, w);
            int c0 = k * d, col = k * width;
            SelectiveScanGrad.Backward(b, l, d, n, positions, u.Span, d, deltaRaw.Span[c0..], 4 * d, dtBias.Value.Span.Slice(c0, d), softplus: true,
                a.AsSpan(c0 * n, d * n), proj.Span[(col + dtRank)..], proj.Span[(col + dtRank + n)..], projWidth, ds.Value.Span.Slice(c0, d),
                default, 0, dY.Span, d, 1f,
                dU.Span, dDelta.Span[c0..], dA.AsSpan(c0 * n, d * n), dProj.Span[(col + dtRank)..], dProj.Span[(col + dtRank + n)..],
                dD.Slice(c0, d), dBias.Slice(c0, d), default);
        }
        if (aLogs.RequiresGrad)
        {
            // A = −exp(A_logs): ∂/∂A_logs = ∂/∂A · A.
            var g = aLogs.GradForAccumulation().Span;
            for (int i = 0; i < a.Length; i++) g[i] += dA[i] * a[i];
        }
        return (dU, dProj, dDelta);
    }

    /// <inheritdoc/>
    public void DirectionProjectionsBackward(Tensor u, Tensor proj, Tensor dProj, Tensor dDeltaRaw, Parameter xProjWeight, Parameter dtProjsWeight, Tensor dU)
    {
        OpChecks.DirectionProjections(u, xProjWeight, dtProjsWeight);
        int k = xProjWeight.Shape[0], width = xProjWeight.Shape[1], d = xProjWeight.Shape[2], r = dtProjsWeight.Shape[2];
        int rows = (int)(u.Numel / d);
        OpChecks.Gradient("DirectionProjectionsBackward", dProj, proj.Shape);
        OpChecks.Gradient("DirectionProjectionsBackward", dU, u.Shape);
        var dtGrad = dtProjsWeight.RequiresGrad ? dtProjsWeight.GradForAccumulation().Span : new float[dtProjsWeight.Shape.Numel];
        for (int i = 0; i < k; i++)
        {
            // Δraw_k = proj_k[:R] · dt_projs[k]ᵀ
            var wk = dtProjsWeight.Value.Span.Slice(i * d * r, d * r);
            LinearGrad.Weight(rows, d, r, dDeltaRaw.Span[(i * d)..], k * d, proj.Span[(i * width)..], k * width, dtGrad.Slice(i * d * r, d * r), r);
            LinearGrad.Input(rows, d, r, dDeltaRaw.Span[(i * d)..], k * d, wk, r, dProj.Span[(i * width)..], k * width, accumulate: true);
        }
        // proj = u · x_projᵀ, x_proj read as one (K(R+2N), D) matrix
        if (xProjWeight.RequiresGrad)
            LinearGrad.Weight(rows, k * width, d, dProj.Span, k * width, u.Span, d, xProjWeight.GradForAccumulation().Span, d);
        LinearGrad.Input(rows, k * width, d, dProj.Span, k * width, xProjWeight.Value.Span, d, dU.Span, d, accumulate: true);
    }

    /// <inheritdoc/>
    public Tensor PatchMergeBackward(Tensor dy, int height, int width)
    {
        int b = dy.Shape[0], ho = dy.Shape[1], wo = dy.Shape[2], c = dy.Shape[3] / 4;
        if (dy.Rank != 4 || dy.Shape[3] % 4 != 0 || ho != (height + 1) / 2 || wo != (width + 1) / 2)
            throw new ArgumentException($"PatchMergeBackward: gradient {dy.Shape} is not the merge of a {height}x{width} map.");
        var dx = Tensor.Empty(new Shape(b, height, width, c), Device);
        var src = dy.Span;
        var dst = dx.Span;
        for (int n = 0; n < b; n++)
        {
            for (int i = 0; i < ho; i++)
            {
                for (int j = 0; j < wo; j++)
                {
                    var o = src.Slice(((n * ho + i) * wo + j) * 4 * c, 4 * c);
                    for (int q = 0; q < 4; q++)
                    {
                        int yy = 2 * i + (q & 1), xx = 2 * j + (q >> 1);
                        // The zero padding of odd sizes has no pixel to return its gradient to.
                        if (yy < height && xx < width) o.Slice(q * c, c).CopyTo(dst.Slice(((n * height + yy) * width + xx) * c, c));
                    }
                }
            }
        }
        return dx;
    }

    /// <inheritdoc/>
    public void AddChannelFirstBackward(Tensor dx, Parameter pos)
    {
        OpChecks.AddChannelFirst(dx, pos.Value);
        if (!pos.RequiresGrad) return;
        int b = dx.Shape[0], h = dx.Shape[1], w = dx.Shape[2], c = dx.Shape[3], l = h * w;
        var sums = new double[c * l];
        var s = dx.Span;
        for (int n = 0; n < b; n++)
        {
            for (int p = 0; p < l; p++)
            {
                for (int ch = 0; ch < c; ch++) sums[ch * l + p] += s[(n * l + p) * c + ch];
            }
        }
        var g = pos.GradForAccumulation().Span;
        for (int i = 0; i < sums.Length; i++) g[i] = (float)(g[i] + sums[i]);
    }

    /// <inheritdoc/>
    public Tensor SpatialSoftmaxBackward(Tensor s, Tensor dy)
    {
        OpChecks.Gradient("SpatialSoftmaxBackward", dy, s.Shape);
        int b = s.Shape[0], l = s.Shape[1] * s.Shape[2], c = s.Shape[3];
        var dx = Tensor.Empty(s.Shape, Device);
        var sv = s.Span;
        var g = dy.Span;
        var o = dx.Span;
        for (int n = 0; n < b; n++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                int at = n * l * c + ch;
                double dot = 0;
                for (int p = 0; p < l; p++) dot += (double)g[at + p * c] * sv[at + p * c];
                for (int p = 0; p < l; p++) o[at + p * c] = (float)(sv[at + p * c] * (g[at + p * c] - dot));
            }
        }
        return dx;
    }

    /// <inheritdoc/>
    public Tensor MeanOverPositionsBackward(Tensor dRow, int height, int width)
    {
        if (dRow.Rank != 2) throw new ArgumentException($"MeanOverPositionsBackward: gradient {dRow.Shape} is not (B, C).");
        int b = dRow.Shape[0], c = dRow.Shape[1], l = height * width;
        var dx = Tensor.Empty(new Shape(b, height, width, c), Device);
        float inv = 1f / l;
        var g = dRow.Span;
        var o = dx.Span;
        for (int n = 0; n < b; n++)
        {
            for (int p = 0; p < l; p++)
            {
                for (int ch = 0; ch < c; ch++) o[(n * l + p) * c + ch] = g[n * c + ch] * inv;
            }
        }
        return dx;
    }
}
