using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Vim.Generators.Tests.Infrastructure;

/// <summary>Runs <see cref="VimModelGenerator"/> over test sources against the real Vim.Dsl and Vim.Runtime assemblies.</summary>
public static class GeneratorHarness
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        // The test host's platform assemblies, plus the DSL and the runtime the generated code calls.
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .ToList();
        paths.Add(typeof(Vim.Dsl.VisionMambaAttribute).Assembly.Location);
        paths.Add(typeof(Vim.Runtime.Modules.Module).Assembly.Location);
        return [.. paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    });

    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest);

    public static CSharpCompilation Compile(params string[] sources) =>
        CSharpCompilation.Create(
            "Vim.Generators.Tests.Input",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Input{i}.cs")),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            [new VimModelGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Both families' generators, as a project that references Vim.Dsl runs them.</summary>
    public static GeneratorDriver CreateDriverForBothFamilies() =>
        CSharpGeneratorDriver.Create(
            [new VimModelGenerator().AsSourceGenerator(), new VMambaGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the Vim generator once and compiles its output.</summary>
    public static GeneratorRun Run(params string[] sources) => Run(CreateDriver(), sources);

    /// <summary>Runs both generators once and compiles their output.</summary>
    public static GeneratorRun RunBoth(params string[] sources) => Run(CreateDriverForBothFamilies(), sources);

    private static GeneratorRun Run(GeneratorDriver driverToRun, string[] sources)
    {
        var compilation = Compile(sources);
        var driver = driverToRun.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var result = driver.GetRunResult();
        var generated = result.Results.SelectMany(r => r.GeneratedSources)
            .Select(s => (s.HintName, Source: s.SourceText.ToString()))
            .OrderBy(s => s.HintName, StringComparer.Ordinal)
            .ToList();
        var outputErrors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        return new GeneratorRun(generated, generatorDiagnostics, outputErrors, result);
    }
}

/// <summary>What one generator run produced.</summary>
public sealed record GeneratorRun(
    IReadOnlyList<(string HintName, string Source)> Generated,
    ImmutableArray<Diagnostic> Diagnostics,
    IReadOnlyList<Diagnostic> OutputErrors,
    GeneratorDriverRunResult Result)
{
    /// <summary>Diagnostics in Verify.SourceGenerators' field order: location (source line, carets, span), message, severity, descriptor.</summary>
    public string FormatDiagnostics()
    {
        var lines = new List<string>();
        foreach (var d in Diagnostics.OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal))
        {
            var span = d.Location.GetLineSpan();
            if (d.Location.SourceTree is { } tree)
            {
                var text = tree.GetText();
                var line = text.Lines[span.StartLinePosition.Line];
                int start = span.StartLinePosition.Character;
                int end = span.StartLinePosition.Line == span.EndLinePosition.Line ? span.EndLinePosition.Character : line.End - line.Start;
                lines.Add("Location: " + line.ToString());
                lines.Add("          " + new string(' ', start) + new string('^', Math.Max(1, end - start)));
                lines.Add($"          ({span.StartLinePosition.Line},{span.StartLinePosition.Character})-({span.EndLinePosition.Line},{span.EndLinePosition.Character})");
            }
            lines.Add("Message: " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
            lines.Add("Severity: " + d.Severity);
            lines.Add("Descriptor:");
            lines.Add("  Id: " + d.Id);
            lines.Add("  Title: " + d.Descriptor.Title);
            lines.Add("  MessageFormat: " + d.Descriptor.MessageFormat);
            lines.Add("  Category: " + d.Descriptor.Category);
            lines.Add("");
        }
        return string.Join("\n", lines).TrimEnd();
    }

    public void AssertOutputCompiles() =>
        Assert.True(OutputErrors.Count == 0, "Generated code does not compile:\n" + string.Join("\n", OutputErrors.Take(20)));
}
