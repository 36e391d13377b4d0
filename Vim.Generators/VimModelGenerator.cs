using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Vim.Generators.Diagnostics;
using Vim.Generators.Emit;
using Vim.Generators.Graph;
using Vim.Generators.Helpers;
using Vim.Generators.Parsing;
using Vim.Generators.Specs;

namespace Vim.Generators
{
    /// <summary>Generates Vim models, blocks and mixers from their attribute declarations.</summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class VimModelGenerator : IIncrementalGenerator
    {
        /// <inheritdoc/>
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            // Parse: [VisionMamba] classes -> ParseResult<VisionMambaSpec> (plain values; symbols dropped here).
            var parsed = context.SyntaxProvider
                .ForAttributeWithMetadataName(VisionMambaParser.AttributeName,
                    predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.RecordDeclarationSyntax,
                    transform: static (ctx, ct) => VisionMambaParser.Parse(ctx, ct))
                .WithTrackingName(TrackingNames.Parse);

            // BuildGraph: spec -> ModelGraph (no locations) + diagnostics.
            var built = parsed.Select(static (p, ct) => GraphBuilder.Build(p, ct)).WithTrackingName(TrackingNames.BuildGraph);

            // Diagnostics are their own output, so moving a declaration re-reports them without regenerating source.
            var diagnostics = built.Select(static (b, _) => b.Diagnostics).WithTrackingName(TrackingNames.Diagnostics);
            // Reported against the compilation's own trees so that '#pragma warning disable' applies to them.
            context.RegisterSourceOutput(diagnostics.Combine(context.CompilationProvider), static (spc, pair) => Report(spc, pair.Left, pair.Right));

            // Output: one file per valid model.
            var graphs = built.Select(static (b, _) => b.Graph).Where(static g => g is not null).Select(static (g, _) => g!).WithTrackingName(TrackingNames.Output);
            context.RegisterSourceOutput(graphs, static (spc, g) => ModelEmitter.Emit(spc, g));

            // Catalog: every valid model of the assembly, registered at load time.
            var catalog = graphs.Select(static (g, _) => g.CatalogEntry).Collect()
                .Select(static (entries, _) => entries.ToEquatableArray()).WithTrackingName(TrackingNames.Catalog);
            context.RegisterSourceOutput(catalog, static (spc, entries) => CatalogEmitter.Emit(spc, entries, CatalogEmitter.VimClass, "declared models"));

            // Names: duplicate registry names across the assembly (VIM002).
            var names = built.Where(static b => b.Name.Length > 0).Select(static (b, _) => new NameEntry(b.Name, b.Aliases, b.NameLocation, b.TypeName)).Collect()
                .Combine(context.CompilationProvider.Select(static (c, _) => ZooNames.Read(c)))
                .Select(static (pair, _) => DuplicateNames(pair.Left, pair.Right)).WithTrackingName(TrackingNames.Names);
            context.RegisterSourceOutput(names.Combine(context.CompilationProvider), static (spc, pair) => Report(spc, pair.Left, pair.Right));

            // Declared blocks and mixers get their own files.
            var blocks = context.SyntaxProvider
                .ForAttributeWithMetadataName(ComponentReader.BlockAttribute,
                    predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.RecordDeclarationSyntax,
                    transform: static (ctx, ct) => ComponentParser.ParseBlock(ctx, ct))
                .WithTrackingName(TrackingNames.ParseBlock);
            var mixers = context.SyntaxProvider
                .ForAttributeWithMetadataName(ComponentReader.MixerAttribute,
                    predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.RecordDeclarationSyntax,
                    transform: static (ctx, ct) => ComponentParser.ParseMixer(ctx, ct))
                .WithTrackingName(TrackingNames.ParseMixer);
            foreach (var components in new[] { blocks, mixers })
            {
                context.RegisterSourceOutput(components.Select(static (c, _) => c.Diagnostics).Combine(context.CompilationProvider), static (spc, pair) => Report(spc, pair.Left, pair.Right));
                context.RegisterSourceOutput(components.Select(static (c, _) => c.Spec).Where(static c => c is not null),
                    static (spc, c) => ComponentFileEmitter.Emit(spc, c!));
            }
        }

        private static void Report(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics, Compilation compilation)
        {
            if (diagnostics.IsEmpty) return;
            foreach (var d in diagnostics) context.ReportDiagnostic(d.ToDiagnostic(compilation));
        }

        private static EquatableArray<DiagnosticInfo> DuplicateNames(System.Collections.Immutable.ImmutableArray<NameEntry> entries, EquatableArray<ZooName> zoo)
        {
            var result = new List<DiagnosticInfo>();
            var first = new Dictionary<string, NameEntry>(System.StringComparer.OrdinalIgnoreCase);
            // The runtime's zoo takes its names first (when this is not the runtime itself, whose zoo these entries are).
            foreach (var z in zoo)
            {
                if (!first.ContainsKey(z.Name)) first[z.Name] = new NameEntry(z.Name, EquatableArray<string>.Empty, null, z.Owner);
            }
            // Names and aliases share one case-insensitive namespace (Models.Create resolves both).
            // Deterministic: the alphabetically first type keeps a name; the others are reported.
            foreach (var entry in entries.OrderBy(e => e.TypeName, System.StringComparer.Ordinal).ThenBy(e => e.Location?.Span.Start ?? 0))
            {
                foreach (var name in new[] { entry.Name }.Concat(entry.Aliases))
                {
                    if (first.TryGetValue(name, out var owner) && owner.TypeName != entry.TypeName)
                    {
                        result.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateModelName, entry.Location, name, owner.TypeName.Replace("global::", "")));
                    }
                    else if (!first.ContainsKey(name))
                    {
                        first[name] = entry;
                    }
                }
            }
            return result.ToEquatableArray();
        }

        private sealed record NameEntry(string Name, EquatableArray<string> Aliases, LocationInfo? Location, string TypeName);
    }
}
