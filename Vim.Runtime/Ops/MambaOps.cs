using Vim.Runtime.Devices;
using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Ops;

/// <summary>The Mamba mixer's branch and scan, as generated mixer code composes them (Mamba, Sec. 3 and Alg. 2).</summary>
public static class MambaOps
{
    /// <summary>A (B, L, E) output for the mixer's scans.</summary>
    public static Tensor NewOutput(Tensor xz, int dInner) => Tensor.Empty(new Shape(xz.Shape[0], xz.Shape[1], dInner), xz.Device);

    /// <summary>conv + SiLU, x_proj and dt_proj of one branch (conv anti-causal when <paramref name="reverse"/>).</summary>
    public static MambaBranch Prepare(Tensor xz, DepthwiseConv1d conv, Linear xProj, Linear dtProj, int dState, bool reverse) =>
        Backends.For(xz.Device).MambaPrepare(xz, conv.Weight.Shape[0], conv.Weight, conv.Bias, xProj.Weight, dtProj.Weight, dState, reverse);

    /// <summary>
    /// The selective scan of a prepared branch, gated by silu(z); output = (accumulate ? output : 0) + scale · y. With
    /// <paramref name="steps"/>, only the rows of that many tokens from the scan's start are needed (the scan may stop there).
    /// </summary>
    public static void Scan(MambaBranch branch, Tensor xz, Parameter aLog, Parameter dSkip, Linear dtProj, bool reverse, Tensor output, bool accumulate, float scale,
        int? steps = null) =>
        Backends.For(xz.Device).MambaScan(branch, xz, aLog, dSkip, dtProj.Bias ?? throw new InvalidOperationException("dt_proj has no bias."), reverse, output, accumulate, scale, steps);

    /// <summary>
    /// The training form of <see cref="Branch"/>: the same output, and the branch's x_dbl (B, L, R + 2N) returned for the
    /// backward pass, which recomputes u and Δ from it and xz.
    /// </summary>
    public static Tensor BranchTrain(Tensor xz, DepthwiseConv1d conv, Linear xProj, Linear dtProj, Parameter aLog, Parameter dSkip, int dState, bool reverse, Tensor output,
        bool accumulate, float scale)
    {
        using var branch = Prepare(xz, conv, xProj, dtProj, dState, reverse);
        Scan(branch, xz, aLog, dSkip, dtProj, reverse, output, accumulate, scale);
        return branch.KeepXDbl();
    }

    /// <summary>
    /// Backward of <see cref="BranchTrain"/> for the output gradient dOutput (B, L, E): every parameter of the branch
    /// accumulates its gradient, and dXz (B, L, 2E) the gradient of xz (both halves: x through the conv, z through the gate).
    /// </summary>
    public static void BranchBackward(Tensor xz, Tensor xDbl, DepthwiseConv1d conv, Linear xProj, Linear dtProj, Parameter aLog, Parameter dSkip, int dState, bool reverse,
        Tensor dOutput, float scale, Tensor dXz)
    {
        using var branch = BeginBackward(xz, xDbl, conv, dtProj, dState, reverse);
        ScanBackward(branch, xz, aLog, dSkip, dtProj, reverse, dOutput, scale, dXz);
        PrepareBackward(branch, xz, conv, xProj, dtProj, reverse, dXz);
    }

    /// <summary>Starts a branch's backward pass: recomputes u and Δ from xz and the kept x_dbl (bimamba v1 runs two scans' backward on one).</summary>
    public static MambaBranchGradients BeginBackward(Tensor xz, Tensor xDbl, DepthwiseConv1d conv, Linear dtProj, int dState, bool reverse) =>
        Backends.For(xz.Device).MambaBackwardBegin(xz, xDbl, conv.Weight.Shape[0], conv.Weight, conv.Bias, dtProj.Weight, dState, reverse);

    /// <summary>Backward of <see cref="Scan"/>: accumulates into the branch, the z half of dXz, and A_log, D and dt_proj's bias.</summary>
    public static void ScanBackward(MambaBranchGradients branch, Tensor xz, Parameter aLog, Parameter dSkip, Linear dtProj, bool reverse, Tensor dOutput, float scale, Tensor dXz) =>
        Backends.For(xz.Device).MambaScanBackward(branch, xz, aLog, dSkip, dtProj.Bias ?? throw new InvalidOperationException("dt_proj has no bias."), reverse, dOutput, scale, dXz);

    /// <summary>Backward of <see cref="Prepare"/>: dt_proj, x_proj and the conv's gradients; adds the x half of dXz.</summary>
    public static void PrepareBackward(MambaBranchGradients branch, Tensor xz, DepthwiseConv1d conv, Linear xProj, Linear dtProj, bool reverse, Tensor dXz) =>
        Backends.For(xz.Device).MambaPrepareBackward(branch, xz, conv.Weight, conv.Bias, xProj.Weight, dtProj.Weight, reverse, dXz);

    /// <summary>One whole branch: <see cref="Prepare"/> then <see cref="Scan"/> with the same direction.</summary>
    public static void Branch(Tensor xz, DepthwiseConv1d conv, Linear xProj, Linear dtProj, Parameter aLog, Parameter dSkip, int dState, bool reverse, Tensor output, bool accumulate,
        float scale, int? steps = null)
    {
        using var branch = Prepare(xz, conv, xProj, dtProj, dState, reverse);
        Scan(branch, xz, aLog, dSkip, dtProj, reverse, output, accumulate, scale, steps);
    }
}
