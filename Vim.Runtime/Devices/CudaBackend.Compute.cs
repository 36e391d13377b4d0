using Vim.Kernels.Native;
using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Devices;

// Shapes: B batch, L tokens, D width, E inner width, N state, R dt rank, K conv width. Same semantics as CpuBackend.
public sealed unsafe partial class CudaBackend
{
    /// <inheritdoc/>
    public Tensor Linear(Tensor x, Parameter weight, Parameter? bias)
    {
        OpChecks.Linear(x, weight);
        int outF = weight.Shape[0], inF = weight.Shape[1];
        long rows = x.Numel / inF;
        var dims = x.Shape.ToArray();
        dims[^1] = outF;
        var y = Allocate(new Shape(dims));
        if (IsBf16)
        {
            GemmBf16(rows, outF, inF, Ptr(x), VimDtype.F32, inF, Bf16Weight(weight), inF, bias is null ? null : Ptr(bias.Value), Ptr(y), VimDtype.F32, outF, "Linear (bf16)");
            return y;
        }
        Gemm(rows, outF, inF, Ptr(x), inF, Ptr(weight.Value), inF, bias is null ? null : Ptr(bias.Value), Ptr(y), outF, "Linear");
        return y;
    }

    private void Gemm(long m, long n, long k, float* x, long ldx, float* w, long ldw, float* bias, float* y, long ldy, string operation)
    {
        var p = new VimLinearParams
        {
            Size = (nuint)sizeof(VimLinearParams), M = m, N = n, K = k, X = x, Ldx = ldx, W = w, Ldw = ldw, Bias = bias, Y = y, Ldy = ldy,
        };
        Check(NativeMethods.Linear(_stream, &p), operation);
    }

    /// <inheritdoc/>
    public Tensor PatchEmbed(Tensor images, Parameter weight, Parameter bias, int stride)
    {
        var (gh, gw) = OpChecks.PatchEmbed(images, weight, stride);
        int b = images.Shape[0], c = images.Shape[1], h = images.Shape[2], w = images.Shape[3];
        int d = weight.Shape[0], ph = weight.Shape[2], pw = weight.Shape[3];
        var y = Allocate(new Shape(b, gh * gw, d));
        var p = new VimPatchEmbedParams
        {
            Size = (nuint)sizeof(VimPatchEmbedParams), Batch = b, Channels = c, Height = h, Width = w, Dim = d, PatchH = ph, PatchW = pw, Stride = stride,
            Images = Ptr(images), Weight = Ptr(weight.Value), Bias = Ptr(bias.Value), Y = Ptr(y),
        };
        Check(NativeMethods.PatchEmbed(_stream, &p), "PatchEmbed");
        return y;
    }

    /// <inheritdoc/>
    public Tensor AddNorm(Tensor hidden, Tensor residual, NormKind kind, Parameter weight, Parameter? bias, float epsilon) =>
        RunNorm(hidden, residual, kind, weight, bias, epsilon, "AddNorm");

    /// <inheritdoc/>
    public Tensor Norm(Tensor x, NormKind kind, Parameter weight, Parameter? bias, float epsilon) =>
        RunNorm(x, null, kind, weight, bias, epsilon, "Norm");

    private Tensor RunNorm(Tensor x, Tensor? residual, NormKind kind, Parameter weight, Parameter? bias, float epsilon, string operation)
    {
        OpChecks.Norm(operation, x, residual, weight, bias);
        int d = x.Shape[^1];
        var y = Allocate(x.Shape);
        var p = new VimNormParams
        {
            Size = (nuint)sizeof(VimNormParams), Rows = x.Numel / d, Width = d, Kind = kind == NormKind.Rms ? (int)VimNormKind.Rms : (int)VimNormKind.Layer,
            X = Ptr(x), Residual = residual is null ? null : Ptr(residual), Weight = Ptr(weight.Value), Bias = bias is null ? null : Ptr(bias.Value), Epsilon = epsilon, Y = Ptr(y),
        };
        Check(NativeMethods.Norm(_stream, &p), operation);
        return y;
    }

