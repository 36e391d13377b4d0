using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Vim.Generators.Tests.Infrastructure;
using Vim.Testing;

namespace Vim.Generators.Tests;

/// <summary>The VMamba generator end to end: generated source snapshotted for two configurations, and its diagnostics VIM020–VIM025.</summary>
public class VMambaGeneratorTests
{
    private const string Micro = "Depths = [1, 1, 2, 1], Dim = 8, NumClasses = 10, ImgSize = 64";

    private static string Model(string options, string name = "vmamba_micro", string type = "Micro") => $$"""
        using Vim.Dsl;
        namespace Sample;
        [VMamba("{{name}}", {{options}})]
        public sealed partial class {{type}};
        """;

    /// <summary>Runs the VMamba generator (only) once and compiles its output.</summary>
    private static GeneratorRun Run(params string[] sources)
    {
        var compilation = GeneratorHarness.Compile(sources);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new VMambaGenerator().AsSourceGenerator()],
            parseOptions: GeneratorHarness.ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var result = driver.GetRunResult();
        var generated = result.Results.SelectMany(r => r.GeneratedSources)
            .Select(s => (s.HintName, Source: s.SourceText.ToString()))
            .OrderBy(s => s.HintName, StringComparer.Ordinal)
            .ToList();
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        return new GeneratorRun(generated, diagnostics, errors, result);
    }

    private static void AssertSingleAt(GeneratorRun run, string id, string source, string expectedText)
    {
        var matching = run.Diagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"expected one {id}, got:\n{run.FormatDiagnostics()}");
        var span = matching[0].Location.SourceSpan;
        Assert.Equal(expectedText, source.Substring(span.Start, span.Length));
    }

    private static void AssertNone(GeneratorRun run, string id)
    {
        Assert.True(run.Diagnostics.All(d => d.Id != id), $"unexpected {id}:\n{run.FormatDiagnostics()}");
        run.AssertOutputCompiles();
    }

    /// <summary>Casts to undefined enum values crashed the generator (CS8785); now each is VIM016 at its argument.</summary>
    [Theory]
    [InlineData("NormLayer = (NormLayer)99", "NormLayer")]
    [InlineData("SsmActLayer = (ActLayer)99", "ActLayer")]
    [InlineData("DownsampleVersion = (DownsampleVersion)99", "DownsampleVersion")]
    [InlineData("MlpActLayer = (ActLayer)42", "ActLayer")]
    public void UndefinedEnumValues_AreVIM016_NotACrash(string option, string enumName)
    {
        string source = Model($"{Micro}, ForwardType = \"v05_noz\", {option}");
        var run = Run(source);
        Assert.All(run.Result.Results, r => Assert.Null(r.Exception));
        AssertSingleAt(run, "VIM016", source, option);
        Assert.Contains($"is not a defined {enumName} value", run.Diagnostics.Single(d => d.Id == "VIM016").GetMessage());
    }

    [Theory]
    [InlineData("SsmRatio = double.NaN", "VIM017", "SsmRatio must be between 0 (no SSM branch, as upstream) and 64, got NaN")]
    [InlineData("MlpRatio = -1.0", "VIM017", "MlpRatio must be between 0 (no MLP) and 64, got -1")]
    [InlineData("CropPct = 1.5", "VIM017", "CropPct must be above 0 and at most 1, got 1.5")]
    [InlineData("Std = new[] { 0.2, 0.2, double.NaN }", "VIM017", "Std[2] must be positive and finite, got NaN")]
    [InlineData("DropPathRate = 1.0", "VIM017", "DropPathRate must be at least 0 and below 1, got 1")]
    [InlineData("SsmConv = -3", "VIM003", "SsmConv (0 or 1: no depthwise conv, as upstream) must be positive, got -3")]
    [InlineData("SsmDState = int.MaxValue", "VIM018", "SsmDState = 2147483647 is too large: at most 4096")]
    [InlineData("ImgSize = 1000000", "VIM018", "ImgSize = 1000000 is too large: at most 32768")]
    public void OutOfRangeOptions_AreReportedAtTheirArgument(string option, string id, string message)
    {
        string source = Model($"{Micro.Replace(", ImgSize = 64", "")}, ForwardType = \"v05_noz\", {option}" + (option.StartsWith("ImgSize") ? "" : ", ImgSize = 64"));
        var run = Run(source);
        AssertSingleAt(run, id, source, option);
        Assert.Contains(message, run.Diagnostics.Single(d => d.Id == id).GetMessage());
    }

    [Fact]
    public void HugeDim_IsVIM018_WithoutOverflowingTheStageWidths()
    {
        string source = Model("Depths = [1, 1, 2, 1], Dim = int.MaxValue, NumClasses = 10, ImgSize = 64, ForwardType = \"v05_noz\"");
        var run = Run(source);
        AssertSingleAt(run, "VIM018", source, "Dim = int.MaxValue");
        Assert.DoesNotContain(run.Diagnostics, d => d.Id == "VIM003");
    }

    [Fact]
    public void RangeEdges_AreAccepted()
    {
        var run = Run(Model($"{Micro}, ForwardType = \"v05_noz\", SsmConv = 1, MlpRatio = 0.0, CropPct = 1.0, DropPathRate = 0.0"));
        AssertNone(run, "VIM017");
        Assert.Empty(run.Diagnostics);
    }

    public static TheoryData<string, string> Variants => new()
    {
        { "V2Ln2d", "SsmDState = 1, SsmConvBias = false, ForwardType = \"v05_noz\", NormLayer = NormLayer.Ln2d, DownsampleVersion = DownsampleVersion.V3, PatchEmbedVersion = PatchEmbedVersion.V2" },
        { "V0", "ForwardType = \"v0\", MlpRatio = 0.0, DownsampleVersion = DownsampleVersion.V1" },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Variant_GeneratesCompilingSource(string variant, string options)
    {
        var run = Run(Model($"{Micro}, {options}", "vmamba_micro_" + variant.ToLowerInvariant(), "Micro" + variant));
        run.AssertOutputCompiles();
        Snapshot.Verify(run.FormatDiagnostics(), run.Generated, Scrubbers.Settings(("variant", variant)));
    }

    [Fact]
    public void VIM020_DepthsDimsMismatch()
    {
        string source = Model("Depths = [2, 2, 9, 2], Dims = [96, 192, 384], ForwardType = \"v05_noz\"");
        AssertSingleAt(Run(source), "VIM020", source, "Dims = [96, 192, 384]");
        AssertNone(Run(Model("Depths = [2, 2, 9], Dims = [96, 192, 384], ForwardType = \"v05_noz\"")), "VIM020");
    }

    [Fact]
    public void VIM021_EmptyDepths()
    {
        string source = Model("Depths = [], Dims = [], ForwardType = \"v05_noz\"");
        AssertSingleAt(Run(source), "VIM021", source, "Depths = []");
        AssertNone(Run(Model("Depths = [1], Dims = [8], ForwardType = \"v05_noz\"")), "VIM021");
    }

    [Theory]
    [InlineData("v9")]
    [InlineData("v05_noz_onsoftmax")]
    [InlineData("v0_noz")]
    public void VIM022_UnknownForwardType(string forwardType)
    {
        string source = Model($"{Micro}, ForwardType = \"{forwardType}\"");
        AssertSingleAt(Run(source), "VIM022", source, $"ForwardType = \"{forwardType}\"");
        AssertNone(Run(Model($"{Micro}, ForwardType = \"v05_onsoftmax_noz\"")), "VIM022");
    }

    [Theory]
    [InlineData("", "Depths = [1, 1, 2, 1]")]        // the default forward type "v2"
    [InlineData("ForwardType = \"xv1a\"", "ForwardType = \"xv1a\"")]
    [InlineData("ForwardType = \"m0_noz\"", "ForwardType = \"m0_noz\"")]
    [InlineData("ForwardType = \"v052dc_noz\"", "ForwardType = \"v052dc_noz\"")]
    [InlineData("ForwardType = \"v05_noz\", DownsampleVersion = DownsampleVersion.None", "DownsampleVersion = DownsampleVersion.None")]
    [InlineData("ForwardType = \"v05_noz\", PosEmbed = true, ImgSize = 66", "ImgSize = 66")]
    public void VIM023_BrokenUpstream(string options, string culprit)
    {
        string source = Model("Depths = [1, 1, 2, 1], Dim = 8" + (options.Length > 0 ? ", " + options : ""));
        var run = Run(source);
        if (options.Length == 0)
        {
            // No ForwardType written: the diagnostic sits on the attribute.
            Assert.Single(run.Diagnostics, d => d.Id == "VIM023");
        }
        else
        {
            AssertSingleAt(run, "VIM023", source, culprit);
        }
        AssertNone(Run(Model("Depths = [1, 1, 2, 1], Dim = 8, ForwardType = \"v05_noz\", PosEmbed = true, ImgSize = 64")), "VIM023");
    }

    [Fact]
    public void VIM024_NotPorted()
    {
        string source = Model($"{Micro}, ForwardType = \"v05_noz\", NormLayer = NormLayer.Bn");
        AssertSingleAt(Run(source), "VIM024", source, "NormLayer = NormLayer.Bn");
        string v0 = Model($"{Micro}, ForwardType = \"v0\", NormLayer = NormLayer.Ln2d");
        AssertSingleAt(Run(v0), "VIM024", v0, "NormLayer = NormLayer.Ln2d");
        AssertNone(Run(Model($"{Micro}, ForwardType = \"v05\", NormLayer = NormLayer.Ln2d")), "VIM024");
    }

    [Fact]
    public void VIM025_DimAndDims()
    {
        string source = Model("Depths = [1, 1], Dim = 8, Dims = [8, 16], ForwardType = \"v05_noz\"");
        AssertSingleAt(Run(source), "VIM025", source, "Dim = 8");
        AssertNone(Run(Model("Depths = [1, 1], Dims = [8, 16], ForwardType = \"v05_noz\"")), "VIM025");
    }

    [Fact]
    public void NonPositiveDepth_ReportsVIM003()
    {
        string source = Model("Depths = [1, 0], Dim = 8, ForwardType = \"v05_noz\"");
        AssertSingleAt(Run(source), "VIM003", source, "Depths = [1, 0]");
    }

    [Fact]
    public void DuplicateName_ReportsVIM002()
    {
        var run = Run(Model($"{Micro}, ForwardType = \"v0\"", "vmamba_same", "A"), Model($"{Micro}, ForwardType = \"v0\"", "VMAMBA_SAME", "B"));
        Assert.Single(run.Diagnostics, d => d.Id == "VIM002");
    }
}
