using Vim.Generators.Tests.Infrastructure;

namespace Vim.Generators.Tests;

/// <summary>Broken or unusual source must never make the generator throw (CS8785) or an analyzer crash (AD0001).</summary>
public class MalformedSourceTests
{
    private const string Micro = "ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = 32, Depth = 4, DState = 8, NumClasses = 10";

    public static TheoryData<string, string> Sources => new()
    {
        { "UnterminatedAttribute", "using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\npublic sealed partial class M;" },
        { "UnterminatedArgumentList", "using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", Depth = \npublic sealed partial class M;" },
        { "MissingClassBody", "using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\")]\npublic sealed partial class M" },
        { "AttributeOnly", "using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\")]" },
        { "StringForInt", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro}, Depth = \"x\")]\npublic sealed partial class M;" },
        { "DoubleForInt", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", PatchSize = 8, Stride = 8, EmbedDim = 32, Depth = 4, ImgSize = 1.5)]\npublic sealed partial class M;" },
        { "IntForBool", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro}, Rope = 1)]\npublic sealed partial class M;" },
        { "IntForEnum", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro}, FinalPoolType = 2)]\npublic sealed partial class M;" },
        { "OutOfRangeEnum", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro}, FinalPoolType = (FinalPoolType)42, BimambaType = (BimambaType)(-1))]\npublic sealed partial class M;" },
        { "NonConstantField", $"using Vim.Dsl;\nnamespace Sample;\npublic static class C {{ public static int SomeField = 4; }}\n[VisionMamba(\"vim_m\", ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = 32, Depth = C.SomeField)]\npublic sealed partial class M;" },
        { "UnknownIdentifier", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro}, Channels = SomeField)]\npublic sealed partial class M;" },
        { "UnknownProperty", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro}, Nonsense = 3)]\npublic sealed partial class M;" },
        { "NonConstantName", $"using Vim.Dsl;\nnamespace Sample;\npublic static class C {{ public static string N = \"x\"; }}\n[VisionMamba(C.N, {Micro})]\npublic sealed partial class M;" },
        { "NullName", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(null!, {Micro})]\npublic sealed partial class M;" },
        { "NoNameArgument", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba({Micro})]\npublic sealed partial class M;" },
        { "NoArguments", "using Vim.Dsl;\nnamespace Sample;\n[VisionMamba]\npublic sealed partial class M;" },
        { "TwoPositionalArguments", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"a\", \"b\", {Micro})]\npublic sealed partial class M;" },
        { "NullAliases", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro}, Aliases = null, Mean = null, Std = null)]\npublic sealed partial class M;" },
        { "NullInAliases", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro}, Aliases = [null!, \"\"], Mean = [], Std = [1])]\npublic sealed partial class M;" },
        { "OnStruct", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro})]\npublic partial struct M;" },
        { "OnInterface", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro})]\npublic partial interface IM;" },
        { "OnRecord", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro})]\npublic sealed partial record M;" },
        { "OnRecordStruct", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro})]\npublic partial record struct M;" },
        { "OnMethod", $"using Vim.Dsl;\nnamespace Sample;\npublic static class C {{ [VisionMamba(\"vim_m\", {Micro})] public static void M() {{ }} }}" },
        { "OnEnum", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro})]\npublic enum E {{ A }}" },
        { "OnAssembly", $"using Vim.Dsl;\n[assembly: VisionMamba(\"vim_m\", {Micro})]" },
        { "BlockTypeofInt", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro}, Block = typeof(int))]\npublic sealed partial class M;" },
        { "BlockNull", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro}, Block = null)]\npublic sealed partial class M;" },
        { "BlockUnknownType", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro}, Block = typeof(Missing))]\npublic sealed partial class M;" },
        { "BlockOpenGeneric", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro}, Block = typeof(System.Collections.Generic.List<>))]\npublic sealed partial class M;" },
        { "BlockArrayType", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro}, Block = typeof(int[]))]\npublic sealed partial class M;" },
        { "BlockIsItself", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro}, Block = typeof(M))]\npublic sealed partial class M;" },
        { "VimBlockMixerIsItself", "using Vim.Dsl;\nnamespace Sample;\n[VimBlock(Mixer = typeof(B))]\npublic sealed partial class B;" },
        { "VimBlockMixerNull", "using Vim.Dsl;\nnamespace Sample;\n[VimBlock(Mixer = null)]\npublic sealed partial class B;" },
        { "VimBlockMixerTypeofInt", "using Vim.Dsl;\nnamespace Sample;\n[VimBlock(Mixer = typeof(int))]\npublic sealed partial class B;" },
        { "MixerBadArguments", "using Vim.Dsl;\nnamespace Sample;\n[MambaMixer(DState = \"x\", DtMin = true, BimambaType = 7)]\npublic sealed partial class Mx;" },
        { "DuplicateAttributes", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_a\", {Micro})]\n[VisionMamba(\"vim_b\", {Micro})]\npublic sealed partial class M;" },
        { "DuplicateNamedArgument", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro}, Depth = 2)]\npublic sealed partial class M;" },
        { "GenericClass", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro})]\npublic sealed partial class M<T>;" },
        { "GenericContainingClass", $"using Vim.Dsl;\nnamespace Sample;\npublic partial class Outer<T> {{ [VisionMamba(\"vim_m\", {Micro})] public sealed partial class M; }}" },
        { "GlobalNamespace", $"using Vim.Dsl;\n[VisionMamba(\"vim_m\", {Micro})]\npublic sealed partial class M;" },
        { "StaticClass", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro})]\npublic static partial class M;" },
        { "AbstractClass", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro})]\npublic abstract partial class M;" },
        { "HugeSizes", "using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", ImgSize = int.MaxValue, PatchSize = 1, Stride = 1, EmbedDim = int.MaxValue, Depth = int.MaxValue, DState = int.MaxValue, NumClasses = int.MaxValue)]\npublic sealed partial class M;" },
        { "NaNEpsilon", $"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro}, NormEpsilon = double.NaN, CropPct = double.PositiveInfinity, InitLayerScale = double.NaN)]\npublic sealed partial class M;" },
        { "AliasedAttributeName", $"using V = Vim.Dsl.VisionMambaAttribute;\nnamespace Sample;\n[V(\"vim_m\", {Micro.Replace("DState = 8, ", "")})]\npublic sealed partial class M;" },
        { "VMambaUndefinedEnums", "using Vim.Dsl;\nnamespace Sample;\n[VMamba(\"vm\", Depths = [1], Dim = 8, NormLayer = (NormLayer)99, SsmActLayer = (ActLayer)99, DownsampleVersion = (DownsampleVersion)99)]\npublic sealed partial class M;" },
        { "VMambaHugeAndNaN", "using Vim.Dsl;\nnamespace Sample;\n[VMamba(\"vm\", Depths = [int.MaxValue], Dims = [int.MaxValue], SsmRatio = double.NaN, MlpRatio = double.PositiveInfinity, ImgSize = int.MaxValue, PatchSize = int.MaxValue)]\npublic sealed partial class M;" },
        { "VssBlockUndefinedNorm", "using Vim.Dsl;\nnamespace Sample;\n[SS2D] public sealed partial class Mx;\n[VssBlock(Mixer = typeof(Mx), NormLayer = (NormLayer)9)] public sealed partial class B;\n[VMamba(\"vm\", Depths = [1], Dim = 8, Block = typeof(B))] public sealed partial class M;" },
        { "KeywordNames", $"using Vim.Dsl;\nnamespace Sample.@namespace;\npublic partial class @class {{ [VisionMamba(\"vim_m\", {Micro})] public sealed partial class @event; }}" },
        { "EmptyFile", "" },
        { "Garbage", "}{ [[[ VisionMamba ))) class ; ;" },
    };

    [Theory]
    [MemberData(nameof(Sources))]
    public void Generator_DoesNotThrow(string variant, string source)
    {
        _ = variant;
        var run = GeneratorHarness.RunBoth(source);
        Assert.All(run.Result.Results, r => Assert.True(r.Exception is null, $"generator threw: {r.Exception}"));
        Assert.DoesNotContain(run.Diagnostics, d => d.Id.StartsWith("CS8785", StringComparison.Ordinal) || d.Id == "AD0001");
        Assert.DoesNotContain(run.Diagnostics, d => d.Id.StartsWith("CS", StringComparison.Ordinal) && d.Id != "CS8784");
        // Whatever the generator emitted parses.
        Assert.All(run.Result.Results.SelectMany(r => r.GeneratedSources),
            s => Assert.DoesNotContain(s.SyntaxTree.GetDiagnostics(TestContext.Current.CancellationToken), d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
    }

    /// <summary>Configurations that compile as C# but mean nothing: each is reported, none is generated silently.</summary>
    [Theory]
    [InlineData("OutOfRangeEnum")]
    [InlineData("GenericClass")]
    [InlineData("GenericContainingClass")]
    [InlineData("StaticClass")]
    [InlineData("AbstractClass")]
    [InlineData("HugeSizes")]
    [InlineData("NaNEpsilon")]
    [InlineData("VMambaUndefinedEnums")]
    [InlineData("VMambaHugeAndNaN")]
    [InlineData("VssBlockUndefinedNorm")]
    public void Nonsense_IsReportedAsAVimError(string variant)
    {
        string source = (string)Sources.Single(row => (string)row.Data.Item1 == variant).Data.Item2;
        var run = GeneratorHarness.RunBoth(source);
        Assert.Contains(run.Diagnostics, d => d.Id.StartsWith("VIM", StringComparison.Ordinal) && d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
    }

    [Fact]
    public void AllSourcesInOneCompilation_DoNotThrow()
    {
        // Distinct namespaces, so that sources declaring the same Sample.M do not become partial parts of one class.
        var sources = Sources.Select((row, i) => ((string)row.Data.Item2).Replace("namespace Sample;", $"namespace Sample{i};")).ToArray();
        var run = GeneratorHarness.RunBoth(sources);
        Assert.All(run.Result.Results, r => Assert.True(r.Exception is null, $"generator threw: {r.Exception}"));
        Assert.DoesNotContain(run.Diagnostics, d => d.Id.StartsWith("CS8785", StringComparison.Ordinal) || d.Id == "AD0001");
    }

    [Fact]
    public void GenericModelClass_IsReportedOrCompiles()
    {
        var run = GeneratorHarness.RunBoth($"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro})]\npublic sealed partial class M<T>;");
        Assert.True(run.Diagnostics.Any(d => d.Id.StartsWith("VIM", StringComparison.Ordinal)) || run.OutputErrors.Count == 0,
            "neither a diagnostic nor compiling output:\n" + string.Join("\n", run.OutputErrors.Take(5)));
    }

    [Fact]
    public void RecordModel_IsReportedOrGenerated()
    {
        var run = GeneratorHarness.RunBoth($"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\", {Micro})]\npublic sealed partial record M;");
        Assert.True(run.Diagnostics.Any(d => d.Id.StartsWith("VIM", StringComparison.Ordinal)) || run.Generated.Any(g => g.HintName.Contains(".M.")),
            "the record declaration was silently ignored");
    }

    [Fact]
    public void DuplicateAttributesOnPartialParts_DoesNotThrow()
    {
        var run = GeneratorHarness.RunBoth($"using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_a\", {Micro})]\npublic sealed partial class M;\n[VisionMamba(\"vim_b\", {Micro})]\npublic sealed partial class M;");
        Assert.All(run.Result.Results, r => Assert.True(r.Exception is null, $"generator threw: {r.Exception}"));
        Assert.DoesNotContain(run.Diagnostics, d => d.Id.StartsWith("CS8785", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingClassName_DoesNotThrow()
    {
        var run = GeneratorHarness.RunBoth("using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\")]\npublic sealed partial class { }");
        Assert.All(run.Result.Results, r => Assert.True(r.Exception is null, $"generator threw: {r.Exception}"));
        Assert.DoesNotContain(run.Diagnostics, d => d.Id.StartsWith("CS8785", StringComparison.Ordinal) || d.Id == "AD0001");
    }

    [Fact]
    public void MissingClassName_EmitsNothingUnparsable()
    {
        var run = GeneratorHarness.RunBoth("using Vim.Dsl;\nnamespace Sample;\n[VisionMamba(\"vim_m\")]\npublic sealed partial class { }");
        Assert.All(run.Result.Results.SelectMany(r => r.GeneratedSources),
            s => Assert.DoesNotContain(s.SyntaxTree.GetDiagnostics(TestContext.Current.CancellationToken), d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
    }
}
