using Microsoft.CodeAnalysis;
using Vim.Generators.Tests.Infrastructure;
using Vim.Testing;

namespace Vim.Generators.Tests;

/// <summary>
/// Every diagnostic VIM001–VIM019: a small source that produces it (formatted diagnostics snapshotted, ID and the
/// offending attribute argument asserted) and a valid near miss (no such diagnostic, output compiles).
/// </summary>
public class DiagnosticTests
{
    private const string Micro = "ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = 32, Depth = 4, DState = 8, NumClasses = 10";
    private const string MicroNoDState = "ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = 32, Depth = 4, NumClasses = 10";

    private static string Model(string options, string name = "vim_micro", string type = "Micro", string modifiers = "public sealed partial") => $$"""
        using Vim.Dsl;
        namespace Sample;
        [VisionMamba("{{name}}", {{options}})]
        {{modifiers}} class {{type}};
        """;

    /// <summary>The single diagnostic <paramref name="id"/> of the run; its span must cover exactly <paramref name="expectedText"/> in <paramref name="source"/>.</summary>
    private static Diagnostic AssertSingleAt(GeneratorRun run, string id, string source, string expectedText)
    {
        var matching = run.Diagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"expected one {id}, got:\n{run.FormatDiagnostics()}");
        AssertAt(matching[0], source, expectedText);
        return matching[0];
    }

    private static void AssertAt(Diagnostic d, string source, string expectedText)
    {
        Assert.NotEqual(Location.None, d.Location);
        var span = d.Location.SourceSpan;
        Assert.True(span.End <= source.Length, $"{d.Id} span {span} lies outside the source");
        Assert.Equal(expectedText, source.Substring(span.Start, span.Length));
        // The line span must agree with the text span.
        var line = d.Location.GetLineSpan();
        int expectedLine = source.Take(span.Start).Count(c => c == '\n');
        Assert.Equal(expectedLine, line.StartLinePosition.Line);
    }

    private static void AssertNone(GeneratorRun run, string id)
    {
        Assert.True(run.Diagnostics.All(d => d.Id != id), $"unexpected {id}:\n{run.FormatDiagnostics()}");
        run.AssertOutputCompiles();
    }

    private static void AssertOnlyErrorsAreVim(GeneratorRun run) =>
        Assert.All(run.Diagnostics, d => Assert.StartsWith("VIM", d.Id));

    // ---------------------------------------------------------------- VIM001 not partial

    [Fact]
    public void VIM001_ClassNotPartial()
    {
        string source = Model(Micro, modifiers: "public sealed");
        var run = GeneratorHarness.Run(source);
        var d = AssertSingleAt(run, "VIM001", source, "Micro");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.DoesNotContain(run.Generated, g => g.HintName.Contains("Micro"));
        Snapshot.Verify(run.FormatDiagnostics(), null, Scrubbers.Settings());
    }

    [Fact]
    public void VIM001_ContainingTypeNotPartial()
    {
        string source = $$"""
            using Vim.Dsl;
            namespace Sample;
            public static class Outer
            {
                [VisionMamba("vim_nested", {{Micro}})]
                public sealed partial class Nested;
            }
            """;
        var run = GeneratorHarness.Run(source);
        AssertSingleAt(run, "VIM001", source, "Outer");
        Assert.DoesNotContain(run.Generated, g => g.HintName.Contains("Nested"));
        Snapshot.Verify(run.FormatDiagnostics(), null, Scrubbers.Settings());
    }

    [Fact]
    public void VIM001_NearMiss_PartialInPartialContainingType()
    {
        var run = GeneratorHarness.Run($$"""
            using Vim.Dsl;
            namespace Sample;
            public static partial class Outer
            {
                [VisionMamba("vim_nested", {{Micro}})]
                public sealed partial class Nested;
            }
            """);
        AssertNone(run, "VIM001");
        Assert.Empty(run.Diagnostics);
        Assert.Contains(run.Generated, g => g.HintName.Contains("Nested"));
    }

    [Fact]
    public void VIM001_BlockAndMixerNotPartial()
    {
        string source = """
            using Vim.Dsl;
            namespace Sample;
            [MambaMixer(DState = 4)]
            public sealed class SmallMixer;
            [VimBlock(Mixer = typeof(SmallMixer))]
            public sealed class SmallBlock;
            """;
        var run = GeneratorHarness.Run(source);
        var ds = run.Diagnostics.Where(d => d.Id == "VIM001").OrderBy(d => d.Location.SourceSpan.Start).ToList();
        Assert.Equal(2, ds.Count);
        AssertAt(ds[0], source, "SmallMixer");
        AssertAt(ds[1], source, "SmallBlock");
        Snapshot.Verify(run.FormatDiagnostics(), null, Scrubbers.Settings());
    }

    // ---------------------------------------------------------------- VIM002 duplicate name

    [Fact]
    public void VIM002_DuplicateNameCaseInsensitive()
    {
        string source = $$"""
            using Vim.Dsl;
            namespace Sample;
            [VisionMamba("vim_dup", {{Micro}})]
            public sealed partial class A;
            [VisionMamba("VIM_Dup", {{Micro}})]
            public sealed partial class B;
            """;
        var run = GeneratorHarness.Run(source);
        var d = AssertSingleAt(run, "VIM002", source, "\"VIM_Dup\"");
        Assert.Contains("Sample.A", d.GetMessage());
        Snapshot.Verify(run.FormatDiagnostics(), null, Scrubbers.Settings());
    }

    /// <summary>The runtime's zoo already registers vim_tiny_patch16_224 (and its aliases): reusing one is VIM002, not a start-up error.</summary>
    [Theory]
    [InlineData("\"vim_tiny_patch16_224\"", "Vim.Runtime.Zoo.")]
    [InlineData("\"VMAMBA_TINY_S1L8\"", "Vim.Runtime.Zoo.")]
    public void VIM002_NameOfAZooModel(string quotedName, string owner)
    {
        string source = $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba({quotedName}, {Micro})]\npublic sealed partial class Micro;";
        var run = GeneratorHarness.Run(source);
        var d = AssertSingleAt(run, "VIM002", source, quotedName);
        Assert.Contains(owner, d.GetMessage());
        Assert.Contains("a zoo model of Vim.Runtime", d.GetMessage());
    }

    [Fact]
    public void VIM002_DuplicateNameInTwoFiles_ReportsTheAlphabeticallySecondType()
    {
        // Declared in the opposite order of the type names: the report must not depend on declaration order.
        string first = Model(Micro, name: "vim_dup", type: "Zeta");
        string second = Model(Micro, name: "vim_dup", type: "Alpha");
        var run = GeneratorHarness.Run(first, second);
        var d = Assert.Single(run.Diagnostics, d => d.Id == "VIM002");
        Assert.Equal("Input0.cs", d.Location.GetLineSpan().Path);
        AssertAt(d, first, "\"vim_dup\"");
        Assert.Contains("Sample.Alpha", d.GetMessage());
    }

    [Fact]
    public void VIM002_NearMiss_DistinctNames()
    {
        var run = GeneratorHarness.Run(
            Model(Micro, name: "vim_a", type: "A") ,
            Model(Micro, name: "vim_b", type: "B"));
        AssertNone(run, "VIM002");
        Assert.Empty(run.Diagnostics);
    }

    [Fact]
    public void VIM002_NameEqualToAnotherModelsAlias()
    {
        string source = $$"""
            using Vim.Dsl;
            namespace Sample;
            [VisionMamba("vim_a", Aliases = ["vim_shared"], {{Micro}})]
            public sealed partial class A;
            [VisionMamba("VIM_SHARED", {{Micro}})]
            public sealed partial class B;
            """;
        var run = GeneratorHarness.Run(source);
        Assert.Contains(run.Diagnostics, d => d.Id == "VIM002");
    }

    // ---------------------------------------------------------------- VIM003 non-positive sizes

    public static TheoryData<string, string, string> NonPositive => new()
    {
        { "Depth", "ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = 32, Depth = 0, DState = 8", "Depth = 0" },
        { "EmbedDim", "ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = -1, Depth = 4, DState = 8", "EmbedDim = -1" },
        { "PatchSize", "ImgSize = 32, PatchSize = 0, Stride = 8, EmbedDim = 32, Depth = 4, DState = 8", "PatchSize = 0" },
        { "NormEpsilon", "ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = 32, Depth = 4, DState = 8, NormEpsilon = 0", "NormEpsilon = 0" },
        { "DState", "ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = 32, Depth = 4, DState = 0", "DState = 0" },
        { "ImgSize", "ImgSize = 0, PatchSize = 8, Stride = 8, EmbedDim = 32, Depth = 4, DState = 8", "ImgSize = 0" },
    };

    [Theory]
    [MemberData(nameof(NonPositive))]
    public void VIM003_NonPositiveSize(string option, string options, string argument)
    {
        string source = Model(options);
        var run = GeneratorHarness.Run(source);
        var ds = run.Diagnostics.Where(d => d.Id == "VIM003").ToList();
        Assert.NotEmpty(ds);
        Assert.All(ds, d => AssertAt(d, source, argument));
        Assert.All(ds, d => Assert.Contains("must be positive", d.GetMessage()));
        // A size error must not cascade into an image-size error.
        Assert.DoesNotContain(run.Diagnostics, d => d.Id == "VIM004");
        Assert.DoesNotContain(run.Generated, g => g.HintName.Contains("Micro"));
        Snapshot.Verify(run.FormatDiagnostics(), null, Scrubbers.Settings(("option", option)));
    }

    [Fact]
    public void VIM003_NearMiss_SmallestPositiveSizes()
    {
        var run = GeneratorHarness.Run(Model("ImgSize = 1, PatchSize = 1, Stride = 1, EmbedDim = 4, Depth = 1, DState = 1, NormEpsilon = 1e-12, NumClasses = 1"));
        AssertNone(run, "VIM003");
        Assert.Empty(run.Diagnostics);
    }

    // ---------------------------------------------------------------- VIM004 image size

    [Fact]
    public void VIM004_ImageSmallerThanPatch_WithoutExplicitStride()
    {
        string source = Model("ImgSize = 4, PatchSize = 8, EmbedDim = 32, Depth = 4, DState = 8");
        var run = GeneratorHarness.Run(source);
        AssertSingleAt(run, "VIM004", source, "ImgSize = 4");
        Snapshot.Verify(run.FormatDiagnostics(), null, Scrubbers.Settings());
    }

    [Fact]
    public void VIM004_ImageSmallerThanPatch_PointsAtTheImage()
    {
        string source = Model("ImgHeight = 32, ImgWidth = 6, PatchSize = 8, Stride = 8, EmbedDim = 32, Depth = 4, DState = 8");
        var run = GeneratorHarness.Run(source);
        AssertSingleAt(run, "VIM004", source, "ImgWidth = 6");
        Assert.Contains("Image size 32x6 is smaller than the patch size 8", Assert.Single(run.Diagnostics).GetMessage());
    }

    // The official grid is (side − patch) // stride + 1: a remainder is dropped as upstream's Conv2d drops it
    // (ImgSize 40, patch 8, stride 6 is a 6×6 grid; Fixtures/Data/vim_ragged_40_p8_s6 checks the numbers).
    [Theory]
    [InlineData("ImgSize = 40, PatchSize = 8, Stride = 6")]
    [InlineData("ImgSize = 30, PatchSize = 8, Stride = 8")]
    [InlineData("ImgSize = 32, PatchSize = 8, Stride = 5")]
    [InlineData("ImgHeight = 32, ImgWidth = 30, PatchSize = 8, Stride = 8")]
    [InlineData("ImgSize = 32, PatchSize = 8, Stride = 8")]
    [InlineData("ImgSize = 32, PatchSize = 8, Stride = 4")]
    [InlineData("ImgSize = 8, PatchSize = 8, Stride = 8")]
    [InlineData("ImgHeight = 32, ImgWidth = 48, PatchSize = 8, Stride = 8")]
    public void VIM004_NearMiss_GridFits(string geometry)
    {
        var run = GeneratorHarness.Run(Model(geometry + ", EmbedDim = 32, Depth = 4, DState = 8"));
        AssertNone(run, "VIM004");
        Assert.Empty(run.Diagnostics);
    }

    // ---------------------------------------------------------------- VIM005 odd depth + bidirectional

    [Fact]
    public void VIM005_OddDepthWithBidirectional()
    {
        string source = Model("ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = 32, Depth = 23, DState = 8, Bidirectional = true");
        var run = GeneratorHarness.Run(source);
        AssertSingleAt(run, "VIM005", source, "Depth = 23");
        Snapshot.Verify(run.FormatDiagnostics(), null, Scrubbers.Settings());
    }

    [Theory]
    [InlineData("Depth = 24, Bidirectional = true")]
    [InlineData("Depth = 23, Bidirectional = false")]
    public void VIM005_NearMiss(string options)
    {
        var run = GeneratorHarness.Run(Model("ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = 32, DState = 8, BimambaType = BimambaType.None, " + options));
        AssertNone(run, "VIM005");
        Assert.Empty(run.Diagnostics);
    }

    // ---------------------------------------------------------------- VIM006 RoPE + double cls

    [Fact]
    public void VIM006_RopeWithDoubleClsToken()
    {
        string source = Model(Micro + ", Rope = true, UseDoubleClsToken = true");
        var run = GeneratorHarness.Run(source);
        AssertSingleAt(run, "VIM006", source, "UseDoubleClsToken = true");
        Snapshot.Verify(run.FormatDiagnostics(), null, Scrubbers.Settings());
    }

    [Fact]
    public void VIM006_NearMiss_DoubleFlagWithoutClsToken()
    {
        // Placement flags do nothing without a cls token (upstream), so there is no double cls token to clash with RoPE.
        var run = GeneratorHarness.Run(Model(Micro + ", Rope = true, ClsToken = false, UseDoubleClsToken = true"));
        AssertNone(run, "VIM006");
        Assert.Empty(run.Diagnostics);
    }

    // ---------------------------------------------------------------- VIM007 RoPE + overlapping patches

    [Fact]
    public void VIM007_RopeWithStrideBelowPatch()
    {
        string source = Model("ImgSize = 32, PatchSize = 8, Stride = 4, EmbedDim = 32, Depth = 4, DState = 8, Rope = true, UseMiddleClsToken = false");
        var run = GeneratorHarness.Run(source);
        AssertSingleAt(run, "VIM007", source, "Stride = 4");
        Snapshot.Verify(run.FormatDiagnostics(), null, Scrubbers.Settings());
    }

    [Fact]
    public void VIM007_NearMiss_RopeWithStrideEqualToPatch()
    {
        var run = GeneratorHarness.Run(Model(Micro + ", Rope = true, UseMiddleClsToken = false"));
        AssertNone(run, "VIM007");
        Assert.Empty(run.Diagnostics);
    }

    // ---------------------------------------------------------------- VIM008 max pool + cls

    [Fact]
    public void VIM008_MaxPoolWithClsToken()
    {
        string source = Model(Micro + ", FinalPoolType = FinalPoolType.Max");
        var run = GeneratorHarness.Run(source);
        AssertSingleAt(run, "VIM008", source, "FinalPoolType = FinalPoolType.Max");
        Snapshot.Verify(run.FormatDiagnostics(), null, Scrubbers.Settings());
    }

    [Fact]
    public void VIM008_NearMiss_MaxPoolWithoutClsToken()
    {
        var run = GeneratorHarness.Run(Model(Micro + ", ClsToken = false, FinalPoolType = FinalPoolType.Max"));
        AssertNone(run, "VIM008");
        Assert.Empty(run.Diagnostics);
    }

    // ---------------------------------------------------------------- VIM009 RoPE geometry

    public static TheoryData<string, string, string> RopeGeometry => new()
    {
        { "NonSquare", "ImgHeight = 32, ImgWidth = 48, PatchSize = 8, Stride = 8, EmbedDim = 32, UseMiddleClsToken = false, Rope = true", "Rope = true" },
        { "EmbedDimNotDivisibleBy4", "ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = 30, UseMiddleClsToken = false, Rope = true", "EmbedDim = 30" },
        { "NoClsOddPatchCount", "ImgSize = 24, PatchSize = 8, Stride = 8, EmbedDim = 32, ClsToken = false, Rope = true", "ClsToken = false" },
    };

    [Theory]
    [MemberData(nameof(RopeGeometry))]
    public void VIM009_RopeGeometry(string variant, string options, string argument)
    {
        string source = Model(options + ", Depth = 4, DState = 8");
        var run = GeneratorHarness.Run(source);
        AssertSingleAt(run, "VIM009", source, argument);
        Snapshot.Verify(run.FormatDiagnostics(), null, Scrubbers.Settings(("variant", variant)));
    }

    [Theory]
    [InlineData("ImgHeight = 32, ImgWidth = 32, PatchSize = 8, Stride = 8, EmbedDim = 32, UseMiddleClsToken = false")]
    [InlineData("ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = 36, UseMiddleClsToken = false")]
    [InlineData("ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = 32, ClsToken = false")]
    [InlineData("ImgSize = 24, PatchSize = 8, Stride = 8, EmbedDim = 32, UseMiddleClsToken = false")]
    public void VIM009_NearMiss(string options)
    {
        var run = GeneratorHarness.Run(Model(options + ", Depth = 4, DState = 8, Rope = true"));
        AssertNone(run, "VIM009");
        Assert.Empty(run.Diagnostics);
    }

    // ---------------------------------------------------------------- VIM010 invalid component

    [Fact]
    public void VIM010_BlockWithoutVimBlockAttribute()
    {
        string source = $$"""
            using Vim.Dsl;
            namespace Sample;
            public sealed class NotABlock;
            [VisionMamba("vim_micro", {{MicroNoDState}}, Block = typeof(NotABlock))]
            public sealed partial class Micro;
            """;
        var run = GeneratorHarness.Run(source);
        var d = AssertSingleAt(run, "VIM010", source, "Block = typeof(NotABlock)");
        Assert.Contains("no [VimBlock]", d.GetMessage());
        Assert.DoesNotContain(run.Generated, g => g.HintName.Contains("Micro"));
        Snapshot.Verify(run.FormatDiagnostics(), null, Scrubbers.Settings());
    }

    [Fact]
    public void VIM010_BlockWhoseMixerLacksMambaMixer()
    {
        string source = $$"""
            using Vim.Dsl;
            namespace Sample;
            public sealed class PlainMixer;
            [VimBlock(Mixer = typeof(PlainMixer))]
            public sealed partial class BadBlock;
            [VisionMamba("vim_micro", {{MicroNoDState}}, Block = typeof(BadBlock))]
            public sealed partial class Micro;
            """;
        var run = GeneratorHarness.Run(source);
        var ds = run.Diagnostics.Where(d => d.Id == "VIM010").OrderBy(d => d.Location.SourceSpan.Start).ToList();
        Assert.Equal(2, ds.Count);
        AssertAt(ds[0], source, "Mixer = typeof(PlainMixer)"); // on the block declaration
        AssertAt(ds[1], source, "Block = typeof(BadBlock)");   // on the model that uses it
        Assert.All(ds, d => Assert.Contains("has no [MambaMixer]", d.GetMessage()));
        Assert.DoesNotContain(run.Generated, g => g.HintName.Contains("Micro") || g.HintName.Contains("BadBlock"));
        Snapshot.Verify(run.FormatDiagnostics(), null, Scrubbers.Settings());
    }

    [Fact]
    public void VIM010_BlockWithoutMixer()
    {
        string source = """
            using Vim.Dsl;
            namespace Sample;
            [VimBlock(RmsNorm = false)]
            public sealed partial class NoMixerBlock;
            """;
        var run = GeneratorHarness.Run(source);
        var d = AssertSingleAt(run, "VIM010", source, "VimBlock(RmsNorm = false)");
        Assert.Contains("does not name a Mixer", d.GetMessage());
    }

    [Fact]
    public void VIM010_NearMiss_DeclaredAndReferencedBlocks()
    {
        var run = GeneratorHarness.Run($$"""
            using Vim.Dsl;
            namespace Sample;
            [MambaMixer(DState = 4)]
            public sealed partial class SmallMixer;
            [VimBlock(Mixer = typeof(SmallMixer))]
            public sealed partial class SmallBlock;
            [VisionMamba("vim_a", {{MicroNoDState}}, Block = typeof(SmallBlock))]
            public sealed partial class A;
            [VisionMamba("vim_b", {{MicroNoDState}}, Block = typeof(Vim.Runtime.Zoo.VimBlockV2))]
            public sealed partial class B;
            """);
        AssertNone(run, "VIM010");
        Assert.Empty(run.Diagnostics);
    }

    // ---------------------------------------------------------------- VIM011 block option on a model with Block

    [Theory]
    [InlineData("RmsNorm = false")]
    [InlineData("DState = 8")]
    [InlineData("NormEpsilon = 1e-6")]
    [InlineData("BimambaType = BimambaType.V1")]
    public void VIM011_BlockOptionWithDeclaredBlock(string option)
    {
        string source = Model(MicroNoDState + ", Block = typeof(Vim.Runtime.Zoo.VimBlockV2), " + option);
        var run = GeneratorHarness.Run(source);
        var d = AssertSingleAt(run, "VIM011", source, option);
        Assert.Contains("Vim.Runtime.Zoo.VimBlockV2", d.GetMessage());
        Snapshot.Verify(run.FormatDiagnostics(), null, Scrubbers.Settings(("option", option.Split(' ')[0])));
    }

    [Fact]
    public void VIM011_NearMiss_ModelOptionsWithDeclaredBlock()
    {
        // Model-level options that are not block options may be combined with Block.
        var run = GeneratorHarness.Run(Model(MicroNoDState + ", Block = typeof(Vim.Runtime.Zoo.VimBlockV2), ClsToken = false, FinalPoolType = FinalPoolType.Mean, DropPathRate = 0.0, AbsPosEmbed = false"));
        AssertNone(run, "VIM011");
        Assert.Empty(run.Diagnostics);
    }

    // ---------------------------------------------------------------- VIM012 RoPE + middle cls (warning)

    [Fact]
    public void VIM012_RopeWithMiddleClsToken_WarnsAndStillGenerates()
    {
        string source = Model(Micro + ", Rope = true");
        var run = GeneratorHarness.Run(source);
        var d = AssertSingleAt(run, "VIM012", source, "Rope = true");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Single(run.Diagnostics);
        run.AssertOutputCompiles();
        Assert.Contains(run.Generated, g => g.HintName.Contains("Micro"));
        Snapshot.Verify(run.FormatDiagnostics(), null, Scrubbers.Settings());
    }

    [Fact]
    public void VIM012_NearMiss_RopeWithHeadClsToken()
    {
        var run = GeneratorHarness.Run(Model(Micro + ", Rope = true, UseMiddleClsToken = false"));
        AssertNone(run, "VIM012");
        Assert.Empty(run.Diagnostics);
    }

    [Fact]
    public void VIM012_CanBeSuppressedWithPragma()
    {
        var run = GeneratorHarness.Run($$"""
            using Vim.Dsl;
            namespace Sample;
            #pragma warning disable VIM012
            [VisionMamba("vim_micro", {{Micro}}, Rope = true)]
            public sealed partial class Micro;
            #pragma warning restore VIM012
            """);
        Assert.DoesNotContain(run.Diagnostics, d => d.Id == "VIM012" && !d.IsSuppressed);
    }

    // ---------------------------------------------------------------- VIM013 negative class count

    [Fact]
    public void VIM013_NegativeNumClasses()
    {
        string source = Model("ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = 32, Depth = 4, DState = 8, NumClasses = -1");
        var run = GeneratorHarness.Run(source);
        AssertSingleAt(run, "VIM013", source, "NumClasses = -1");
        Snapshot.Verify(run.FormatDiagnostics(), null, Scrubbers.Settings());
    }

    [Fact]
    public void VIM013_NearMiss_ZeroClassesMeansNoHead()
    {
        var run = GeneratorHarness.Run(Model("ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = 32, Depth = 4, DState = 8, NumClasses = 0"));
        AssertNone(run, "VIM013");
        Assert.Empty(run.Diagnostics);
    }

    // ---------------------------------------------------------------- VIM014 invalid model name

    public static TheoryData<string, string> InvalidNames => new()
    {
        { "Empty", "" },
        { "Whitespace", "   " },
        { "ContainsSpace", "vim micro" },
        { "ContainsTab", "vim\\tmicro" },
    };

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void VIM014_InvalidModelName(string variant, string name)
    {
        string source = Model(Micro, name: name);
        var run = GeneratorHarness.Run(source);
        AssertSingleAt(run, "VIM014", source, $"\"{name}\"");
        Assert.DoesNotContain(run.Generated, g => g.HintName.Contains("Micro"));
        Snapshot.Verify(run.FormatDiagnostics(), null, Scrubbers.Settings(("variant", variant)));
    }

    [Fact]
    public void VIM014_NearMiss_ValidNameWithUpperCaseAndDigits()
    {
        var run = GeneratorHarness.Run(Model(Micro, name: "Vim_Micro_Patch8_32"));
        AssertNone(run, "VIM014");
        Assert.Empty(run.Diagnostics);
    }

    // ---------------------------------------------------------------- VIM015 record instead of a class

    [Theory]
    [InlineData("[VisionMamba(\"vim_micro\", ImgSize = 32, PatchSize = 8, Stride = 8)]", "Micro")]
    [InlineData("[MambaMixer(DState = 8)]", "Micro")]
    public void VIM015_RecordDeclaration(string attribute, string name)
    {
        string source = $"using Vim.Dsl;\nnamespace Sample;\n{attribute}\npublic sealed partial record {name};";
        var run = GeneratorHarness.Run(source);
        AssertSingleAt(run, "VIM015", source, name);
        Assert.DoesNotContain(run.Generated, g => g.HintName.Contains(name));
    }

    [Fact]
    public void VIM015_NearMiss_Class()
    {
        var run = GeneratorHarness.Run(Model(Micro));
        AssertNone(run, "VIM015");
        run.AssertOutputCompiles();
    }

    // ---------------------------------------------------------------- upstream precedence (no diagnostics)

    [Fact]
    public void Precedence_DoubleClsWinsOverMiddle()
    {
        var run = GeneratorHarness.Run(Model(Micro + ", UseDoubleClsToken = true, UseMiddleClsToken = true"));
        Assert.Empty(run.Diagnostics);
        run.AssertOutputCompiles();
        string model = Assert.Single(run.Generated, g => g.HintName.Contains("Micro")).Source;
        Assert.Contains("\"cls_token_head\"", model);
        Assert.Contains("\"cls_token_tail\"", model);
        Assert.DoesNotContain("\"cls_token\"", model);
    }

    [Theory]
    [InlineData("UseMiddleClsToken = true")]
    [InlineData("UseDoubleClsToken = true")]
    [InlineData("UseDoubleClsToken = true, UseMiddleClsToken = true")]
    public void Precedence_PlacementFlagsWithoutClsTokenDoNothing(string flags)
    {
        var run = GeneratorHarness.Run(Model(Micro + ", ClsToken = false, " + flags));
        Assert.Empty(run.Diagnostics);
        run.AssertOutputCompiles();
        string model = Assert.Single(run.Generated, g => g.HintName.Contains("Micro")).Source;
        Assert.DoesNotContain("cls_token", model);
        // Identical to the model without the flags.
        var plain = GeneratorHarness.Run(Model(Micro + ", ClsToken = false"));
        Assert.Equal(Assert.Single(plain.Generated, g => g.HintName.Contains("Micro")).Source, model);
    }

    // ---------------------------------------------------------------- every ID is covered

    // ---------------------------------------------------------------- VIM016 undefined enum value

    [Theory]
    [InlineData("BimambaType = (BimambaType)99", "BimambaType", "BimambaType.None, BimambaType.V1, BimambaType.V2")]
    [InlineData("FinalPoolType = (FinalPoolType)7", "FinalPoolType", "FinalPoolType.None")]
    public void VIM016_UndefinedEnumValue(string option, string name, string members)
    {
        string source = Model(Micro + ", " + option);
        var run = GeneratorHarness.Run(source);
        var d = AssertSingleAt(run, "VIM016", source, option);
        Assert.Contains($"{name} = ", d.GetMessage());
        Assert.Contains(members, d.GetMessage());
        Assert.DoesNotContain(run.Generated, g => g.HintName.Contains("Micro"));
    }

    [Fact]
    public void VIM016_InADeclaredMixer_IsNamedByTheModelsBlock()
    {
        string source = """
            using Vim.Dsl;
            namespace Sample;
            [MambaMixer(BimambaType = (BimambaType)5)] public sealed partial class Mx;
            [VimBlock(Mixer = typeof(Mx))] public sealed partial class Bk;
            [VisionMamba("vim_micro", ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = 32, Depth = 4, NumClasses = 10, Block = typeof(Bk))]
            public sealed partial class Micro;
            """;
        var run = GeneratorHarness.Run(source);
        // Reported where the block is declared and where the model names it.
        var ds = run.Diagnostics.Where(d => d.Id == "VIM010").ToList();
        Assert.Equal(2, ds.Count);
        Assert.All(ds, d => Assert.Contains("BimambaType = 5 is not a defined BimambaType value", d.GetMessage()));
    }

    [Fact]
    public void VIM016_NearMiss_DefinedValues()
    {
        var run = GeneratorHarness.Run(Model(Micro + ", BimambaType = (BimambaType)2, FinalPoolType = FinalPoolType.Mean"));
        AssertNone(run, "VIM016");
        Assert.Empty(run.Diagnostics);
    }

    // ---------------------------------------------------------------- VIM017 option out of range

    public static TheoryData<string, string, string> OutOfRange => new()
    {
        { "CropPct = 0", "CropPct = 0", "CropPct must be above 0 and at most 1, got 0" },
        { "CropPct = double.NaN", "CropPct = double.NaN", "CropPct must be above 0 and at most 1, got NaN" },
        { "Std = new[] { 0.5, 0.0, 0.5 }", "Std = new[] { 0.5, 0.0, 0.5 }", "Std[1] must be positive and finite, got 0" },
        { "Mean = new[] { 0.5, 0.5 }", "Mean = new[] { 0.5, 0.5 }", "Mean must be one value per input channel (3), got 2 values" },
        { "DropPathRate = 2", "DropPathRate = 2", "DropPathRate must be at least 0 and below 1, got 2" },
        { "DropRate = -0.1", "DropRate = -0.1", "DropRate must be at least 0 and below 1, got -0.1" },
        { "InitLayerScale = double.PositiveInfinity", "InitLayerScale = double.PositiveInfinity", "InitLayerScale must be finite" },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void VIM017_OptionOutOfRange(string option, string located, string message)
    {
        string source = Model(Micro + ", " + option);
        var run = GeneratorHarness.Run(source);
        var d = AssertSingleAt(run, "VIM017", source, located);
        Assert.Contains(message, d.GetMessage());
    }

    [Fact]
    public void VIM017_NearMiss_EdgesOfTheRanges()
    {
        var run = GeneratorHarness.Run(Model(Micro + ", CropPct = 1.0, DropPathRate = 0.0, DropRate = 0.99, Mean = new[] { 0.0, -1.0, 2.0 }, Std = new[] { 1e-6, 1.0, 100.0 }"));
        AssertNone(run, "VIM017");
        Assert.Empty(run.Diagnostics);
    }

    // ---------------------------------------------------------------- VIM018 size too large

    [Theory]
    [InlineData("EmbedDim = int.MaxValue", "EmbedDim = int.MaxValue")]
    [InlineData("Depth = 100000", "Depth = 100000")]
    [InlineData("NumClasses = int.MaxValue", "NumClasses = int.MaxValue")]
    public void VIM018_SizeTooLarge(string option, string located)
    {
        string options = Micro.Replace("EmbedDim = 32, ", "").Replace("Depth = 4, ", "").Replace(", NumClasses = 10", "");
        string source = Model(options + ", " + option + (option.StartsWith("EmbedDim") ? "" : ", EmbedDim = 32") + (option.StartsWith("Depth") ? "" : ", Depth = 4"));
        var run = GeneratorHarness.Run(source);
        var d = AssertSingleAt(run, "VIM018", source, located);
        Assert.Contains("is too large: at most", d.GetMessage());
        Assert.DoesNotContain(run.Generated, g => g.HintName.Contains("Micro"));
    }

    [Fact]
    public void VIM018_NearMiss_LargeButSane()
    {
        var run = GeneratorHarness.Run(Model("ImgSize = 1024, PatchSize = 16, Stride = 16, EmbedDim = 4096, Depth = 64, DState = 16, NumClasses = 21843"));
        AssertNone(run, "VIM018");
        Assert.Empty(run.Diagnostics);
    }

    // ---------------------------------------------------------------- VIM019 generic / static / abstract

    [Theory]
    [InlineData("public sealed partial class Micro<T>;", "Micro", "generic")]
    [InlineData("public static partial class Micro;", "Micro", "static")]
    [InlineData("public abstract partial class Micro;", "Micro", "abstract")]
    [InlineData("public partial class Outer<T> { [VisionMamba(\"vim_inner\", ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = 32, Depth = 4, DState = 8)] public sealed partial class Inner; }", "Inner", "nested in the generic type 'Outer'")]
    public void VIM019_UnsupportedTypeKind(string declaration, string located, string kind)
    {
        string source = declaration.Contains("Outer")
            ? "using Vim.Dsl;\nnamespace Sample;\n" + declaration
            : $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_micro\", {Micro})]\n{declaration}";
        var run = GeneratorHarness.Run(source);
        var d = AssertSingleAt(run, "VIM019", source, located);
        Assert.Contains($"is {kind}", d.GetMessage());
        Assert.DoesNotContain(run.Diagnostics, x => x.Id.StartsWith("CS8785", StringComparison.Ordinal));
    }

    [Fact]
    public void VIM019_NearMiss_SealedAndPlainClasses()
    {
        AssertNone(GeneratorHarness.Run(Model(Micro, modifiers: "public partial")), "VIM019");
        AssertNone(GeneratorHarness.Run(Model(Micro, modifiers: "internal sealed partial")), "VIM019");
    }

    /// <summary>A class named with a keyword (<c>@event</c>): the generated code declares and names it with the @.</summary>
    [Fact]
    public void KeywordNamedClass_GeneratesCompilingCode()
    {
        var run = GeneratorHarness.Run($"using Vim.Dsl;\nnamespace Sample.@class;\n[VisionMamba(\"vim_event\", {Micro})]\npublic sealed partial class @event;");
        Assert.Empty(run.Diagnostics);
        run.AssertOutputCompiles();
        Assert.Contains(run.Generated, g => g.Source.Contains("partial class @event"));
    }

    [Fact]
    public void EveryDescriptorIsCoveredByATest()
    {
        var ids = typeof(Vim.Generators.Diagnostics.DiagnosticDescriptors)
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => ((DiagnosticDescriptor)f.GetValue(null)!).Id)
            .ToList();
        var tests = typeof(DiagnosticTests).GetMethods().Select(m => m.Name).ToList();
        Assert.Equal(19, ids.Count);
        Assert.All(ids, id => Assert.Contains(tests, t => t.StartsWith(id + "_", StringComparison.Ordinal) && !t.Contains("NearMiss")));
        Assert.All(ids, id => Assert.Contains(tests, t => t.StartsWith(id + "_NearMiss", StringComparison.Ordinal)));
    }
}
