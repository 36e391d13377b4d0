using Vim.Dsl;

namespace Vim.Runtime.Tests.Training;

// The official gradient cases (shared/fixtures/grad/*/config.json "kwargs"), declared with the public DSL. Shared
// settings: 32×32, patch 8, depth 4, 10 classes, RMSNorm, fused add-norm, fp32 residual, abs pos embed, mean pool (dead
// with a cls token), no drop-path (the cases run model.train() with drop_path_rate 0); each states where it differs.

[VisionMamba("grad_vim_v2_midcls_rms_fused_b2", ImgSize = 32, PatchSize = 8, Stride = 8, Depth = 4, EmbedDim = 32, DState = 8, NumClasses = 10,
    FinalPoolType = FinalPoolType.Mean, DropPathRate = 0)]
public sealed partial class GradVimV2MidclsRmsFused;

[VisionMamba("grad_vim_v1_clshead_b2", ImgSize = 32, PatchSize = 8, Stride = 8, Depth = 4, EmbedDim = 24, DState = 4, NumClasses = 10,
    FinalPoolType = FinalPoolType.Mean, BimambaType = BimambaType.V1, UseMiddleClsToken = false, DropPathRate = 0)]
public sealed partial class GradVimV1Clshead;

[VisionMamba("grad_vim_rope_clshead_b2", ImgSize = 32, PatchSize = 8, Stride = 8, Depth = 4, EmbedDim = 32, DState = 8, NumClasses = 10,
    FinalPoolType = FinalPoolType.Mean, Rope = true, RopeResidual = true, UseMiddleClsToken = false, DropPathRate = 0)]
public sealed partial class GradVimRopeClshead;

[VisionMamba("grad_vim_nocls_mean_unfused_b3", ImgSize = 32, PatchSize = 8, Stride = 8, Depth = 4, EmbedDim = 32, DState = 8, NumClasses = 10,
    FinalPoolType = FinalPoolType.Mean, FusedAddNorm = false, ClsToken = false, DivideOut = false, DropPathRate = 0)]
public sealed partial class GradVimNoclsMeanUnfused;

[VisionMamba("grad_vim_none_clshead_ln_b2", ImgSize = 32, PatchSize = 8, Stride = 8, Depth = 4, EmbedDim = 32, DState = 8, NumClasses = 10,
    FinalPoolType = FinalPoolType.Mean, RmsNorm = false, ResidualInFp32 = false, BimambaType = BimambaType.None, UseMiddleClsToken = false, DropPathRate = 0)]
public sealed partial class GradVimNoneClsheadLn;

[VisionMamba("grad_vim_v2_midcls_adamw_3steps", ImgSize = 32, PatchSize = 8, Stride = 8, Depth = 2, EmbedDim = 32, DState = 8, NumClasses = 10,
    FinalPoolType = FinalPoolType.Mean, DropPathRate = 0)]
public sealed partial class GradVimV2MidclsAdamw;

[VMamba("grad_vmamba_v0_ds1_b2", Depths = [1, 1, 1, 1], Dims = [8, 16, 24, 32], NumClasses = 10, ImgSize = 32,
    SsmDState = 4, SsmRatio = 2.0, SsmConvBias = true, ForwardType = "v0", MlpRatio = 0.0,
    NormLayer = NormLayer.Ln, DownsampleVersion = DownsampleVersion.V1, PatchEmbedVersion = PatchEmbedVersion.V1, DropPathRate = 0)]
public sealed partial class GradVMambaV0Ds1;

[VMamba("grad_vmamba_v2_ln2d_b2", Depths = [1, 1, 2, 1], Dims = [8, 12, 16, 24], NumClasses = 10, ImgSize = 32,
    SsmDState = 1, SsmRatio = 2.0, SsmConvBias = false, ForwardType = "v05_noz", MlpRatio = 4.0,
    NormLayer = NormLayer.Ln2d, DownsampleVersion = DownsampleVersion.V3, PatchEmbedVersion = PatchEmbedVersion.V2, DropPathRate = 0)]
public sealed partial class GradVMambaV2Ln2d;
