using Vim.Dsl;
using Vim.Kernels.Native;
using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Devices;

// VMamba's operations on the GPU (include/vim_kernels_vmamba.h); same semantics and argument checks as CpuBackend.VMamba.cs.
// Shapes: B batch, H×W map, C channels, D d_inner, N state, R dt rank; maps are channel-last (B, H, W, C).
// GEMMs (x_proj, dt_projs, the conv's im2col product) go through cuBLAS SGEMM in strict fp32 (TF32 off).
public sealed unsafe partial class CudaBackend
{
    /// <inheritdoc/>
    public Tensor Conv2d(Tensor x, bool channelFirstInput, Parameter weight, Parameter? bias, int stride, int padding)
    {
        var (ho, wo) = OpChecks.Conv2d(x, channelFirstInput, weight, stride, padding);
        int o = weight.Shape[0], c = weight.Shape[1], kh = weight.Shape[2], kw = weight.Shape[3];
        int b = x.Shape[0];
        int h = channelFirstInput ? x.Shape[2] : x.Shape[1], w = channelFirstInput ? x.Shape[3] : x.Shape[2];
        var y = Allocate(new Shape(b, ho, wo, o));
        var p = new VimConv2dParams
        {
            Size = (nuint)sizeof(VimConv2dParams), Batch = b, Channels = c, Height = h, Width = w, OutChannels = o, KernelH = kh, KernelW = kw,
            Stride = stride, Padding = padding, ChannelFirstInput = channelFirstInput ? 1 : 0,
            X = Ptr(x), Weight = Ptr(weight.Value), Bias = bias is null ? null : Ptr(bias.Value), Y = Ptr(y),
        };
        Run(NativeMethods.Conv2d(_stream, &p), y, $"Conv2d({weight.Name})");
        return y;
    }

    /// <inheritdoc/>
    public Tensor DepthwiseConv2d(Tensor x, Parameter weight, Parameter? bias)
    {
        OpChecks.DepthwiseConv2d(x, weight);
        int c = weight.Shape[0], k = weight.Shape[^1];
        int b = x.Shape[0], h = x.Shape[1], w = x.Shape[2], ld = x.Shape[3];
        var y = Allocate(new Shape(b, h, w, c));
        var p = new VimDepthwiseConv2dParams
        {
            Size = (nuint)sizeof(VimDepthwiseConv2dParams), Batch = b, Height = h, Width = w, Channels = c, Kernel = k,
            X = Ptr(x), Ldx = ld, Weight = Ptr(weight.Value), Bias = bias is null ? null : Ptr(bias.Value), Y = Ptr(y),
        };
        Run(NativeMethods.DepthwiseConv2d(_stream, &p), y, $"DepthwiseConv2d({weight.Name})");
        return y;
    }

    private static VimActivationKind Kind(ActLayer activation) => activation switch
    {
        ActLayer.Silu => VimActivationKind.Silu,
        ActLayer.Gelu => VimActivationKind.Gelu,
        ActLayer.Relu => VimActivationKind.Relu,
        _ => VimActivationKind.Sigmoid, // as the CPU backend: every other activation is the sigmoid
    };

    /// <inheritdoc/>
    public void ActivationInPlace(Tensor x, ActLayer activation) =>
        Check(NativeMethods.Activation(_stream, Ptr(x), x.Numel, Kind(activation)), $"ActivationInPlace({activation})");

    /// <inheritdoc/>
    public Tensor SliceChannels(Tensor x, int start, int width)
    {
        OpChecks.SliceChannels(x, start, width);
        int ld = x.Shape[^1];
        var dims = x.Shape.ToArray();
        dims[^1] = width;
        var y = Allocate(new Shape(dims));
        Run(NativeMethods.SliceChannels(_stream, Ptr(x), ld, Ptr(y), x.Numel / ld, start, width), y, "SliceChannels");
        return y;
    }

    /// <inheritdoc/>
    public void GateInPlace(Tensor y, Tensor x, int start, ActLayer? activation)
    {
        OpChecks.GateInPlace(y, x, start);
        int d = y.Shape[^1], ld = x.Shape[^1];
        long rows = y.Numel / d;
        var kind = activation is { } act ? Kind(act) : VimActivationKind.Identity;
        Check(NativeMethods.Gate(_stream, Ptr(y), Ptr(x), ld, rows, d, start, kind), "GateInPlace");
    }

