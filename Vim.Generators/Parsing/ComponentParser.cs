using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Vim.Generators.Diagnostics;
using Vim.Generators.Helpers;
using Vim.Generators.Specs;

namespace Vim.Generators.Parsing
{
    /// <summary>A block or mixer declared in this compilation, to be generated as its own class.</summary>
    internal sealed record ComponentDeclaration(HierarchyInfo Type, BlockSpec? Block, MixerSpec? Mixer);

    /// <summary>Parses <c>[VimBlock]</c> and <c>[MambaMixer]</c> declarations of this compilation.</summary>
    internal static class ComponentParser
    {
        public static ParseResult<ComponentDeclaration> ParseMixer(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
            Parse(context, cancellationToken, ComponentReader.MixerAttribute, "mixer parameters and forward pass", (symbol, diagnostics) =>
            {
                var mixer = ComponentReader.ReadMixer(context.Attributes[0], ComponentReader.GlobalName(symbol));
                return new ComponentDeclaration(DeclarationChecks.Hierarchy(symbol), null, mixer);
            });

        public static ParseResult<ComponentDeclaration> ParseBlock(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
            Parse(context, cancellationToken, ComponentReader.BlockAttribute, "block parameters and forward pass", (symbol, diagnostics) =>
            {
                var block = ComponentReader.ReadBlock(symbol, out string? error);
                if (block is not null) return new ComponentDeclaration(DeclarationChecks.Hierarchy(symbol), block, null);
                var location = new AttributeArguments(context.Attributes[0]).LocationOf("Mixer");
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidComponentType, location, symbol.ToDisplayString(), "a Vim block", error!));
                return null;
            });

        /// <summary>
        /// The checks every component shares (generated at all, a class, partial), then <paramref name="read"/>; a
        /// declaration that is not partial is still read, for its own diagnostics, but generates nothing.
        /// </summary>
        private static ParseResult<ComponentDeclaration> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken,
            string attributeName, string what, System.Func<INamedTypeSymbol, List<DiagnosticInfo>, ComponentDeclaration?> read)
        {
            if (context.TargetSymbol is not INamedTypeSymbol symbol || context.Attributes.Length == 0 || !DeclarationChecks.ShouldGenerate(symbol, attributeName))
            {
                return new ParseResult<ComponentDeclaration>(null, EquatableArray<DiagnosticInfo>.Empty);
            }
            if (DeclarationChecks.RequireClass(context.TargetNode, symbol) is { } notClass)
            {
                return new ParseResult<ComponentDeclaration>(null, new EquatableArray<DiagnosticInfo>(new[] { notClass }));
            }
            var diagnostics = new List<DiagnosticInfo>();
            var notPartial = DeclarationChecks.RequirePartial(context.TargetNode, what);
            if (notPartial is not null) diagnostics.Add(notPartial);
            cancellationToken.ThrowIfCancellationRequested();
            var declaration = read(symbol, diagnostics);
            return new ParseResult<ComponentDeclaration>(notPartial is null ? declaration : null, diagnostics.ToEquatableArray());
        }
    }
}