    /// <inheritdoc/>
    public MambaBranch MambaPrepare(Tensor xz, int dInner, Parameter convWeight, Parameter? convBias, Parameter xProjWeight, Parameter dtProjWeight, int dState, bool reverse)
    {
        OpChecks.MambaPrepare(xz, dInner, convWeight, xProjWeight, dtProjWeight, dState);
        int b = xz.Shape[0], l = xz.Shape[1], e = dInner, k = convWeight.Shape[^1];
        int r = dtProjWeight.Shape[1], width = xProjWeight.Shape[0];
        long rows = (long)b * l;
        var u = Allocate(new Shape(b, l, e));
        var xDbl = Allocate(new Shape(b, l, width));
        var delta = Allocate(new Shape(b, l, e));
        if (IsBf16)
        {
            // bf16 mode: the branch tensors keep their shapes but hold bf16 values (packed, same element strides).
            try
            {
                MambaPrepareBf16(xz, b, l, e, k, r, width, convWeight, convBias, xProjWeight, dtProjWeight, reverse, u, xDbl, delta);
            }
            catch
            {
                u.Dispose();
                xDbl.Dispose();
                delta.Dispose();
                throw;
            }
            Bf16Branches.AddOrUpdate(u, BranchMark);
            return new MambaBranch(u, xDbl, delta, r, dState);
        }
        Bf16Branches.Remove(u);  // a pooled tensor object may have served a bf16 branch before
        try
        {
            var conv = new VimConv1dParams
            {
                Size = (nuint)sizeof(VimConv1dParams), Batch = b, Length = l, Channels = e, KernelSize = k, X = Ptr(xz), Ldx = 2L * e, BatchStrideX = 2L * e * l,
                Weight = Ptr(convWeight.Value), Bias = convBias is null ? null : Ptr(convBias.Value), U = Ptr(u), Reverse = reverse ? 1 : 0,
            };
            Check(NativeMethods.CausalConv1dSilu(_stream, &conv), "MambaPrepare (conv1d)");
            Gemm(rows, width, e, Ptr(u), e, Ptr(xProjWeight.Value), e, null, Ptr(xDbl), width, "MambaPrepare (x_proj)");
            // Δ_raw = x_dbl[..., :R] · dt_projᵀ, read in place through the row stride R + 2N.
            Gemm(rows, e, r, Ptr(xDbl), width, Ptr(dtProjWeight.Value), r, null, Ptr(delta), e, "MambaPrepare (dt_proj)");
        }
        catch
        {
            u.Dispose();
            xDbl.Dispose();
            delta.Dispose();
            throw;
        }
        return new MambaBranch(u, xDbl, delta, r, dState);
    }

    private void MambaPrepareBf16(Tensor xz, int b, int l, int e, int k, int r, int width, Parameter convWeight, Parameter? convBias, Parameter xProjWeight,
                                  Parameter dtProjWeight, bool reverse, Tensor u, Tensor xDbl, Tensor delta)
    {
        long rows = (long)b * l;
        using var u32 = Allocate(new Shape(b, l, e));
        var conv = new VimConv1dParams
        {
            Size = (nuint)sizeof(VimConv1dParams), Batch = b, Length = l, Channels = e, KernelSize = k, X = Ptr(xz), Ldx = 2L * e, BatchStrideX = 2L * e * l,
            Weight = Ptr(convWeight.Value), Bias = convBias is null ? null : Ptr(convBias.Value), U = Ptr(u32), Reverse = reverse ? 1 : 0,
        };
        Check(NativeMethods.CausalConv1dSilu(_stream, &conv), "MambaPrepare (conv1d)");
        Convert(Ptr(u32), VimDtype.F32, e, Ptr(u), VimDtype.Bf16, e, rows, e, "MambaPrepare (u to bf16)");
        GemmBf16(rows, width, e, Ptr(u), VimDtype.Bf16, e, Bf16Weight(xProjWeight), e, null, Ptr(xDbl), VimDtype.Bf16, width, "MambaPrepare (x_proj, bf16)");
        GemmBf16(rows, e, r, Ptr(xDbl), VimDtype.Bf16, width, Bf16Weight(dtProjWeight), r, null, Ptr(delta), VimDtype.Bf16, e, "MambaPrepare (dt_proj, bf16)");
    }

