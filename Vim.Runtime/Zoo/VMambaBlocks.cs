using Vim.Dsl;

namespace Vim.Runtime.Zoo;

// The VSS block of the released vmambav2 models (configs/vssm/vmambav2_*_224.yaml; VMamba spec §10), declared with the
// public DSL: SS2D forward type v05_noz, d_state 1, ssm_ratio 2, no conv bias; GELU MLP with ratio 4; ln2d norms.

/// <summary>The SS2D of the released vmambav2 (s2l*) models: <c>v05_noz</c>, d_state 1, ssm_ratio 2.0, SiLU, 3×3 conv without bias.</summary>
[SS2D(SsmDState = 1, SsmRatio = 2.0, SsmConvBias = false, ForwardType = "v05_noz")]
public sealed partial class VMambaV2NozMixer;

/// <summary>The MLP of the released vmambav2 models: ratio 4.0, GELU.</summary>
[VMambaMlp(MlpRatio = 4.0, MlpActLayer = ActLayer.Gelu)]
public sealed partial class VMambaV2Mlp;

/// <summary>The VSS block of the released vmambav2 (s2l*) models: v05_noz SS2D, MLP ratio 4, LayerNorm2d.</summary>
[VssBlock(Mixer = typeof(VMambaV2NozMixer), Mlp = typeof(VMambaV2Mlp), NormLayer = NormLayer.Ln2d)]
public sealed partial class VMambaV2NozBlock;
