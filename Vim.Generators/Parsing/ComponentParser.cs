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
        public static ParseResult<ComponentDeclaration> ParseMixer(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not INamedTypeSymbol symbol || context.Attributes.Length == 0 || !DeclarationChecks.ShouldGenerate(symbol, ComponentReader.MixerAttribute))
            {
                return new ParseResult<ComponentDeclaration>(null, EquatableArray<DiagnosticInfo>.Empty);
            }
            if (DeclarationChecks.RequireClass(context.TargetNode) is { } notClass)
            {
                return new ParseResult<ComponentDeclaration>(null, new EquatableArray<DiagnosticInfo>(new[] { notClass }));
            }
            var diagnostics = new List<DiagnosticInfo>();
            var notPartial = DeclarationChecks.RequirePartial(context.TargetNode, "mixer parameters and forward pass");
            if (notPartial is not null) diagnostics.Add(notPartial);
            cancellationToken.ThrowIfCancellationRequested();
            var mixer = ComponentReader.ReadMixer(context.Attributes[0], ComponentReader.GlobalName(symbol));
            var declaration = notPartial is null ? new ComponentDeclaration(DeclarationChecks.Hierarchy(symbol), null, mixer) : null;
            return new ParseResult<ComponentDeclaration>(declaration, diagnostics.ToEquatableArray());
        }

        public static ParseResult<ComponentDeclaration> ParseBlock(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not INamedTypeSymbol symbol || context.Attributes.Length == 0 || !DeclarationChecks.ShouldGenerate(symbol, ComponentReader.BlockAttribute))
            {
                return new ParseResult<ComponentDeclaration>(null, EquatableArray<DiagnosticInfo>.Empty);
            }
            if (DeclarationChecks.RequireClass(context.TargetNode) is { } notClass)
            {
                return new ParseResult<ComponentDeclaration>(null, new EquatableArray<DiagnosticInfo>(new[] { notClass }));
            }
            var diagnostics = new List<DiagnosticInfo>();
            var notPartial = DeclarationChecks.RequirePartial(context.TargetNode, "block parameters and forward pass");
            if (notPartial is not null) diagnostics.Add(notPartial);
            cancellationToken.ThrowIfCancellationRequested();
            var block = ComponentReader.ReadBlock(symbol, out string? error);
            if (block is null)
            {
                var a = new AttributeArguments(context.Attributes[0]);
                LocationInfo? location = a.AttributeLocation;
                foreach (var l in a.Locations())
                {
                    if (l.Name == "Mixer") location = l.Location;
                }
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidComponentType, location, symbol.ToDisplayString(), "a Vim block", error!));
            }
            var declaration = notPartial is null && block is not null ? new ComponentDeclaration(DeclarationChecks.Hierarchy(symbol), block, null) : null;
            return new ParseResult<ComponentDeclaration>(declaration, diagnostics.ToEquatableArray());
        }
    }
}
