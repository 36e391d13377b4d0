using Vim.Dsl;

namespace Vim.Runtime.Zoo;

// The five models registered by hustvl/Vim (models_mamba.py, HEAD dd0358a), declared with the public DSL.
// All pass rms_norm, residual_in_fp32, fused_add_norm, bimamba v2 and divide-out (the block), an absolute
// position embedding and the middle cls token; final_pool_type 'mean' is dead there because a cls token exists.

/// <summary>Vim-Tiny: D 192, depth 24, 224×224, patch 16 (7,148,008 parameters).</summary>
[VisionMamba("vim_tiny_patch16_224",
    Aliases = ["vim_tiny_patch16_224_bimambav2_final_pool_mean_abs_pos_embed_with_midclstok_div2"],
    PatchSize = 16, EmbedDim = 192, Depth = 24, FinalPoolType = FinalPoolType.Mean, Block = typeof(VimBlockV2))]
public sealed partial class VimTiny;

/// <summary>Vim-Tiny with overlapping patches (stride 8, 27×27 grid; 7,250,344 parameters).</summary>
[VisionMamba("vim_tiny_patch16_stride8_224",
    Aliases = ["vim_tiny_patch16_stride8_224_bimambav2_final_pool_mean_abs_pos_embed_with_midclstok_div2"],
    PatchSize = 16, Stride = 8, EmbedDim = 192, Depth = 24, FinalPoolType = FinalPoolType.Mean, Block = typeof(VimBlockV2))]
public sealed partial class VimTinyStride8;

/// <summary>Vim-Small: D 384, depth 24 (25,796,584 parameters).</summary>
[VisionMamba("vim_small_patch16_224",
    Aliases = ["vim_small_patch16_224_bimambav2_final_pool_mean_abs_pos_embed_with_midclstok_div2"],
    PatchSize = 16, EmbedDim = 384, Depth = 24, FinalPoolType = FinalPoolType.Mean, Block = typeof(VimBlockV2))]
public sealed partial class VimSmall;

/// <summary>Vim-Small with overlapping patches (stride 8; 26,001,256 parameters).</summary>
[VisionMamba("vim_small_patch16_stride8_224",
    Aliases = ["vim_small_patch16_stride8_224_bimambav2_final_pool_mean_abs_pos_embed_with_midclstok_div2"],
    PatchSize = 16, Stride = 8, EmbedDim = 384, Depth = 24, FinalPoolType = FinalPoolType.Mean, Block = typeof(VimBlockV2))]
public sealed partial class VimSmallStride8;

/// <summary>Vim-Base: D 768, depth 24 (97,598,440 parameters). Upstream's misspelt <c>if_devide_out</c> is ignored there; the default divide-out applies.</summary>
[VisionMamba("vim_base_patch16_224",
    Aliases = ["vim_base_patch16_224_bimambav2_final_pool_mean_abs_pos_embed_with_middle_cls_token_div2"],
    PatchSize = 16, EmbedDim = 768, Depth = 24, FinalPoolType = FinalPoolType.Mean, Block = typeof(VimBlockV2))]
public sealed partial class VimBase;

/// <summary>
/// The demo model: the official Vim recipe at toy size, trained from scratch on scikit-learn's 8×8 digits
/// (upsampled to 32×32, mean/std 0.5). Its checkpoint ships with the CLI; test accuracy 356/360.
/// </summary>
[VisionMamba("vim_digits_patch8_32",
    ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = 64, Depth = 6, NumClasses = 10, FinalPoolType = FinalPoolType.Mean,
    Mean = [0.5, 0.5, 0.5], Std = [0.5, 0.5, 0.5], CropPct = 1.0, Block = typeof(VimBlockV2))]
public sealed partial class VimDigits;
