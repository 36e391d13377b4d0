using Vim.Dsl;

namespace Vim.Runtime.Tests.Fixtures;

// The official fixture cases (shared/fixtures/*/config.json "kwargs"), declared with the public DSL. Shared
// settings: 32×32, patch 8, depth 4, D 32, d_state 8, 10 classes, RMSNorm, fused add-norm, fp32 residual, abs
// pos embed, bimamba v2, middle cls token, divide-out; each class states only where its case differs.

[VisionMamba("fixture_vim_v2_midcls_rms_fused", ImgSize = 32, PatchSize = 8, Stride = 8, Depth = 4, EmbedDim = 32, DState = 8, NumClasses = 10, FinalPoolType = FinalPoolType.Mean)]
public sealed partial class VimV2MidclsRmsFused;

[VisionMamba("fixture_vim_v2_midcls_rms_unfused", ImgSize = 32, PatchSize = 8, Stride = 8, Depth = 4, EmbedDim = 32, DState = 8, NumClasses = 10, FinalPoolType = FinalPoolType.Mean,
    FusedAddNorm = false)]
public sealed partial class VimV2MidclsRmsUnfused;

[VisionMamba("fixture_vim_v2_stride4_ln_b3", ImgSize = 32, PatchSize = 8, Stride = 4, Depth = 4, EmbedDim = 32, DState = 8, NumClasses = 10, FinalPoolType = FinalPoolType.Mean,
    RmsNorm = false, ResidualInFp32 = false)]
public sealed partial class VimV2Stride4LnB3;

[VisionMamba("fixture_vim_v2_stride4_ln_b3_unfused", ImgSize = 32, PatchSize = 8, Stride = 4, Depth = 4, EmbedDim = 32, DState = 8, NumClasses = 10, FinalPoolType = FinalPoolType.Mean,
    RmsNorm = false, ResidualInFp32 = false, FusedAddNorm = false)]
public sealed partial class VimV2Stride4LnB3Unfused;

[VisionMamba("fixture_vim_v1_clshead", ImgSize = 32, PatchSize = 8, Stride = 8, Depth = 4, EmbedDim = 24, DState = 4, NumClasses = 10, FinalPoolType = FinalPoolType.Mean,
    BimambaType = BimambaType.V1, UseMiddleClsToken = false)]
public sealed partial class VimV1Clshead;

[VisionMamba("fixture_vim_none_doublecls_b2", ImgSize = 32, PatchSize = 8, Stride = 8, Depth = 4, EmbedDim = 32, DState = 8, NumClasses = 10, FinalPoolType = FinalPoolType.Mean,
    BimambaType = BimambaType.None, UseDoubleClsToken = true, UseMiddleClsToken = false)]
public sealed partial class VimNoneDoubleclsB2;

[VisionMamba("fixture_vim_nocls_pool_none", ImgSize = 32, PatchSize = 8, Stride = 8, Depth = 4, EmbedDim = 32, DState = 8, NumClasses = 10,
    ClsToken = false, FinalPoolType = FinalPoolType.None)]
public sealed partial class VimNoclsPoolNone;

[VisionMamba("fixture_vim_nocls_pool_mean_nodiv_b2", ImgSize = 32, PatchSize = 8, Stride = 8, Depth = 4, EmbedDim = 32, DState = 8, NumClasses = 10,
    ClsToken = false, FinalPoolType = FinalPoolType.Mean, DivideOut = false)]
public sealed partial class VimNoclsPoolMeanNodivB2;

[VisionMamba("fixture_vim_nocls_pool_max", ImgSize = 32, PatchSize = 8, Stride = 8, Depth = 4, EmbedDim = 32, DState = 8, NumClasses = 10,
    ClsToken = false, FinalPoolType = FinalPoolType.Max, ResidualInFp32 = false)]
public sealed partial class VimNoclsPoolMax;

[VisionMamba("fixture_vim_bidir_none_midcls", ImgSize = 32, PatchSize = 8, Stride = 8, Depth = 4, EmbedDim = 32, DState = 8, NumClasses = 10, FinalPoolType = FinalPoolType.Mean,
    Bidirectional = true, BimambaType = BimambaType.None)]
public sealed partial class VimBidirNoneMidcls;

[VisionMamba("fixture_vim_v2_noabspos", ImgSize = 32, PatchSize = 8, Stride = 8, Depth = 4, EmbedDim = 32, DState = 8, NumClasses = 10, FinalPoolType = FinalPoolType.Mean,
    AbsPosEmbed = false, FusedAddNorm = false)]
public sealed partial class VimV2Noabspos;

[VisionMamba("fixture_vim_rope_clshead_b2", ImgSize = 32, PatchSize = 8, Stride = 8, Depth = 4, EmbedDim = 32, DState = 8, NumClasses = 10, FinalPoolType = FinalPoolType.Mean,
    Rope = true, RopeResidual = true, UseMiddleClsToken = false)]
public sealed partial class VimRopeClsheadB2;

[VisionMamba("fixture_vim_nonsquare_32x48", ImgHeight = 32, ImgWidth = 48, PatchSize = 8, Stride = 8, Depth = 4, EmbedDim = 32, DState = 8, NumClasses = 10, FinalPoolType = FinalPoolType.Mean)]
public sealed partial class VimNonsquare32x48;

// Not a shared fixture: written by tools/peers/vim_official_fixture.py (float32 reference). 40 = 6·6 + 4: the grid
// is (40 − 8) // 6 + 1 = 6 per side and the last 2 pixel rows and columns are never read, as upstream's Conv2d drops them.
[VisionMamba("fixture_vim_ragged_40_p8_s6", ImgSize = 40, PatchSize = 8, Stride = 6, Depth = 2, EmbedDim = 32, DState = 8, NumClasses = 10, FinalPoolType = FinalPoolType.Mean)]
public sealed partial class VimRagged40P8S6;