    /// <inheritdoc/>
    /// <remarks>
    /// With <paramref name="steps"/> the launch covers only those tokens: every row pointer starts at the first of them
    /// (row L − steps when reversed) and the length is cut, while the batch strides stay those of the full tensors.
    /// </remarks>
    public void MambaScan(MambaBranch branch, Tensor xz, Parameter aLog, Parameter dSkip, Parameter dtBias, bool reverse, Tensor output, bool accumulate, float scale, int? steps = null)
    {
        int b = xz.Shape[0], l = xz.Shape[1], e = branch.U.Shape[2], n = branch.DState, r = branch.DtRank;
        int width = branch.XDbl.Shape[2];
        int t = OpChecks.ScanSteps(steps, l);
        if (t == 0) return;
        long first = reverse ? l - t : 0;
        // The branch's own precision decides (its tensors hold bf16 when MambaPrepare ran in bf16 mode), not the current setting.
        if (Bf16Branches.TryGetValue(branch.U, out _))
        {
            MambaScanBf16(branch, xz, aLog, dSkip, dtBias, reverse, output, accumulate, scale, b, l, e, n, r, width, t, first);
            return;
        }
        float* xdbl = Ptr(branch.XDbl) + first * width;
        float* xzp = Ptr(xz) + first * 2 * e;
        var p = new VimScanParams
        {
            Size = (nuint)sizeof(VimScanParams), Batch = b, Length = t, Channels = e, State = n, Softplus = 1, Directions = 1,
            Out = Ptr(output) + first * e, OutBatchStride = (long)l * e, OutRowStride = e, Accumulate = accumulate ? 1 : 0,
            Dir0 = new VimScanDirection
            {
                Size = (nuint)sizeof(VimScanDirection),
                U = Ptr(branch.U) + first * e, UBatchStride = (long)l * e, URowStride = e,
                DeltaRaw = Ptr(branch.DeltaRaw ?? throw new ArgumentException("MambaScan: the branch has no Δ tensor (it was prepared on another backend).")) + first * e,
                DeltaBatchStride = (long)l * e, DeltaRowStride = e,
                DeltaBias = Ptr(dtBias.Value), A = Ptr(NegExp(aLog)),
                // B and C are columns R.. and R+N.. of x_dbl; z is the second half of each xz row: both read in place.
                B = xdbl + r, BBatchStride = (long)l * width, BRowStride = width,
                C = xdbl + r + n, CBatchStride = (long)l * width, CRowStride = width,
                DSkip = Ptr(dSkip.Value),
                Z = xzp + e, ZBatchStride = 2L * e * l, ZRowStride = 2L * e,
                Scale = scale, Reverse = reverse ? 1 : 0,
            },
        };
        Check(NativeMethods.SelectiveScan(_stream, &p), "MambaScan");
    }

    private void MambaScanBf16(MambaBranch branch, Tensor xz, Parameter aLog, Parameter dSkip, Parameter dtBias, bool reverse, Tensor output, bool accumulate,
                               float scale, int b, int l, int e, int n, int r, int width, int t, long first)
    {
        // u, Δ and x_dbl already hold bf16 (MambaPrepare in bf16 mode); z is rounded here from the second half of xz.
        using var z = AllocateHalves((long)b * l * e);
        Convert(Ptr(xz) + e, VimDtype.F32, 2L * e, Ptr(z), VimDtype.Bf16, e, (long)b * l, e, "MambaScan (z to bf16)");
        float* xdbl = Ptr(branch.XDbl);
        var p = new VimScanParams
        {
            Size = (nuint)sizeof(VimScanParams), Batch = b, Length = t, Channels = e, State = n, Softplus = 1, Directions = 1,
            Out = Ptr(output) + first * e, OutBatchStride = (long)l * e, OutRowStride = e, Accumulate = accumulate ? 1 : 0, InputType = (int)VimDtype.Bf16,
            Dir0 = new VimScanDirection
            {
                Size = (nuint)sizeof(VimScanDirection),
                U = Half(Ptr(branch.U), first * e), UBatchStride = (long)l * e, URowStride = e,
                DeltaRaw = Half(Ptr(branch.DeltaRaw ?? throw new ArgumentException("MambaScan: the branch has no Δ tensor (it was prepared on another backend).")), first * e),
                DeltaBatchStride = (long)l * e, DeltaRowStride = e,
                DeltaBias = Ptr(dtBias.Value), A = Ptr(NegExp(aLog)),
                B = Half(xdbl, first * width + r), BBatchStride = (long)l * width, BRowStride = width,
                C = Half(xdbl, first * width + r + n), CBatchStride = (long)l * width, CRowStride = width,
                DSkip = Ptr(dSkip.Value),
                Z = Half(Ptr(z), first * e), ZBatchStride = (long)l * e, ZRowStride = e,
                Scale = scale, Reverse = reverse ? 1 : 0,
            },
        };
        Check(NativeMethods.SelectiveScan(_stream, &p), "MambaScan (bf16)");
    }

    // A = −exp(A_log) in fp32 (mamba_simple.py), computed on the host exactly as the CPU backend does; cached per parameter version.
    private Tensor NegExp(Parameter aLog) => aLog.Derived(_makeNegExp, static a => !a.IsDisposed);