    /// <inheritdoc/>
    public Tensor CrossScan(Tensor u, Tensor proj, Tensor deltaRaw, Parameter dtBias, Parameter aLogs, Parameter ds, int dtRank, int dState, IReadOnlyList<int> traversals)
    {
        OpChecks.CrossScan(u, proj, deltaRaw, dtBias, aLogs, ds, dtRank, dState, traversals);
        int b = u.Shape[0], h = u.Shape[1], w = u.Shape[2], d = u.Shape[3];
        var y = Allocate(u.Shape);
        var p = new VimCrossScanParams
        {
            Size = (nuint)sizeof(VimCrossScanParams), Batch = b, Height = h, Width = w, Channels = d, State = dState, DtRank = dtRank,
            U = Ptr(u), Proj = Ptr(proj), DeltaRaw = Ptr(deltaRaw), DtBias = Ptr(dtBias.Value), A = Ptr(NegExp(aLogs)), DSkip = Ptr(ds.Value), Out = Ptr(y),
        };
        for (int k = 0; k < 4; k++) p.Traversals[k] = traversals[k];
        Run(NativeMethods.CrossScan(_stream, &p), y, "CrossScan");
        return y;
    }

    /// <inheritdoc/>
    public Tensor PatchMerge(Tensor x)
    {
        int b = x.Shape[0], h = x.Shape[1], w = x.Shape[2], c = x.Shape[3];
        var y = Allocate(new Shape(b, (h + 1) / 2, (w + 1) / 2, 4 * c));
        Run(NativeMethods.PatchMerge(_stream, Ptr(x), Ptr(y), b, h, w, c), y, "PatchMerge");
        return y;
    }

    /// <inheritdoc/>
    public void AddChannelFirstInPlace(Tensor x, Tensor pos)
    {
        OpChecks.AddChannelFirst(x, pos);
        int b = x.Shape[0], h = x.Shape[1], w = x.Shape[2], c = x.Shape[3];
        Check(NativeMethods.AddChannelFirst(_stream, Ptr(x), Ptr(pos), b, h, w, c), "AddChannelFirstInPlace");
    }

    /// <inheritdoc/>
    public Tensor ToChannelFirst(Tensor x)
    {
        int b = x.Shape[0], h = x.Shape[1], w = x.Shape[2], c = x.Shape[3];
        var y = Allocate(new Shape(b, c, h, w));
        Run(NativeMethods.ToChannelFirst(_stream, Ptr(x), Ptr(y), b, h * w, c), y, "ToChannelFirst");
        return y;
    }

    /// <inheritdoc/>
    public void SpatialSoftmaxInPlace(Tensor x)
    {
        int b = x.Shape[0], l = x.Shape[1] * x.Shape[2], c = x.Shape[3];
        Check(NativeMethods.SpatialSoftmax(_stream, Ptr(x), b, l, c), "SpatialSoftmaxInPlace");
    }

    /// <inheritdoc/>
    public Tensor MeanOverPositions(Tensor x)
    {
        int b = x.Shape[0], l = x.Shape[1] * x.Shape[2], c = x.Shape[3];
        var y = Allocate(new Shape(b, c));
        // The mean over tokens of (B, L, C), summed in double, is exactly the mean over the H·W positions.
        Run(NativeMethods.Pool(_stream, VimPoolKind.Mean, Ptr(x), Ptr(y), b, l, c, 0, 0), y, "MeanOverPositions");
        return y;
    }

    /// <inheritdoc/>
    public (Tensor Proj, Tensor DeltaRaw) DirectionProjections(Tensor u, Parameter xProjWeight, Parameter dtProjsWeight)
    {
        OpChecks.DirectionProjections(u, xProjWeight, dtProjsWeight);
        int k = xProjWeight.Shape[0], width = xProjWeight.Shape[1], d = xProjWeight.Shape[2], r = dtProjsWeight.Shape[2];
        long rows = u.Numel / d;
        var dims = u.Shape.ToArray();
        dims[^1] = k * width;
        var proj = Allocate(new Shape(dims));
        dims[^1] = k * d;
        var delta = Allocate(new Shape(dims));
        try
        {
            // One GEMM for all four directions: x_proj_weight (K, R+2N, D) is row-major (K·(R+2N), D).
            Gemm(rows, (long)k * width, d, Ptr(u), d, Ptr(xProjWeight.Value), d, null, Ptr(proj), (long)k * width, $"DirectionProjections({xProjWeight.Name})");
            // Δraw_k = proj[..., k(R+2N) : k(R+2N)+R] · dt_projs_weight[k]ᵀ, read in place through the row stride and written at column k·D.
            float* dt = Ptr(dtProjsWeight.Value);
            for (int i = 0; i < k; i++)
            {
                Gemm(rows, d, r, Ptr(proj) + (long)i * width, (long)k * width, dt + (long)i * d * r, r, null, Ptr(delta) + (long)i * d, (long)k * d,
                    $"DirectionProjections({dtProjsWeight.Name})");
            }
        }
        catch
        {
            proj.Dispose();
            delta.Dispose();
            throw;
        }
        return (proj, delta);
    }

    // Checks a native call that produced y; on failure y is released before the typed exception is thrown.
    private void Run(VimStatus status, Tensor y, string operation)
    {
        if (status == VimStatus.Success) return;
        y.Dispose();
        Check(status, operation);
    }
}
