using Vim.Dsl;
using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Devices;

// VMamba's backward operations (maps channel-last (B, H, W, C)); parameter gradients accumulate into Parameter.Grad.
public partial interface IBackend
{
    /// <summary>Backward of <see cref="Conv2d"/>: weight and bias gradients; returns ∂/∂x in x's layout when <paramref name="inputGradient"/>.</summary>
    Tensor? Conv2dBackward(Tensor x, bool channelFirstInput, Tensor dy, Parameter weight, Parameter? bias, int stride, int padding, bool inputGradient) =>
        throw Unsupported(nameof(Conv2dBackward));

    /// <summary>Backward of <see cref="DepthwiseConv2d"/>: weight and bias gradients; adds ∂/∂x to the first C channels of dx (x's shape).</summary>
    void DepthwiseConv2dBackward(Tensor x, Tensor dy, Parameter weight, Parameter? bias, Tensor dx) => throw Unsupported(nameof(DepthwiseConv2dBackward));

    /// <summary>Backward of <see cref="ActivationInPlace"/> at the pre-activation x: returns dy·act'(x).</summary>
    Tensor ActivationBackward(Tensor x, Tensor dy, ActLayer activation) => throw Unsupported(nameof(ActivationBackward));

    /// <summary>
    /// Backward of <see cref="GateInPlace"/> for the ungated y: dy becomes dy·gate(x[…, start:]) in place, and the gate's
    /// gradient dy·y·gate' is added to dx[…, start : start + D] (dx has x's shape).
    /// </summary>
    void GateBackward(Tensor y, Tensor x, int start, ActLayer? activation, Tensor dy, Tensor dx) => throw Unsupported(nameof(GateBackward));

    /// <summary>Backward of <see cref="SliceChannels"/>: dx[…, start : start + width] += dSlice.</summary>
    void AddChannelsInPlace(Tensor dx, Tensor dSlice, int start) => throw Unsupported(nameof(AddChannelsInPlace));

    /// <summary>
    /// Backward of <see cref="CrossScan"/> for the merged output's gradient dY (B, H, W, D): A_logs, Ds and the Δ bias
    /// accumulate; returns ∂/∂u (B, H, W, D), ∂/∂proj (B, H, W, 4(R+2N), B and C columns) and ∂/∂Δraw (B, H, W, 4D).
    /// </summary>
    (Tensor DU, Tensor DProj, Tensor DDeltaRaw) CrossScanBackward(Tensor u, Tensor proj, Tensor deltaRaw, Parameter dtBias, Parameter aLogs, Parameter ds,
        int dtRank, int dState, IReadOnlyList<int> traversals, Tensor dY) => throw Unsupported(nameof(CrossScanBackward));

    /// <summary>Backward of <see cref="DirectionProjections"/>: the two weights' gradients; dProj's Δ columns grow by dΔraw·dt_projs, dU by dProj·x_proj.</summary>
    void DirectionProjectionsBackward(Tensor u, Tensor proj, Tensor dProj, Tensor dDeltaRaw, Parameter xProjWeight, Parameter dtProjsWeight, Tensor dU) =>
        throw Unsupported(nameof(DirectionProjectionsBackward));

    /// <summary>Backward of <see cref="PatchMerge"/>: the (B, H, W, C) gradient of the map it gathered from.</summary>
    Tensor PatchMergeBackward(Tensor dy, int height, int width) => throw Unsupported(nameof(PatchMergeBackward));

    /// <summary>Backward of <see cref="AddChannelFirstInPlace"/>: pos.Grad += Σ over the batch of dx, in pos's (1, C, H, W) layout.</summary>
    void AddChannelFirstBackward(Tensor dx, Parameter pos) => throw Unsupported(nameof(AddChannelFirstBackward));

    /// <summary>Backward of <see cref="SpatialSoftmaxInPlace"/> from its output s: s ⊙ (dy − Σ_positions dy ⊙ s).</summary>
    Tensor SpatialSoftmaxBackward(Tensor s, Tensor dy) => throw Unsupported(nameof(SpatialSoftmaxBackward));

    /// <summary>Backward of <see cref="MeanOverPositions"/>: dRow / (H·W) at every position (B, H, W, C).</summary>
    Tensor MeanOverPositionsBackward(Tensor dRow, int height, int width) => throw Unsupported(nameof(MeanOverPositionsBackward));
}
