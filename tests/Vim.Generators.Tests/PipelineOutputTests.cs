using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Vim.Generators.Tests.Infrastructure;

namespace Vim.Generators.Tests;

/// <summary>
/// Values that flow between tracked pipeline stages must be plain data: a symbol, syntax node or compilation kept in
/// a stage output roots the whole compilation and defeats caching.
/// </summary>
public class PipelineOutputTests
{
    private static readonly string[] TrackedNames =
    [
        TrackingNames.Parse, TrackingNames.BuildGraph, TrackingNames.Diagnostics, TrackingNames.Output,
        TrackingNames.Catalog, TrackingNames.Names, TrackingNames.ParseBlock, TrackingNames.ParseMixer,
    ];

    private static readonly Type[] Forbidden =
    [
        typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxToken), typeof(SyntaxTrivia), typeof(SyntaxNodeOrToken),
        typeof(SyntaxTree), typeof(SyntaxReference), typeof(Location), typeof(SemanticModel), typeof(Compilation),
        typeof(AttributeData), typeof(TypedConstant), typeof(IOperation), typeof(Diagnostic),
    ];

    /// <summary>Paths (e.g. <c>Parse[0].Spec.Block</c>) of every Roslyn object reachable from <paramref name="root"/>.</summary>
    internal static List<string> FindRoslynObjects(object? root, string rootPath)
    {
        var found = new List<string>();
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        Walk(root, rootPath, 0);
        return found;

        void Walk(object? value, string path, int depth)
        {
            if (value is null || depth > 64) return;
            var type = value.GetType();
            if (Forbidden.Any(f => f.IsAssignableFrom(type)))
            {
                found.Add($"{path}: {type.FullName}");
                return;
            }
            if (type.IsPrimitive || type.IsEnum || value is string or decimal or Type or Delegate or Pointer) return;
            if (!type.IsValueType && !visited.Add(value)) return;
            if (value is IEnumerable sequence)
            {
                int i = 0;
                foreach (var item in sequence) Walk(item, $"{path}[{i++}]", depth + 1);
            }
            for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
            {
                foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (field.FieldType.IsPointer || field.FieldType.IsByRefLike) continue;
                    string name = field.Name.StartsWith('<') ? field.Name[1..field.Name.IndexOf('>')] : field.Name;
                    Walk(field.GetValue(value), $"{path}.{name}", depth + 1);
                }
            }
        }
    }

    private static GeneratorRunResult RunTracked(params string[] sources)
    {
        var compilation = GeneratorHarness.Compile(sources);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation, TestContext.Current.CancellationToken);
        var result = driver.GetRunResult().Results[0];
        Assert.Null(result.Exception);
        return result;
    }

    private static void AssertPlain(GeneratorRunResult result)
    {
        var problems = new List<string>();
        int values = 0;
        foreach (string name in TrackedNames)
        {
            if (!result.TrackedSteps.TryGetValue(name, out var steps)) continue;
            for (int s = 0; s < steps.Length; s++)
            {
                for (int o = 0; o < steps[s].Outputs.Length; o++)
                {
                    values++;
                    problems.AddRange(FindRoslynObjects(steps[s].Outputs[o].Value, $"{name}[{s}].Outputs[{o}]"));
                }
            }
        }
        Assert.True(values > 0, "no tracked outputs were produced");
        Assert.True(problems.Count == 0, "Roslyn objects in pipeline outputs:\n" + string.Join("\n", problems.Take(30)));
    }

    [Fact]
    public void ValidModelsBlocksAndMixers_OutputsArePlainValues()
    {
        var result = RunTracked("""
            using Vim.Dsl;
            namespace Sample;
            [MambaMixer(DState = 4)]
            public sealed partial class SmallMixer;
            [VimBlock(Mixer = typeof(SmallMixer))]
            public sealed partial class SmallBlock;
            public static partial class Outer
            {
                [VisionMamba("vim_a", Aliases = ["a1", "a2"], ImgSize = 16, PatchSize = 4, Stride = 4, EmbedDim = 16, Depth = 2, NumClasses = 3, Block = typeof(SmallBlock))]
                public sealed partial class A;
            }
            [VisionMamba("vim_b", ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = 32, Depth = 4, DState = 8, Rope = true, Mean = [0.5, 0.5, 0.5])]
            public sealed partial class B;
            [VisionMamba("vim_c", ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = 32, Depth = 4, Block = typeof(Vim.Runtime.Zoo.VimBlockV2))]
            public sealed partial class C;
            """);
        foreach (string name in TrackedNames) Assert.True(result.TrackedSteps.ContainsKey(name), $"step {name} did not run");
        AssertPlain(result);
    }

    [Fact]
    public void InvalidDeclarations_DiagnosticOutputsArePlainValues()
    {
        // Every kind of diagnostic path: not partial, bad sizes, duplicates, bad components.
        var result = RunTracked("""
            using Vim.Dsl;
            namespace Sample;
            public sealed class Plain;
            [VimBlock(Mixer = typeof(Plain))]
            public sealed class BadBlock;
            [MambaMixer]
            public sealed class BadMixer;
            [VisionMamba("vim_a", Depth = 0, NumClasses = -1, FinalPoolType = FinalPoolType.Max)]
            public sealed class A;
            [VisionMamba("VIM_A", Block = typeof(Plain))]
            public sealed partial class B;
            [VisionMamba("vim_c", Block = typeof(Vim.Runtime.Zoo.VimBlockV2), RmsNorm = false)]
            public sealed partial class C;
            [VisionMamba("", Rope = true, UseDoubleClsToken = true)]
            public sealed partial class D;
            """);
        AssertPlain(result);
        Assert.NotEmpty(result.Diagnostics);
    }

    [Fact]
    public void Walker_FindsRoslynObjectsNestedInRecordsAndCollections()
    {
        // The check itself must see through records, tuples, arrays and private fields.
        var tree = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("class X {}", cancellationToken: TestContext.Current.CancellationToken);
        var nested = new Holder("x", [1, 2], new List<object?> { (1, new Holder("y", [], tree.GetRoot(TestContext.Current.CancellationToken))) });
        var found = FindRoslynObjects(nested, "root");
        Assert.Single(found);
        Assert.StartsWith("root.Items[0].Item2.Items: ", found[0]);
        Assert.Single(FindRoslynObjects(new[] { Location.None }, "a"));
        Assert.Empty(FindRoslynObjects(new Holder("plain", [3], null), "p"));
        // Cycles terminate.
        var cyclic = new List<object?>();
        cyclic.Add(cyclic);
        Assert.Empty(FindRoslynObjects(cyclic, "c"));
    }

    private sealed record Holder(string Name, int[] Numbers, object? Items);
}
