using Vim.Dsl;

namespace Vim.Runtime.Zoo;

/// <summary>The mixer of every registered Vim: bimamba v2 (own backward conv/x_proj/dt_proj/A/D), outputs halved.</summary>
[MambaMixer(BimambaType = BimambaType.V2, DivideOut = true)]
public sealed partial class BiMambaV2Mixer;

/// <summary>The block of every registered Vim: fused add + RMSNorm (eps 1e-5), fp32 residual, <see cref="BiMambaV2Mixer"/>.</summary>
[VimBlock(Mixer = typeof(BiMambaV2Mixer), RmsNorm = true, FusedAddNorm = true, ResidualInFp32 = true)]
public sealed partial class VimBlockV2;