    private Tensor MakeNegExp(Parameter aLog)
    {
        float[] values = Download(aLog.Value);
        for (int i = 0; i < values.Length; i++) values[i] = -MathF.Exp(values[i]);
        return Upload(values, aLog.Shape);
    }

    /// <inheritdoc/>
    public Tensor InsertToken(Tensor tokens, Tensor token, int position)
    {
        OpChecks.InsertToken(tokens, token, position);
        int b = tokens.Shape[0], m = tokens.Shape[1], d = tokens.Shape[2];
        var y = Allocate(new Shape(b, m + 1, d));
        Check(NativeMethods.InsertToken(_stream, Ptr(tokens), Ptr(token), Ptr(y), b, m, d, position), "InsertToken");
        return y;
    }

    /// <inheritdoc/>
    public void AddBroadcastInPlace(Tensor x, Tensor addend)
    {
        long inner = OpChecks.AddBroadcast(x, addend);
        Check(NativeMethods.AddBroadcast(_stream, Ptr(x), Ptr(addend), x.Numel / inner, inner), "AddBroadcastInPlace");
    }

    /// <inheritdoc/>
    public void AddInPlace(Tensor a, Tensor b)
    {
        OpChecks.AddInPlace(a, b);
        Check(NativeMethods.Add(_stream, Ptr(a), Ptr(b), a.Numel), "AddInPlace");
    }

    /// <inheritdoc/>
    public void ScaleInPlace(Tensor a, float scale) => Check(NativeMethods.Scale(_stream, Ptr(a), scale, a.Numel), "ScaleInPlace");

    /// <inheritdoc/>
    public void MultiplyLastAxisInPlace(Tensor a, Tensor v)
    {
        int d = OpChecks.MultiplyLastAxis(a, v);
        Check(NativeMethods.MulLastAxis(_stream, Ptr(a), Ptr(v), a.Numel / d, d), "MultiplyLastAxisInPlace");
    }

    private Tensor Pool(VimPoolKind kind, Tensor x, int i, int j, string operation)
    {
        int b = x.Shape[0], l = x.Shape[1], d = x.Shape[2];
        var y = Allocate(new Shape(b, d));
        Check(NativeMethods.Pool(_stream, kind, Ptr(x), Ptr(y), b, l, d, i, j), operation);
        return y;
    }

    /// <inheritdoc/>
    public Tensor SelectToken(Tensor x, int position)
    {
        OpChecks.Tokens("SelectToken", x, position);
        return Pool(VimPoolKind.Select, x, position, 0, "SelectToken");
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Without skipped tokens the sequence is the grid already, channel-last: one transpose kernel. With cls tokens the
    /// rows are staged through host memory (a feature map per selected block, not a per-layer cost).
    /// </remarks>
    public Tensor ToPatchGrid(Tensor tokens, int gridHeight, int gridWidth, ReadOnlySpan<int> skip)
    {
        OpChecks.PatchGrid(tokens, gridHeight, gridWidth, skip);
        if (!skip.IsEmpty) return CpuBackend.ToPatchGridThroughHost(tokens, gridHeight, gridWidth, skip);
        int b = tokens.Shape[0], l = tokens.Shape[1], d = tokens.Shape[2];
        var y = Allocate(new Shape(b, d, gridHeight, gridWidth));
        Run(NativeMethods.ToChannelFirst(_stream, Ptr(tokens), Ptr(y), b, l, d), y, "ToPatchGrid");
        return y;
    }

    /// <inheritdoc/>
    public Tensor MeanOfTwoTokens(Tensor x, int i, int j)
    {
        OpChecks.Tokens("MeanOfTwoTokens", x, i, j);
        return Pool(VimPoolKind.MeanTwo, x, i, j, "MeanOfTwoTokens");
    }

    /// <inheritdoc/>
    public Tensor MeanOverTokens(Tensor x)
    {
        OpChecks.Tokens("MeanOverTokens", x);
        return Pool(VimPoolKind.Mean, x, 0, 0, "MeanOverTokens");
    }

    /// <inheritdoc/>
    public Tensor MaxOverTokens(Tensor x)
    {
        OpChecks.Tokens("MaxOverTokens", x);
        return Pool(VimPoolKind.Max, x, 0, 0, "MaxOverTokens");
    }

    /// <inheritdoc/>
    public void RopeInPlace(Tensor x, Tensor cos, Tensor sin)
    {
        int b = x.Shape[0], l = x.Shape[1], d = x.Shape[2];
        Check(NativeMethods.Rope(_stream, Ptr(x), Ptr(cos), Ptr(sin), b, l, d, cos.Shape[0]), "RopeInPlace");
    }
}
