using Vim.Dsl;

namespace Vim.Runtime.Modules.VMamba;

/// <summary>The resolved structure of one SS2D (VMamba spec §7): widths, conv, gate, out_norm and scan directions.</summary>
/// <param name="DModel">C, the block width.</param>
/// <param name="DInner">D = int(ssm_ratio·C).</param>
/// <param name="DState">N.</param>
/// <param name="DtRank">R.</param>
/// <param name="ConvKernel">Depthwise kernel; ≤ 1 means no conv.</param>
/// <param name="ConvBias">Whether the depthwise conv has a bias.</param>
/// <param name="Activation">ssm_act_layer (after the conv, and on z unless <paramref name="GateActivation"/> is false).</param>
/// <param name="HasGate">Whether in_proj also produces the gate z (no <c>_noz</c>).</param>
/// <param name="GateActivation">Whether z goes through the activation (no <c>_nozact</c>).</param>
/// <param name="OutNorm">The out_norm kind.</param>
/// <param name="OutActivation">GELU after out_norm (<c>_oact</c>).</param>
/// <param name="Traversals">The traversal of each of the 4 directions (cross2d: 0, 1, 2, 3).</param>
/// <param name="LegacyOrder">v0's state-dict order (in_proj, conv2d, out_norm, out_proj) instead of v2's (out_norm first).</param>
/// <param name="Init">Fresh initialisation scheme.</param>
public sealed record SS2DOptions(
    int DModel, int DInner, int DState, int DtRank, int ConvKernel, bool ConvBias, ActLayer Activation,
    bool HasGate, bool GateActivation, OutNorm OutNorm, bool OutActivation, IReadOnlyList<int> Traversals, bool LegacyOrder, SsmInit Init);
