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
        int o = weight.Shape[0], c = weight.Shape[1], kh = weight.Shape[2], kw = weight.Shape[3];
        int b = x.Shape[0];
        int h = channelFirstInput ? x.Shape[2] : x.Shape[1], w = channelFirstInput ? x.Shape[3] : x.Shape[2];
        int xc = channelFirstInput ? x.Shape[1] : x.Shape[3];
        if (x.Rank != 4 || xc != c) throw new ArgumentException($"Conv2d({weight.Name}): input {x.Shape} ({(channelFirstInput ? "B, C, H, W" : "B, H, W, C")}) does not have the weight's {c} input channels, weight {weight.Shape}.");
        if (stride <= 0 || padding < 0) throw new ArgumentException($"Conv2d({weight.Name}): stride {stride} and padding {padding} must be positive and non-negative.");
        if (h + 2 * padding < kh || w + 2 * padding < kw) throw new ArgumentException($"Conv2d({weight.Name}): input {h}x{w} is too small for kernel {kh}x{kw} with padding {padding}.");
        int ho = (h + 2 * padding - kh) / stride + 1, wo = (w + 2 * padding - kw) / stride + 1;
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
        int c = weight.Shape[0], k = weight.Shape[^1];
        int b = x.Shape[0], h = x.Shape[1], w = x.Shape[2], ld = x.Shape[3];
        if (ld < c) throw new ArgumentException($"DepthwiseConv2d({weight.Name}): input {x.Shape} has fewer than {c} channels.");
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
        int ld = x.Shape[^1];
        if (start < 0 || width <= 0 || start + width > ld) throw new ArgumentException($"SliceChannels: channels {start}..{start + width} outside {x.Shape}.");
        var dims = x.Shape.ToArray();
        dims[^1] = width;
        var y = Allocate(new Shape(dims));
        Run(NativeMethods.SliceChannels(_stream, Ptr(x), ld, Ptr(y), x.Numel / ld, start, width), y, "SliceChannels");
        return y;
    }

    /// <inheritdoc/>
    public void GateInPlace(Tensor y, Tensor x, int start, ActLayer? activation)
    {
        int d = y.Shape[^1], ld = x.Shape[^1];
        long rows = y.Numel / d;
        if (x.Numel / ld != rows || start < 0 || start + d > ld) throw new ArgumentException($"GateInPlace: gate {x.Shape} from channel {start} does not cover {y.Shape}.");
        var kind = activation is { } act ? Kind(act) : VimActivationKind.Identity;
        Check(NativeMethods.Gate(_stream, Ptr(y), Ptr(x), ld, rows, d, start, kind), "GateInPlace");
    }

    /// <inheritdoc/>
    public Tensor CrossScan(Tensor u, Tensor proj, Tensor deltaRaw, Parameter dtBias, Parameter aLogs, Parameter ds, int dtRank, int dState, IReadOnlyList<int> traversals)
    {
        ArgumentNullException.ThrowIfNull(traversals);
        if (traversals.Count != 4) throw new ArgumentException($"CrossScan: expected 4 traversals, got {traversals.Count}.", nameof(traversals));
        int b = u.Shape[0], h = u.Shape[1], w = u.Shape[2], d = u.Shape[3];
        long rows = (long)b * h * w;
        int projWidth = 4 * (dtRank + 2 * dState);
        if (proj.Numel != rows * projWidth) throw new ArgumentException($"CrossScan: proj {proj.Shape} is not (B, H, W, 4(R+2N) = {projWidth}) for u {u.Shape}.");
        if (deltaRaw.Numel != rows * 4 * d) throw new ArgumentException($"CrossScan: Δraw {deltaRaw.Shape} is not (B, H, W, 4D = {4 * d}) for u {u.Shape}.");
        if (dtBias.Shape.Numel != 4L * d || ds.Shape.Numel != 4L * d || aLogs.Shape.Numel != 4L * d * dState)
            throw new ArgumentException($"CrossScan: dt bias {dtBias.Shape}, Ds {ds.Shape} or A_logs {aLogs.Shape} do not match 4D = {4 * d}, N = {dState}.");
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
        int b = x.Shape[0], h = x.Shape[1], w = x.Shape[2], c = x.Shape[3];
        if (pos.Numel != (long)c * h * w) throw new ArgumentException($"AddChannelFirst: {pos.Shape} does not match the map {x.Shape}.");
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
        int k = xProjWeight.Shape[0], width = xProjWeight.Shape[1], d = xProjWeight.Shape[2], r = dtProjsWeight.Shape[2];
        if (u.Shape[^1] != d) throw new ArgumentException($"DirectionProjections({xProjWeight.Name}): input {u.Shape} does not end in d_inner {d}.");
        if (dtProjsWeight.Shape[0] != k || dtProjsWeight.Shape[1] != d || r > width)
            throw new ArgumentException($"DirectionProjections({dtProjsWeight.Name}): {dtProjsWeight.Shape} is not ({k}, {d}, R ≤ {width}).");
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
