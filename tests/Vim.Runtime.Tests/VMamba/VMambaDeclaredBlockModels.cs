using Vim.Dsl;

namespace Vim.Runtime.Tests.VMamba;

// Fixture models re-declared with declared VSS blocks ([VssBlock] + [SS2D] + [VMambaMlp]); same keys and numbers as the
// option-declared fixtures in VMambaFixtureModels.cs. Names start with "fixture_" (the registry test counts the others).

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
