using Vim.Dsl;

namespace Vim.Runtime.Tests.VMamba;

// Fixture models re-declared with declared VSS blocks ([VssBlock] + [SS2D] + [VMambaMlp]); same keys and numbers as the
// option-declared fixtures in VMambaFixtureModels.cs. Names start with "fixture_" (the registry test leaves out the models declared here).

[SS2D(SsmDState = 1, SsmRatio = 2.0, SsmConvBias = false, ForwardType = "v05_noz")]
public sealed partial class FixtureNozMixer;

[VMambaMlp]
public sealed partial class FixtureMlp;

[VssBlock(Mixer = typeof(FixtureNozMixer), Mlp = typeof(FixtureMlp), NormLayer = NormLayer.Ln2d)]
public sealed partial class FixtureNozLn2dBlock;

[VssBlock(Mixer = typeof(FixtureNozMixer), Mlp = typeof(FixtureMlp))]
public sealed partial class FixtureNozLnBlock;

[SS2D(ForwardType = "v05")]
public sealed partial class FixtureZgateMixer;

[VssBlock(Mixer = typeof(FixtureZgateMixer), Mlp = typeof(FixtureMlp))]
public sealed partial class FixtureZgateBlock;

[SS2D(ForwardType = "v0")]
public sealed partial class FixtureV0Mixer;

[VssBlock(Mixer = typeof(FixtureV0Mixer))]
public sealed partial class FixtureV0Block;

[VMamba("fixture_declared_vmamba_v2_ln2d_r2", Depths = [1, 1, 2, 1], Dim = 8, NumClasses = 10, ImgSize = 64,
    Block = typeof(FixtureNozLn2dBlock), DownsampleVersion = DownsampleVersion.V3, PatchEmbedVersion = PatchEmbedVersion.V2)]
public sealed partial class DeclaredV2Ln2dR2;

[VMamba("fixture_declared_vmamba_v2_ln_channellast", Depths = [1, 1, 2, 1], Dim = 8, NumClasses = 10, ImgSize = 64,
    Block = typeof(FixtureNozLnBlock), DownsampleVersion = DownsampleVersion.V3, PatchEmbedVersion = PatchEmbedVersion.V2)]
public sealed partial class DeclaredV2LnChannelLast;

[VMamba("fixture_declared_vmamba_v05_zgate_defaults", Depths = [1, 1, 2, 1], Dim = 8, NumClasses = 10, ImgSize = 64, Block = typeof(FixtureZgateBlock))]
public sealed partial class DeclaredV05ZgateDefaults;

[VMamba("fixture_declared_vmamba_v0_ds1", Depths = [1, 1, 2, 1], Dim = 8, NumClasses = 10, ImgSize = 64,
    Block = typeof(FixtureV0Block), DownsampleVersion = DownsampleVersion.V1)]
public sealed partial class DeclaredV0Ds1;

// The zoo's vmamba_tiny_s2l5 (declared block VMambaV2NozBlock) spelled with the model-level options, as it was before.
[VMamba("fixture_options_vmamba_tiny_s2l5", Depths = [2, 2, 5, 2], Dim = 96, SsmDState = 1, SsmRatio = 2.0, SsmConvBias = false,
    ForwardType = "v05_noz", MlpRatio = 4.0, DownsampleVersion = DownsampleVersion.V3, PatchEmbedVersion = PatchEmbedVersion.V2,
    NormLayer = NormLayer.Ln2d, DropPathRate = 0.2)]
public sealed partial class OptionsVMambaTinyS2l5;

// Variants without fixtures: each declared block against the same options on the model (fresh init, same seed).
[SS2D(SsmDState = 3, SsmRatio = 1.5, SsmDtRank = 3, SsmConv = 5, ForwardType = "v05_oncnorm_oact")]
public sealed partial class CnormMixer;

[VMambaMlp(MlpRatio = 2.0, Gmlp = true, MlpActLayer = ActLayer.Silu)]
public sealed partial class GatedMlp;

[VssBlock(Mixer = typeof(CnormMixer), Mlp = typeof(GatedMlp), NormLayer = NormLayer.Ln2d)]
public sealed partial class CnormBlock;

