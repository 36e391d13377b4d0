using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Vim.Generators.Tests.Infrastructure;
using Vim.Testing;

namespace Vim.Generators.Tests;

/// <summary>
/// Declared VMamba blocks: [VssBlock] with its [SS2D] mixer and [VMambaMlp] generate their own specialised classes, a
/// [VMamba] model with Block = typeof(…) instantiates that class (read from source or from Vim.Runtime's zoo), and
/// the declaration errors VIM010 (not a VSS block) and VIM026 (a block option also set on the model).
/// </summary>
public class VMambaBlockGeneratorTests
{
    private const string Micro = "Depths = [1, 1, 2, 1], Dim = 8, NumClasses = 10, ImgSize = 64";

    private const string Components = """
        [SS2D(SsmDState = 4, SsmRatio = 1.5, SsmConv = 5, ForwardType = "v05_oncnorm")]
        public sealed partial class GatedMixer;
        [VMambaMlp(MlpRatio = 2.0, Gmlp = true)]
        public sealed partial class GatedMlp;
        [VssBlock(Mixer = typeof(GatedMixer), Mlp = typeof(GatedMlp), NormLayer = NormLayer.Ln2d)]
        public sealed partial class GatedBlock;
        [SS2D(SsmDState = 1, SsmConvBias = false, ForwardType = "v05_noz")]
        public sealed partial class NozMixer;
        [VssBlock(Mixer = typeof(NozMixer))]
        public sealed partial class NozBlock;
        """;

    private static string Source(string body) => $"using Vim.Dsl;\nnamespace Sample;\n{body}\n";

    private static string Model(string options, string name = "vmamba_micro", string type = "Micro") =>
        $"[VMamba(\"{name}\", {options})]\npublic sealed partial class {type};";

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

