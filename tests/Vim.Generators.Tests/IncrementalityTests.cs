using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Vim.Generators.Tests.Infrastructure;

namespace Vim.Generators.Tests;

/// <summary>Each tracked pipeline stage is cached when its inputs did not change, and re-runs exactly when they did.</summary>
public class IncrementalityTests
{
    private static readonly string[] AllSteps =
    [
        TrackingNames.Parse, TrackingNames.BuildGraph, TrackingNames.Diagnostics, TrackingNames.Output,
        TrackingNames.Catalog, TrackingNames.Names, TrackingNames.ParseBlock, TrackingNames.ParseMixer,
    ];

    private const string ModelSource = """
        using Vim.Dsl;
        namespace Sample;
        [VisionMamba("vim_micro", ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = 32, Depth = 4, DState = 8, NumClasses = 10, UseMiddleClsToken = false)]
        public sealed partial class Micro;
        """;

    private const string OtherModelSource = """
        using Vim.Dsl;
        namespace Sample;
        [VisionMamba("vim_other", ImgSize = 16, PatchSize = 8, Stride = 8, EmbedDim = 16, Depth = 2, DState = 4, NumClasses = 3)]
        public sealed partial class Other;
        """;

    private const string ComponentSource = """
        using Vim.Dsl;
        namespace Sample;
        [MambaMixer(DState = 4, BimambaType = BimambaType.V2)]
        public sealed partial class SmallMixer;
        [VimBlock(Mixer = typeof(SmallMixer), RmsNorm = true)]
        public sealed partial class SmallBlock;
        """;

    private const string BlockModelSource = """
        using Vim.Dsl;
        namespace Sample;
        [VisionMamba("vim_block_model", ImgSize = 16, PatchSize = 4, Stride = 4, EmbedDim = 16, Depth = 2, NumClasses = 3, Block = typeof(SmallBlock))]
        public sealed partial class BlockModel;
        """;