[VMamba("fixture_declared_cnorm", Depths = [1, 2], Dim = 16, NumClasses = 5, Block = typeof(CnormBlock))]
public sealed partial class DeclaredCnorm;

[VMamba("fixture_options_cnorm", Depths = [1, 2], Dim = 16, NumClasses = 5, SsmDState = 3, SsmRatio = 1.5, SsmDtRank = 3, SsmConv = 5,
    ForwardType = "v05_oncnorm_oact", MlpRatio = 2.0, Gmlp = true, MlpActLayer = ActLayer.Silu, NormLayer = NormLayer.Ln2d)]
public sealed partial class OptionsCnorm;

[SS2D(SsmDState = 2, SsmConv = 1, SsmActLayer = ActLayer.Relu, SsmInit = SsmInit.V1, ForwardType = "v052d_onsoftmax_nozact")]
public sealed partial class SoftmaxMixer;

[VMambaMlp(MlpRatio = 3.0, MlpActLayer = ActLayer.Relu)]
public sealed partial class ReluMlp;

[VssBlock(Mixer = typeof(SoftmaxMixer), Mlp = typeof(ReluMlp))]
public sealed partial class SoftmaxBlock;

[VMamba("fixture_declared_softmax", Depths = [2, 1], Dim = 8, NumClasses = 5, Block = typeof(SoftmaxBlock))]
public sealed partial class DeclaredSoftmax;

[VMamba("fixture_options_softmax", Depths = [2, 1], Dim = 8, NumClasses = 5, SsmDState = 2, SsmConv = 1, SsmActLayer = ActLayer.Relu,
    SsmInit = SsmInit.V1, ForwardType = "v052d_onsoftmax_nozact", MlpRatio = 3.0, MlpActLayer = ActLayer.Relu)]
public sealed partial class OptionsSoftmax;

[SS2D(SsmInit = SsmInit.V2, ForwardType = "v3_ondwconv3")]
public sealed partial class DwConvMixer;

[VssBlock(Mixer = typeof(DwConvMixer))]
public sealed partial class DwConvBlock;

[VMamba("fixture_declared_dwconv", Depths = [1, 1], Dim = 8, NumClasses = 5, Block = typeof(DwConvBlock))]
public sealed partial class DeclaredDwConv;

[VMamba("fixture_options_dwconv", Depths = [1, 1], Dim = 8, NumClasses = 5, SsmInit = SsmInit.V2, ForwardType = "v3_ondwconv3", MlpRatio = 0.0)]
public sealed partial class OptionsDwConv;

[SS2D(SsmRatio = 0.0, ForwardType = "v05_onsigmoid_noz")]
public sealed partial class NoSsmMixer;

[VMambaMlp]
public sealed partial class DefaultMlp;

[VssBlock(Mixer = typeof(NoSsmMixer), Mlp = typeof(DefaultMlp))]
public sealed partial class MlpOnlyBlock;

[VMamba("fixture_declared_mlponly", Depths = [1, 1], Dim = 8, NumClasses = 5, Block = typeof(MlpOnlyBlock))]
public sealed partial class DeclaredMlpOnly;

[VMamba("fixture_options_mlponly", Depths = [1, 1], Dim = 8, NumClasses = 5, SsmRatio = 0.0, ForwardType = "v05_onsigmoid_noz")]
public sealed partial class OptionsMlpOnly;

[SS2D(SsmDState = 2, ForwardType = "v05_onsigmoid")]
public sealed partial class SigmoidMixer;

[VssBlock(Mixer = typeof(SigmoidMixer), Mlp = typeof(DefaultMlp))]
public sealed partial class SigmoidBlock;

[VMamba("fixture_declared_sigmoid", Depths = [1, 1], Dim = 8, NumClasses = 5, Block = typeof(SigmoidBlock))]
public sealed partial class DeclaredSigmoid;

[VMamba("fixture_options_sigmoid", Depths = [1, 1], Dim = 8, NumClasses = 5, SsmDState = 2, ForwardType = "v05_onsigmoid")]
public sealed partial class OptionsSigmoid;
