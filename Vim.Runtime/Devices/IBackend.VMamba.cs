using Vim.Dsl;
using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Devices;

// VMamba's operations. Activations are channel-last (B, H, W, C) maps everywhere inside the runtime; a
// channel-first (ln2d) model computes the same function, so only its observed intermediates are permuted.
// Each member has a default that refuses, so a backend without VMamba support still compiles and says so.
public partial interface IBackend
{
    /// <summary>Conv2d (groups 1, zero padding): x (B, C, H, W) when <paramref name="channelFirstInput"/> else (B, H, W, C), weight (O, C, kh, kw) → (B, Ho, Wo, O).</summary>
    Tensor Conv2d(Tensor x, bool channelFirstInput, Parameter weight, Parameter? bias, int stride, int padding) =>
        throw new NotSupportedException($"Conv2d is not implemented on {Device}.");

    /// <summary>Depthwise Conv2d with "same" padding on the first <c>weight.Shape[0]</c> channels of x (B, H, W, ≥C) → (B, H, W, C).</summary>
    Tensor DepthwiseConv2d(Tensor x, Parameter weight, Parameter? bias) =>
        throw new NotSupportedException($"DepthwiseConv2d is not implemented on {Device}.");

    /// <summary>x = act(x) elementwise, in place.</summary>
    void ActivationInPlace(Tensor x, ActLayer activation) =>
        throw new NotSupportedException($"ActivationInPlace is not implemented on {Device}.");

    /// <summary>The first <paramref name="width"/> channels of each row of x (…, ≥width), copied to (…, width).</summary>
    Tensor SliceChannels(Tensor x, int start, int width) =>
        throw new NotSupportedException($"SliceChannels is not implemented on {Device}.");

    /// <summary>y (…, D) *= gate(x[…, start : start + D]) with gate = act, or the identity when <paramref name="activation"/> is null.</summary>
    void GateInPlace(Tensor y, Tensor x, int start, ActLayer? activation) =>
        throw new NotSupportedException($"GateInPlace is not implemented on {Device}.");

    /// <summary>
    /// SS2D's four-direction selective scan over u (B, H, W, D), merged back onto the grid: proj (B, H, W, 4(R+2N)),
    /// Δraw (B, H, W, 4D), Δ bias (4, D), A_logs (4D, N), Ds (4D); <paramref name="traversals"/> per direction
    /// (0 row-major, 1 column-major, 2/3 reversed). Returns (B, H, W, D).
    /// </summary>
    Tensor CrossScan(Tensor u, Tensor proj, Tensor deltaRaw, Parameter dtBias, Parameter aLogs, Parameter ds, int dtRank, int dState, IReadOnlyList<int> traversals) =>
        throw new NotSupportedException($"CrossScan is not implemented on {Device}.");

    /// <summary>PatchMerging2D's gather: x (B, H, W, C), zero-padded to even sizes → (B, ⌈H/2⌉, ⌈W/2⌉, 4C) with channels [x(2i,2j), x(2i+1,2j), x(2i,2j+1), x(2i+1,2j+1)].</summary>
    Tensor PatchMerge(Tensor x) =>
        throw new NotSupportedException($"PatchMerge is not implemented on {Device}.");

    /// <summary>x (B, H, W, C) += pos (1, C, H, W).</summary>
    void AddChannelFirstInPlace(Tensor x, Tensor pos) =>
        throw new NotSupportedException($"AddChannelFirstInPlace is not implemented on {Device}.");

    /// <summary>x (B, H, W, C) → (B, C, H, W).</summary>
    Tensor ToChannelFirst(Tensor x) =>
        throw new NotSupportedException($"ToChannelFirst is not implemented on {Device}.");

    /// <summary>Softmax over the H·W positions of x (B, H, W, C), per image and channel, in place.</summary>
    void SpatialSoftmaxInPlace(Tensor x) =>
        throw new NotSupportedException($"SpatialSoftmaxInPlace is not implemented on {Device}.");

    /// <summary>x (B, H, W, C) → the mean over H·W (B, C).</summary>
    Tensor MeanOverPositions(Tensor x) =>
        throw new NotSupportedException($"MeanOverPositions is not implemented on {Device}.");
}

public partial interface IBackend
{
    /// <summary>
    /// SS2D's per-direction projections at every grid position: proj = u · x_projᵀ (B, H, W, 4(R+2N)) with
    /// x_proj_weight (4, R+2N, D) read as one (4(R+2N), D) matrix, and Δraw[k] = proj[k][:R] · dt_projs_weight[k]ᵀ (B, H, W, 4D).
    /// </summary>
    (Tensor Proj, Tensor DeltaRaw) DirectionProjections(Tensor u, Parameter xProjWeight, Parameter dtProjsWeight) =>
        throw new NotSupportedException($"DirectionProjections is not implemented on {Device}.");
}
