using Vim.Dsl;

namespace Vim.Runtime.Tests.Features;

// Written by tools/peers/vim_official_fixture.py --all-layers (float32 reference, every block's (hidden_states,
// residual)): 32×32 (one case 32×48), patch 8, depth 4, D 32, d_state 8, 10 classes, RMSNorm, fused add-norm, fp32
// residual, abs pos embed, divide-out, mean pool; each class states only where its case differs.

[VisionMamba("features_vim_blocks_midcls_b2", ImgSize = 32, PatchSize = 8, Stride = 8, Depth = 4, EmbedDim = 32, DState = 8, NumClasses = 10, FinalPoolType = FinalPoolType.Mean)]
public sealed partial class VimBlocksMidclsB2;

[VisionMamba("features_vim_blocks_nocls_rope_b2", ImgSize = 32, PatchSize = 8, Stride = 8, Depth = 4, EmbedDim = 32, DState = 8, NumClasses = 10, FinalPoolType = FinalPoolType.Mean,
    ClsToken = false, Rope = true, RopeResidual = true)]
public sealed partial class VimBlocksNoclsRopeB2;

[VisionMamba("features_vim_blocks_bidir_doublecls_b2", ImgSize = 32, PatchSize = 8, Stride = 8, Depth = 4, EmbedDim = 32, DState = 8, NumClasses = 10, FinalPoolType = FinalPoolType.Mean,
    Bidirectional = true, BimambaType = BimambaType.None, UseDoubleClsToken = true, UseMiddleClsToken = false)]
public sealed partial class VimBlocksBidirDoubleclsB2;

[VisionMamba("features_vim_blocks_clshead_32x48_b2", ImgHeight = 32, ImgWidth = 48, PatchSize = 8, Stride = 8, Depth = 4, EmbedDim = 32, DState = 8, NumClasses = 10, FinalPoolType = FinalPoolType.Mean,
    UseMiddleClsToken = false)]
public sealed partial class VimBlocksClshead32x48B2;
