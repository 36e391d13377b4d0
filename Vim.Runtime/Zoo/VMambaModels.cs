using Vim.Dsl;

namespace Vim.Runtime.Zoo;

// The nine released VMamba classifiers (MzeroMiko/VMamba 2ed52ea, configs/vssm/*.yaml; VMamba spec §10), declared with
// the public DSL. Names are the builder functions of vmamba.py; the yaml names, MODEL.NAME and README names are aliases.
// The v2 (s2l*) models use the declared zoo block VMambaV2NozBlock (VMambaBlocks.cs); the others spell the block options.
// All: patch 4, 3 channels, 1000 classes, dt rank "auto", SiLU, ssm_init v0, GELU MLP, patch_norm, imgsize 224.

/// <summary>Vanilla-VMamba-T (v0): depths 2-2-9-2, C0 96, no MLP, PatchMerging2D (22,893,448 parameters).</summary>
[VMamba("vanilla_vmamba_tiny", Aliases = ["vmambav0_tiny_224", "vssm_tiny", "vanilla-vmamba-t"],
    Depths = [2, 2, 9, 2], Dim = 96, SsmDState = 16, SsmRatio = 2.0, ForwardType = "v0", MlpRatio = 0.0,
    DownsampleVersion = DownsampleVersion.V1, PatchEmbedVersion = PatchEmbedVersion.V1, NormLayer = NormLayer.Ln, DropPathRate = 0.2)]
public sealed partial class VanillaVMambaTiny;

/// <summary>Vanilla-VMamba-S (v0): depths 2-2-27-2, C0 96 (44,417,416 parameters).</summary>
[VMamba("vanilla_vmamba_small", Aliases = ["vmambav0_small_224", "vssm_small", "vanilla-vmamba-s"],
    Depths = [2, 2, 27, 2], Dim = 96, SsmDState = 16, SsmRatio = 2.0, ForwardType = "v0", MlpRatio = 0.0,
    DownsampleVersion = DownsampleVersion.V1, PatchEmbedVersion = PatchEmbedVersion.V1, NormLayer = NormLayer.Ln, DropPathRate = 0.3)]
public sealed partial class VanillaVMambaSmall;

/// <summary>Vanilla-VMamba-B (v0): depths 2-2-27-2, C0 128 (76,254,056 parameters).</summary>
[VMamba("vanilla_vmamba_base", Aliases = ["vmambav0_base_224", "vssm_base", "vanilla-vmamba-b"],
    Depths = [2, 2, 27, 2], Dim = 128, SsmDState = 16, SsmRatio = 2.0, ForwardType = "v0", MlpRatio = 0.0,
    DownsampleVersion = DownsampleVersion.V1, PatchEmbedVersion = PatchEmbedVersion.V1, NormLayer = NormLayer.Ln, DropPathRate = 0.5)]
public sealed partial class VanillaVMambaBase;

/// <summary>VMamba-T[s2l5] (v2): depths 2-2-5-2, C0 96, d_state 1, ratio 2 (30,705,832 parameters).</summary>
[VMamba("vmamba_tiny_s2l5", Aliases = ["vmambav2_tiny_224", "vssm1_tiny_0230", "vmamba-t[s2l5]"],
    Depths = [2, 2, 5, 2], Dim = 96, Block = typeof(VMambaV2NozBlock),
    DownsampleVersion = DownsampleVersion.V3, PatchEmbedVersion = PatchEmbedVersion.V2, DropPathRate = 0.2)]
public sealed partial class VMambaTinyS2l5;

/// <summary>VMamba-S[s2l15] (v2): depths 2-2-15-2, C0 96 (50,147,752 parameters).</summary>
[VMamba("vmamba_small_s2l15", Aliases = ["vmambav2_small_224", "vssm1_small_0229", "vmamba-s[s2l15]"],
    Depths = [2, 2, 15, 2], Dim = 96, Block = typeof(VMambaV2NozBlock),
    DownsampleVersion = DownsampleVersion.V3, PatchEmbedVersion = PatchEmbedVersion.V2, DropPathRate = 0.3)]
public sealed partial class VMambaSmallS2l15;

/// <summary>VMamba-B[s2l15] (v2): depths 2-2-15-2, C0 128 (88,557,800 parameters).</summary>
[VMamba("vmamba_base_s2l15", Aliases = ["vmambav2_base_224", "vssm1_base_0229", "vmamba-b[s2l15]"],
    Depths = [2, 2, 15, 2], Dim = 128, Block = typeof(VMambaV2NozBlock),
    DownsampleVersion = DownsampleVersion.V3, PatchEmbedVersion = PatchEmbedVersion.V2, DropPathRate = 0.6)]
public sealed partial class VMambaBaseS2l15;

/// <summary>VMamba-T[s1l8] (v2v, the README's main VMamba-T): depths 2-2-8-2, C0 96, ratio 1 (30,249,064 parameters).</summary>
[VMamba("vmamba_tiny_s1l8", Aliases = ["vmambav2v_tiny_224", "vssm1_tiny_0230s", "vmamba-t[s1l8]", "vmamba-t"],
    Depths = [2, 2, 8, 2], Dim = 96, SsmDState = 1, SsmRatio = 1.0, SsmConvBias = false, ForwardType = "v05_noz", MlpRatio = 4.0,
    DownsampleVersion = DownsampleVersion.V3, PatchEmbedVersion = PatchEmbedVersion.V2, NormLayer = NormLayer.Ln2d, DropPathRate = 0.2)]
public sealed partial class VMambaTinyS1l8;

/// <summary>VMamba-S[s1l20] (v2v): depths 2-2-20-2, C0 96, ratio 1 (49,012,840 parameters).</summary>
[VMamba("vmamba_small_s1l20", Aliases = ["vmambav2v_small_224", "vssm1_small_0229s", "vmamba-s[s1l20]"],
    Depths = [2, 2, 20, 2], Dim = 96, SsmDState = 1, SsmRatio = 1.0, SsmConvBias = false, ForwardType = "v05_noz", MlpRatio = 4.0,
    DownsampleVersion = DownsampleVersion.V3, PatchEmbedVersion = PatchEmbedVersion.V2, NormLayer = NormLayer.Ln2d, DropPathRate = 0.3)]
public sealed partial class VMambaSmallS1l20;

/// <summary>VMamba-B[s1l20] (v2v): depths 2-2-20-2, C0 128, ratio 1 (86,614,504 parameters).</summary>
[VMamba("vmamba_base_s1l20", Aliases = ["vmambav2v_base_224", "vssm1_base_0229s", "vmamba-b[s1l20]"],
    Depths = [2, 2, 20, 2], Dim = 128, SsmDState = 1, SsmRatio = 1.0, SsmConvBias = false, ForwardType = "v05_noz", MlpRatio = 4.0,
    DownsampleVersion = DownsampleVersion.V3, PatchEmbedVersion = PatchEmbedVersion.V2, NormLayer = NormLayer.Ln2d, DropPathRate = 0.5)]
public sealed partial class VMambaBaseS1l20;
