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
                    predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax,
                    transform: static (ctx, ct) => VisionMambaParser.Parse(ctx, ct))
                .WithTrackingName(TrackingNames.Parse);

            // BuildGraph: spec -> ModelGraph (no locations) + diagnostics.
            var built = parsed.Select(static (p, ct) => GraphBuilder.Build(p, ct)).WithTrackingName(TrackingNames.BuildGraph);

            // Diagnostics are their own output, so moving a declaration re-reports them without regenerating source.
            var diagnostics = built.Select(static (b, _) => b.Diagnostics).WithTrackingName(TrackingNames.Diagnostics);
            context.RegisterSourceOutput(diagnostics, static (spc, list) => Report(spc, list));

            // Output: one file per valid model.
            var graphs = built.Select(static (b, _) => b.Graph).Where(static g => g is not null).Select(static (g, _) => g!).WithTrackingName(TrackingNames.Output);
            context.RegisterSourceOutput(graphs, static (spc, g) => ModelEmitter.Emit(spc, g));

            // Catalog: every valid model of the assembly, registered at load time.
            var catalog = graphs.Select(static (g, _) => g.CatalogEntry).Collect()
                .Select(static (entries, _) => entries.ToEquatableArray()).WithTrackingName(TrackingNames.Catalog);
            context.RegisterSourceOutput(catalog, static (spc, entries) => CatalogEmitter.Emit(spc, entries));

            // Names: duplicate registry names across the assembly (VIM002).
            var names = built.Where(static b => b.Name.Length > 0).Select(static (b, _) => new NameEntry(b.Name, b.NameLocation, b.TypeName)).Collect()
                .Select(static (entries, _) => DuplicateNames(entries)).WithTrackingName(TrackingNames.Names);
            context.RegisterSourceOutput(names, static (spc, list) => Report(spc, list));

            // Declared blocks and mixers get their own files.
            var blocks = context.SyntaxProvider
                .ForAttributeWithMetadataName(ComponentReader.BlockAttribute,
                    predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax,
                    transform: static (ctx, ct) => ComponentParser.ParseBlock(ctx, ct))
                .WithTrackingName(TrackingNames.ParseBlock);
            var mixers = context.SyntaxProvider
                .ForAttributeWithMetadataName(ComponentReader.MixerAttribute,
                    predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax,
                    transform: static (ctx, ct) => ComponentParser.ParseMixer(ctx, ct))
                .WithTrackingName(TrackingNames.ParseMixer);
            foreach (var components in new[] { blocks, mixers })
            {
                context.RegisterSourceOutput(components.Select(static (c, _) => c.Diagnostics), static (spc, list) => Report(spc, list));
                context.RegisterSourceOutput(components.Select(static (c, _) => c.Spec).Where(static c => c is not null),
                    static (spc, c) => ComponentFileEmitter.Emit(spc, c!));
            }
        }

        private static void Report(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics)
        {
            foreach (var d in diagnostics) context.ReportDiagnostic(d.ToDiagnostic());
        }

        private static EquatableArray<DiagnosticInfo> DuplicateNames(System.Collections.Immutable.ImmutableArray<NameEntry> entries)
        {
            var result = new List<DiagnosticInfo>();
            var first = new Dictionary<string, NameEntry>(System.StringComparer.OrdinalIgnoreCase);
            // Deterministic: the alphabetically first type keeps the name; the others are reported.
            foreach (var entry in entries.OrderBy(e => e.TypeName, System.StringComparer.Ordinal).ThenBy(e => e.Location?.Span.Start ?? 0))
            {
                if (first.TryGetValue(entry.Name, out var owner))
                {
                    result.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateModelName, entry.Location, entry.Name, owner.TypeName.Replace("global::", "")));
                }
                else
                {
                    first[entry.Name] = entry;
                }
            }
            return result.ToEquatableArray();
        }

        private sealed record NameEntry(string Name, LocationInfo? Location, string TypeName);
    }
}