    private static void AssertSingleAt(GeneratorRun run, string id, string source, string expectedText, string? messagePart = null)
    {
        var matching = run.Diagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"expected one {id}, got:\n{run.FormatDiagnostics()}");
        var span = matching[0].Location.SourceSpan;
        Assert.Equal(expectedText, source.Substring(span.Start, span.Length));
        if (messagePart is not null) Assert.Contains(messagePart, matching[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void DeclaredBlock_GeneratesSpecialisedClassesAndTheModelUsesThem()
    {
        var run = Run(Source(Components + "\n" + Model($"{Micro}, Block = typeof(GatedBlock), DownsampleVersion = DownsampleVersion.V3", "vmamba_micro_gated", "MicroGated")
            + "\n" + Model($"{Micro}, Block = typeof(NozBlock)", "vmamba_micro_noz", "MicroNoz")));
        Assert.Empty(run.Diagnostics);
        run.AssertOutputCompiles();
        Assert.Contains(run.Generated, g => g.HintName == "Sample.MicroGated.g.cs" && g.Source.Contains("new global::Sample.GatedBlock(Dims[i], parameterDevice)", StringComparison.Ordinal));
        Snapshot.Verify(run.FormatDiagnostics(), run.Generated, Scrubbers.Settings());
    }

    [Fact]
    public void SS2DAttribute_StaysUsableBesideTheRuntimeSS2DModule()
    {
        // [SS2D] binds to Vim.Dsl.SS2DAttribute even where the runtime's SS2D module class is also imported.
        var run = Run("using Vim.Dsl;\nusing Vim.Runtime.Modules.VMamba;\nnamespace Sample;\n" + Components + "\n" + Model($"{Micro}, Block = typeof(NozBlock)"));
        Assert.Empty(run.Diagnostics);
        run.AssertOutputCompiles();
        Assert.Contains(run.Generated, g => g.HintName == "Sample.NozMixer.g.cs");
    }

    [Fact]
    public void ZooBlock_IsReadFromTheRuntimeAssembly()
    {
        // VMambaV2NozBlock, its mixer and MLP are declared in Vim.Runtime: the generator reads their attributes from metadata.
        string source = Source(Model("Depths = [2, 2, 5, 2], Dim = 96, Block = typeof(Vim.Runtime.Zoo.VMambaV2NozBlock), DownsampleVersion = DownsampleVersion.V3, PatchEmbedVersion = PatchEmbedVersion.V2",
            "my_vmamba_tiny", "MyTiny"));
        var run = Run(source);
        Assert.Empty(run.Diagnostics);
        run.AssertOutputCompiles();
        var model = Assert.Single(run.Generated, g => g.HintName == "Sample.MyTiny.g.cs").Source;
        Assert.Contains("new global::Vim.Runtime.Zoo.VMambaV2NozBlock(Dims[i], parameterDevice)", model, StringComparison.Ordinal);
        // The released vmambav2 tiny parameter count (spec §10), from the zoo block's options.
        Assert.Contains("parameterCount: 30705832", model, StringComparison.Ordinal);
        Assert.Contains("norm ln2d (channel-first)", model, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Generated, g => g.HintName.Contains("VMambaV2Noz", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("public sealed class Plain;", "it has no [VssBlock] attribute")]
    [InlineData("[VimBlock(Mixer = typeof(VimMixer))] public sealed partial class Plain;\n[MambaMixer] public sealed partial class VimMixer;", "it is declared with [VimBlock]")]
    [InlineData("[SS2D(ForwardType = \"v05_noz\")] public sealed partial class Plain;", "it has no [VssBlock] attribute")]
    [InlineData("[VssBlock] public sealed partial class Plain;", "does not name a Mixer type")]
    [InlineData("[VssBlock(Mixer = typeof(VimMixer))] public sealed partial class Plain;\n[MambaMixer] public sealed partial class VimMixer;", "is a [MambaMixer] (Vim)")]
    [InlineData("[VssBlock(Mixer = typeof(M), Mlp = typeof(M))] public sealed partial class Plain;\n[SS2D(ForwardType = \"v05\")] public sealed partial class M;", "has no [VMambaMlp] attribute")]
    public void VIM010_BlockIsNotAVssBlock(string declarations, string why)
    {
        string source = Source(declarations + "\n" + Model($"{Micro}, Block = typeof(Plain)"));
        var run = Run(source);
        // Exactly one VIM010 where the model names the block (an invalid [VssBlock] declaration also gets its own).
        var atModel = run.Diagnostics.Where(d => d.Id == "VIM010" && source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length) == "Block = typeof(Plain)").ToList();
        Assert.True(atModel.Count == 1, run.FormatDiagnostics());
        Assert.Contains(why, atModel[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.DoesNotContain(run.Generated, g => g.HintName == "Sample.Micro.g.cs");
    }

    [Fact]
    public void VIM010_OnTheBlockDeclaration()
    {
        string source = Source("[VssBlock(Mixer = typeof(Other))] public sealed partial class Bad;\npublic sealed class Other;");
        AssertSingleAt(Run(source), "VIM010", source, "Mixer = typeof(Other)", "has no [SS2D] attribute");
    }

    [Theory]
    [InlineData("ForwardType = \"v05_noz\"")]
    [InlineData("SsmDState = 1")]
    [InlineData("SsmRatio = 1.0")]
    [InlineData("MlpRatio = 4.0")]
    [InlineData("Gmlp = true")]
    [InlineData("NormLayer = NormLayer.Ln2d")]
    public void VIM026_BlockOptionOnTheModel(string option)
    {
        string source = Source(Components + "\n" + Model($"{Micro}, Block = typeof(NozBlock), {option}"));
        var run = Run(source);
        AssertSingleAt(run, "VIM026", source, option, "Sample.NozBlock");
        Assert.DoesNotContain(run.Generated, g => g.HintName == "Sample.Micro.g.cs");
        // The model's own options (not the block's) stay allowed.
        var clean = Run(Source(Components + "\n" + Model($"{Micro}, Block = typeof(NozBlock), PatchNorm = false, DropPathRate = 0.3, PosEmbed = true")));
        Assert.Empty(clean.Diagnostics);
        clean.AssertOutputCompiles();
    }

    [Fact]
    public void InvalidMixer_IsReportedOnTheMixerAndWhereTheModelNamesTheBlock()
    {
        string source = Source("""
            [SS2D(ForwardType = "v9")] public sealed partial class BadMixer;
            [VssBlock(Mixer = typeof(BadMixer))] public sealed partial class BadBlock;
            """ + "\n" + Model($"{Micro}, Block = typeof(BadBlock)"));
        var run = Run(source);
        var at = run.Diagnostics.Where(d => d.Id == "VIM022").Select(d => source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["Block = typeof(BadBlock)", "ForwardType = \"v9\""], at);
    }

    [Fact]
    public void V0MixerWithLn2dBlock_IsNotPorted()
    {
        string source = Source("""
            [SS2D(ForwardType = "v0")] public sealed partial class V0Mixer;
            [VssBlock(Mixer = typeof(V0Mixer), NormLayer = NormLayer.Ln2d)] public sealed partial class V0Block;
            """ + "\n" + Model($"{Micro}, Block = typeof(V0Block)"));
        AssertSingleAt(Run(source), "VIM024", source, "Block = typeof(V0Block)");
    }

    [Fact]
    public void VIM001_ComponentsNotPartial()
    {
        var run = Run(Source("""
            [SS2D(ForwardType = "v05")] public sealed class M;
            [VMambaMlp] public sealed class P;
            [VssBlock(Mixer = typeof(M), Mlp = typeof(P))] public sealed class B;
            """));
        Assert.Equal(3, run.Diagnostics.Count(d => d.Id == "VIM001"));
        Assert.Empty(run.Generated);
    }
}
