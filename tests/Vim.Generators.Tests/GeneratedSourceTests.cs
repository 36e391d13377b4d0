using Vim.Generators.Tests.Infrastructure;
using Vim.Testing;

namespace Vim.Generators.Tests;

/// <summary>End to end: DSL source → generated files, snapshotted; the output compilation must have no errors.</summary>
public class GeneratedSourceTests
{
    private const string Micro = "ImgSize = 32, PatchSize = 8, EmbedDim = 32, Depth = 4, DState = 8, NumClasses = 10";

    /// <summary>One variant per structural option, each a small model built from the model-level options.</summary>
    public static TheoryData<string, string> Variants => new()
    {
        { "BimambaNone", "BimambaType = BimambaType.None" },
        { "BimambaV1", "BimambaType = BimambaType.V1, UseMiddleClsToken = false" },
        { "BimambaV2", "BimambaType = BimambaType.V2" },
        { "BimambaV2NoDivide", "DivideOut = false, ClsToken = false, FinalPoolType = FinalPoolType.Mean" },
        { "ClsHead", "UseMiddleClsToken = false" },
        { "ClsDouble", "UseDoubleClsToken = true, BimambaType = BimambaType.None" },
        { "ClsNonePoolNone", "ClsToken = false" },
        { "ClsNonePoolMean", "ClsToken = false, FinalPoolType = FinalPoolType.Mean" },
        { "ClsNonePoolMax", "ClsToken = false, FinalPoolType = FinalPoolType.Max" },
        { "ClsNonePoolAll", "ClsToken = false, FinalPoolType = FinalPoolType.All" },
        { "Bidirectional", "Bidirectional = true, BimambaType = BimambaType.None" },
        { "Rope", "Rope = true, RopeResidual = true, UseMiddleClsToken = false" },
        { "LayerNorm", "RmsNorm = false, ResidualInFp32 = false" },
        { "Unfused", "FusedAddNorm = false" },
        { "StrideBelowPatch", "Stride = 4" },
        { "NonSquare", "ImgHeight = 32, ImgWidth = 48" },
        { "NoAbsPosEmbed", "AbsPosEmbed = false" },
        { "LayerScale", "InitLayerScale = 0.1" },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Variant_GeneratesCompilingSource(string variant, string options)
    {
        var run = GeneratorHarness.Run($$"""
            using Vim.Dsl;
            namespace Sample;
            [VisionMamba("vim_micro_{{variant.ToLowerInvariant()}}", {{Micro}}, {{(options.Contains("Stride") ? "" : "Stride = 8, ")}}{{options}})]
            public sealed partial class Micro{{variant}};
            """);
        run.AssertOutputCompiles();
        Snapshot.Verify(run.FormatDiagnostics(), run.Generated, Scrubbers.Settings(("variant", variant)));
    }

    [Fact]
    public void VimTiny_UsesTheZooBlockFromTheRuntimeAssembly()
    {
        // The block is declared in Vim.Runtime: the generator reads its attributes from metadata.
        var run = GeneratorHarness.Run("""
            using Vim.Dsl;
            namespace Sample;
            [VisionMamba("sample_vim_tiny",
                Aliases = ["sample_vim_tiny_bimambav2_final_pool_mean_abs_pos_embed_with_midclstok_div2"],
                PatchSize = 16, EmbedDim = 192, Depth = 24, FinalPoolType = FinalPoolType.Mean, Block = typeof(Vim.Runtime.Zoo.VimBlockV2))]
            public sealed partial class VimTiny;
            """);
        run.AssertOutputCompiles();
        Snapshot.Verify(run.FormatDiagnostics(), run.Generated, Scrubbers.Settings());
    }

    [Fact]
    public void DeclaredBlockAndMixer_GenerateTheirOwnClasses()
    {
        var run = GeneratorHarness.Run("""
            using Vim.Dsl;
            namespace Sample;
            [MambaMixer(BimambaType = BimambaType.V1, DState = 4, DConv = 3, Expand = 1)]
            public sealed partial class SmallMixer;
            [VimBlock(Mixer = typeof(SmallMixer), RmsNorm = false, NormEpsilon = 1e-6)]
            public sealed partial class SmallBlock;
            public static partial class Outer
            {
                [VisionMamba("vim_nested_custom", ImgSize = 16, PatchSize = 4, Stride = 4, EmbedDim = 16, Depth = 2, NumClasses = 3, Block = typeof(SmallBlock))]
                public sealed partial class NestedModel;
            }
            """);
        run.AssertOutputCompiles();
        Snapshot.Verify(run.FormatDiagnostics(), run.Generated, Scrubbers.Settings());
    }
}
