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
    /// <summary>Generates VMamba (VSSM) models from their <c>[VMamba]</c> declarations.</summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class VMambaGenerator : IIncrementalGenerator
    {
        /// <inheritdoc/>
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            // Parse: [VMamba] classes -> ParseResult<VMambaSpec> (plain values; symbols dropped here).
            var parsed = context.SyntaxProvider
                .ForAttributeWithMetadataName(VMambaParser.AttributeName,
                    predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax,
                    transform: static (ctx, ct) => VMambaParser.Parse(ctx, ct))
                .WithTrackingName(TrackingNames.Parse);

            // BuildGraph: spec -> VMambaGraph (no locations) + diagnostics.
            var built = parsed.Select(static (p, ct) => VMambaGraphBuilder.Build(p, ct)).WithTrackingName(TrackingNames.BuildGraph);

            // Diagnostics are their own output, reported against the compilation's own trees so '#pragma warning disable' applies.
            var diagnostics = built.Select(static (b, _) => b.Diagnostics).WithTrackingName(TrackingNames.Diagnostics);
            context.RegisterSourceOutput(diagnostics.Combine(context.CompilationProvider), static (spc, pair) => Report(spc, pair.Left, pair.Right));

            // Output: one file per valid model.
            var graphs = built.Select(static (b, _) => b.Graph).Where(static g => g is not null).Select(static (g, _) => g!).WithTrackingName(TrackingNames.Output);
            context.RegisterSourceOutput(graphs, static (spc, g) => VMambaEmitter.Emit(spc, g));

            // Catalog: every valid VMamba model of the assembly, registered at load time.
            var catalog = graphs.Select(static (g, _) => g.CatalogEntry).Collect()
                .Select(static (entries, _) => entries.ToEquatableArray()).WithTrackingName(TrackingNames.Catalog);
            context.RegisterSourceOutput(catalog, static (spc, entries) => CatalogEmitter.Emit(spc, entries, CatalogEmitter.VMambaClass, "declared VMamba models"));

            // Names: duplicate registry names among the VMamba declarations (VIM002); the runtime registry refuses clashes with Vim models.
            var names = built.Where(static b => b.Name.Length > 0).Select(static (b, _) => new NameEntry(b.Name, b.Aliases, b.NameLocation, b.TypeName)).Collect()
                .Combine(context.CompilationProvider.Select(static (c, _) => ZooNames.Read(c)))
                .Select(static (pair, _) => DuplicateNames(pair.Left, pair.Right)).WithTrackingName(TrackingNames.Names);
            context.RegisterSourceOutput(names.Combine(context.CompilationProvider), static (spc, pair) => Report(spc, pair.Left, pair.Right));

            // Declared VSS blocks, SS2D mixers and MLPs get their own files.
            var blocks = context.SyntaxProvider
                .ForAttributeWithMetadataName(VMambaComponentReader.BlockAttribute, predicate: static (node, _) => IsTypeDeclaration(node),
                    transform: static (ctx, ct) => VMambaComponentParser.ParseBlock(ctx, ct))
                .WithTrackingName(TrackingNames.ParseBlock);
            var mixers = context.SyntaxProvider
                .ForAttributeWithMetadataName(VMambaComponentReader.MixerAttribute, predicate: static (node, _) => IsTypeDeclaration(node),
                    transform: static (ctx, ct) => VMambaComponentParser.ParseMixer(ctx, ct))
                .WithTrackingName(TrackingNames.ParseMixer);
            var mlps = context.SyntaxProvider
                .ForAttributeWithMetadataName(VMambaComponentReader.MlpAttribute, predicate: static (node, _) => IsTypeDeclaration(node),
                    transform: static (ctx, ct) => VMambaComponentParser.ParseMlp(ctx, ct))
                .WithTrackingName(TrackingNames.ParseMlp);
            foreach (var components in new[] { blocks, mixers, mlps })
            {
                context.RegisterSourceOutput(components.Select(static (c, _) => c.Diagnostics).Combine(context.CompilationProvider), static (spc, pair) => Report(spc, pair.Left, pair.Right));
                context.RegisterSourceOutput(components.Select(static (c, _) => c.Spec).Where(static c => c is not null),
                    static (spc, c) => VMambaComponentEmitter.Emit(spc, c!));
            }
        }

        private static bool IsTypeDeclaration(SyntaxNode node) =>
            node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.RecordDeclarationSyntax;

        private static void Report(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics, Compilation compilation)
        {
            if (diagnostics.IsEmpty) return;
            foreach (var d in diagnostics)
            {
                var args = new object[d.Arguments.Length];
                for (int i = 0; i < args.Length; i++) args[i] = d.Arguments[i];
                context.ReportDiagnostic(Diagnostic.Create(VMambaDiagnosticDescriptors.ById(d.Id), d.Location?.ToLocation(compilation), args));
            }
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