    /// <summary>Generates a warning (VIM012) but still generates source.</summary>
    private const string WarningModelSource = """
        using Vim.Dsl;
        namespace Sample;
        [VisionMamba("vim_rope_mid", ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = 32, Depth = 4, DState = 8, NumClasses = 10, Rope = true)]
        public sealed partial class RopeMid;
        """;

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun(params string[] sources)
    {
        var compilation = GeneratorHarness.Compile(sources);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation, TestContext.Current.CancellationToken);
        var first = driver.GetRunResult();
        Assert.All(first.Results, r => Assert.Null(r.Exception));
        return (driver, compilation);
    }

    private static GeneratorRunResult Rerun(ref GeneratorDriver driver, Compilation compilation)
    {
        driver = driver.RunGenerators(compilation, TestContext.Current.CancellationToken);
        var result = driver.GetRunResult().Results[0];
        Assert.Null(result.Exception);
        return result;
    }

    private static IReadOnlyList<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps.TryGetValue(step, out var steps) ? steps.SelectMany(s => s.Outputs).Select(o => o.Reason).ToList() : [];

    private static void AssertCached(GeneratorRunResult result, params string[] steps)
    {
        foreach (string step in steps)
        {
            var reasons = Reasons(result, step);
            Assert.True(reasons.All(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged),
                $"{step}: [{string.Join(", ", reasons)}]");
        }
    }

    private static void AssertHas(GeneratorRunResult result, string step, IncrementalStepRunReason reason) =>
        Assert.True(Reasons(result, step).Contains(reason), $"{step} has no {reason}: [{string.Join(", ", Reasons(result, step))}]");

    private static CSharpCompilation Replace(CSharpCompilation compilation, int index, string newText)
    {
        var old = compilation.SyntaxTrees.ElementAt(index);
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(newText, GeneratorHarness.ParseOptions, old.FilePath, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public void SecondRunOnClone_EveryStepCached()
    {
        var (driver, compilation) = FirstRun(ModelSource, OtherModelSource, ComponentSource, BlockModelSource, WarningModelSource);
        var result = Rerun(ref driver, compilation.Clone());
        // Every stage ran at all, so "cached" is not vacuous.
        Assert.All(AllSteps, step => Assert.NotEmpty(Reasons(result, step)));
        AssertCached(result, AllSteps);
    }

    [Fact]
    public void AddedComment_DoesNotRegenerate()
    {
        var (driver, compilation) = FirstRun(ModelSource, OtherModelSource, ComponentSource, BlockModelSource);
        var changed = Replace(compilation, 0, "// a comment\n\n" + ModelSource.Replace("public sealed", "/* here */ public  sealed"));
        var result = Rerun(ref driver, changed);
        AssertCached(result, TrackingNames.Output, TrackingNames.Catalog, TrackingNames.ParseBlock, TrackingNames.ParseMixer);
        Assert.NotEmpty(Reasons(result, TrackingNames.Output));
    }

    [Fact]
    public void AddedCommentAtEnd_EveryStepCached()
    {
        // Nothing moves: even the locations carried by the parse stage are equal.
        var (driver, compilation) = FirstRun(ModelSource, ComponentSource, BlockModelSource);
        var result = Rerun(ref driver, Replace(compilation, 0, ModelSource + "\n// trailing comment\n"));
        AssertCached(result, AllSteps);
    }

    [Fact]
    public void UnrelatedTypeAdded_DoesNotRegenerate()
    {
        var (driver, compilation) = FirstRun(ModelSource, OtherModelSource, ComponentSource, BlockModelSource);
        var changed = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace Sample; public sealed class Unrelated { public int X => 1; }", GeneratorHarness.ParseOptions, "Unrelated.cs", cancellationToken: TestContext.Current.CancellationToken));
        var result = Rerun(ref driver, changed);
        AssertCached(result, AllSteps);
    }

    [Fact]
    public void UnrelatedTypeEdited_DoesNotRegenerate()
    {
        const string unrelated = "namespace Sample; public sealed class Unrelated { public int X => 1; }";
        var (driver, compilation) = FirstRun(ModelSource, ComponentSource, BlockModelSource, unrelated);
        var result = Rerun(ref driver, Replace(compilation, 3, unrelated.Replace("1;", "2; public int Y => 3;")));
        AssertCached(result, AllSteps);
    }

    [Fact]
    public void ModelOptionChanged_Regenerates()
    {
        var (driver, compilation) = FirstRun(ModelSource, OtherModelSource);
        var result = Rerun(ref driver, Replace(compilation, 0, ModelSource.Replace("Depth = 4", "Depth = 6")));
        AssertHas(result, TrackingNames.Output, IncrementalStepRunReason.Modified);
        // Only the edited model: the other one stays cached.
        Assert.Single(Reasons(result, TrackingNames.Output), r => r == IncrementalStepRunReason.Modified);
        // The catalog only registers types by name, so a depth change leaves it alone.
        AssertCached(result, TrackingNames.Catalog, TrackingNames.Names);
        var generated = driver.GetRunResult().Results[0].GeneratedSources.Single(s => s.HintName.Contains("Micro")).SourceText.ToString();
        Assert.Contains("6", generated);
    }

    [Fact]
    public void ModelRenamed_UpdatesCatalogAndModel()
    {
        var (driver, compilation) = FirstRun(ModelSource, OtherModelSource);
        var result = Rerun(ref driver, Replace(compilation, 0, ModelSource.Replace("\"vim_micro\"", "\"vim_micro2\"")));
        AssertHas(result, TrackingNames.Catalog, IncrementalStepRunReason.Modified);
        AssertHas(result, TrackingNames.Output, IncrementalStepRunReason.Modified);
        var model = driver.GetRunResult().Results[0].GeneratedSources.Single(s => s.HintName.Contains("Micro")).SourceText.ToString();
        Assert.Contains("\"vim_micro2\"", model);
    }

    [Fact]
    public void BlockDeclarationChanged_Regenerates()
    {
        var (driver, compilation) = FirstRun(ComponentSource, BlockModelSource, ModelSource);
        var result = Rerun(ref driver, Replace(compilation, 0, ComponentSource.Replace("RmsNorm = true", "RmsNorm = false")));
        AssertHas(result, TrackingNames.ParseBlock, IncrementalStepRunReason.Modified);
        // The model that names the block (declared in another file) is regenerated ...
        AssertHas(result, TrackingNames.Output, IncrementalStepRunReason.Modified);
        Assert.Single(Reasons(result, TrackingNames.Output), r => r == IncrementalStepRunReason.Modified);
        // ... and the mixer, which did not change, is not.
        AssertCached(result, TrackingNames.ParseMixer);
    }

    [Fact]
    public void MixerDeclarationChanged_RegeneratesTheModelThatUsesItsBlock()
    {
        var (driver, compilation) = FirstRun(ComponentSource, BlockModelSource);
        var result = Rerun(ref driver, Replace(compilation, 0, ComponentSource.Replace("DState = 4", "DState = 6")));
        AssertHas(result, TrackingNames.ParseMixer, IncrementalStepRunReason.Modified);
        AssertHas(result, TrackingNames.ParseBlock, IncrementalStepRunReason.Modified);
        AssertHas(result, TrackingNames.Output, IncrementalStepRunReason.Modified);
    }

    [Fact]
    public void DeclarationMoved_ReReportsDiagnosticsWithoutRegenerating()
    {
        var (driver, compilation) = FirstRun(WarningModelSource, OtherModelSource);
        var before = driver.GetRunResult().Diagnostics.Single(d => d.Id == "VIM012");
        var result = Rerun(ref driver, Replace(compilation, 0, "\n\n\n" + WarningModelSource));
        AssertHas(result, TrackingNames.Diagnostics, IncrementalStepRunReason.Modified);
        AssertCached(result, TrackingNames.Output, TrackingNames.Catalog);
        Assert.NotEmpty(Reasons(result, TrackingNames.Output));
        var after = driver.GetRunResult().Diagnostics.Single(d => d.Id == "VIM012");
        Assert.Equal(before.Location.GetLineSpan().StartLinePosition.Line + 3, after.Location.GetLineSpan().StartLinePosition.Line);
    }

    [Fact]
    public void ErrorFixed_GeneratesAndClearsTheDiagnostic()
    {
        string invalid = ModelSource.Replace("Depth = 4", "Depth = 0");
        var (driver, compilation) = FirstRun(invalid);
        Assert.Contains(driver.GetRunResult().Diagnostics, d => d.Id == "VIM003");
        Assert.DoesNotContain(driver.GetRunResult().GeneratedTrees, t => t.FilePath.Contains("Micro"));
        var result = Rerun(ref driver, Replace(compilation, 0, ModelSource));
        Assert.DoesNotContain(driver.GetRunResult().Diagnostics, d => d.Id == "VIM003");
        Assert.Contains(driver.GetRunResult().GeneratedTrees, t => t.FilePath.Contains("Micro"));
        AssertHas(result, TrackingNames.Output, IncrementalStepRunReason.New);
    }
}
