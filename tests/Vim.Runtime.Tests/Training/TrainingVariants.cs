using Vim.Dsl;

namespace Vim.Runtime.Tests.Training;

// Variants declared only here (not in the zoo), each small enough for end-to-end finite differences, together covering
// the structural options the official gradient cases do not: bidirectional layer pairs, RoPE on the residual, head and
// tail cls tokens, layer scale, per-token and max pooling, overlapping patches on a non-square image, drop-path, dropout.

[VisionMamba("train_vim_bidir_rope", ImgSize = 16, PatchSize = 4, Stride = 4, Depth = 4, EmbedDim = 16, DState = 4, NumClasses = 5,
    Bidirectional = true, BimambaType = BimambaType.None, UseMiddleClsToken = false, Rope = true, RopeResidual = true, PtHwSeqLen = 4, DropPathRate = 0)]
public sealed partial class TrainVimBidirRope;

[VisionMamba("train_vim_doublecls_ln_scale", ImgSize = 16, PatchSize = 4, Stride = 4, Depth = 3, EmbedDim = 16, DState = 4, NumClasses = 5,
    UseDoubleClsToken = true, RmsNorm = false, FusedAddNorm = false, DivideOut = false, InitLayerScale = 0.5, DropPathRate = 0)]
public sealed partial class TrainVimDoubleClsLnScale;

[VisionMamba("train_vim_nocls_all_v1", ImgSize = 16, PatchSize = 4, Stride = 4, Depth = 2, EmbedDim = 16, DState = 4, NumClasses = 5,
    ClsToken = false, FinalPoolType = FinalPoolType.All, BimambaType = BimambaType.V1, DropPathRate = 0)]
public sealed partial class TrainVimNoClsAllV1;

[VisionMamba("train_vim_nocls_max", ImgSize = 16, PatchSize = 4, Stride = 4, Depth = 2, EmbedDim = 16, DState = 4, NumClasses = 5,
    ClsToken = false, FinalPoolType = FinalPoolType.Max, ResidualInFp32 = false, DropPathRate = 0)]
public sealed partial class TrainVimNoClsMax;

[VisionMamba("train_vim_overlap_nonsquare", ImgHeight = 12, ImgWidth = 20, PatchSize = 4, Stride = 2, Depth = 2, EmbedDim = 16, DState = 4, NumClasses = 5,
    ClsToken = false, FinalPoolType = FinalPoolType.None, DropPathRate = 0)]
public sealed partial class TrainVimOverlapNonSquare;

[VisionMamba("train_vim_droppath_dropout", ImgSize = 16, PatchSize = 4, Stride = 4, Depth = 4, EmbedDim = 16, DState = 4, NumClasses = 5,
    DropPathRate = 0.5, DropRate = 0.25)]
public sealed partial class TrainVimDropPathDropout;

[VMamba("train_vmamba_posembed_droppath", Depths = [1, 2], Dim = 8, NumClasses = 5, ImgSize = 32, PosEmbed = true, PatchNorm = false,
    SsmDState = 2, ForwardType = "v05_noz", MlpRatio = 2.0, DownsampleVersion = DownsampleVersion.V2, PatchEmbedVersion = PatchEmbedVersion.V1,
    DropPathRate = 0.4)]
public sealed partial class TrainVMambaPosEmbedDropPath;
