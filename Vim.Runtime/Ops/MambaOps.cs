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

    /// <summary>One whole branch: <see cref="Prepare"/> then <see cref="Scan"/> with the same direction.</summary>
    public static void Branch(Tensor xz, DepthwiseConv1d conv, Linear xProj, Linear dtProj, Parameter aLog, Parameter dSkip, int dState, bool reverse, Tensor output, bool accumulate,
        float scale, int? steps = null)
    {
        using var branch = Prepare(xz, conv, xProj, dtProj, dState, reverse);
        Scan(branch, xz, aLog, dSkip, dtProj, reverse, output, accumulate, scale, steps);
    }
}
