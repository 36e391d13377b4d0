using Vim.Dsl;

namespace Vim.Runtime.Tests.VMamba;

// The official VMamba fixture cases (shared/fixtures/vmamba_*/config.json "kwargs"), declared with the public DSL.
// Shared: patch 4, 10 classes, depths [1, 1, 2, 1], dims = 8 (an int: [8, 16, 32, 64]), dt rank auto, SiLU, conv 3,
// GELU MLP, patch_norm; imgsize only sizes pos_embed (off here), so the non-square cases run at 64x96 as well.

[VMamba("fixture_vmamba_v2_ln2d_r2", Depths = [1, 1, 2, 1], Dim = 8, NumClasses = 10, ImgSize = 64,
    SsmDState = 1, SsmRatio = 2.0, SsmConvBias = false, ForwardType = "v05_noz", MlpRatio = 4.0,
    NormLayer = NormLayer.Ln2d, DownsampleVersion = DownsampleVersion.V3, PatchEmbedVersion = PatchEmbedVersion.V2)]
public sealed partial class VMambaV2Ln2dR2;

[VMamba("fixture_vmamba_v2_ln2d_r1_64x96_b2", Depths = [1, 1, 2, 1], Dim = 8, NumClasses = 10, ImgSize = 64,
    SsmDState = 1, SsmRatio = 1.0, SsmConvBias = false, ForwardType = "v05_noz", MlpRatio = 4.0,
    NormLayer = NormLayer.Ln2d, DownsampleVersion = DownsampleVersion.V3, PatchEmbedVersion = PatchEmbedVersion.V2)]
public sealed partial class VMambaV2Ln2dR1;

[VMamba("fixture_vmamba_v2_ln_channellast", Depths = [1, 1, 2, 1], Dim = 8, NumClasses = 10, ImgSize = 64,
    SsmDState = 1, SsmRatio = 2.0, SsmConvBias = false, ForwardType = "v05_noz", MlpRatio = 4.0,
    NormLayer = NormLayer.Ln, DownsampleVersion = DownsampleVersion.V3, PatchEmbedVersion = PatchEmbedVersion.V2)]
public sealed partial class VMambaV2LnChannelLast;

[VMamba("fixture_vmamba_v05_zgate_defaults", Depths = [1, 1, 2, 1], Dim = 8, NumClasses = 10, ImgSize = 64, ForwardType = "v05")]
public sealed partial class VMambaV05ZgateDefaults;

[VMamba("fixture_vmamba_v0_ds1", Depths = [1, 1, 2, 1], Dim = 8, NumClasses = 10, ImgSize = 64,
    ForwardType = "v0", MlpRatio = 0.0, DownsampleVersion = DownsampleVersion.V1)]
public sealed partial class VMambaV0Ds1;

[VMamba("fixture_vmamba_v0_ds2_64x96_b2", Depths = [1, 1, 2, 1], Dim = 8, NumClasses = 10, ImgSize = 64,
    ForwardType = "v0", MlpRatio = 0.0, DownsampleVersion = DownsampleVersion.V2)]
public sealed partial class VMambaV0Ds2;
