using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Vim.Generators.Diagnostics;
using Vim.Generators.Graph;
using Vim.Generators.Helpers;
using Vim.Generators.Specs;

namespace Vim.Generators.Parsing
{
    /// <summary>A VSS block, SS2D mixer or VMamba MLP declared in this compilation, to be generated as its own class.</summary>
    internal sealed record VMambaComponentDeclaration(HierarchyInfo Type, VssBlockSpec? Block, VMambaMixerSpec? Mixer, VMambaMlpSpec? Mlp);

    /// <summary>Parses <c>[VssBlock]</c>, <c>[SS2D]</c> and <c>[VMambaMlp]</c> declarations of this compilation.</summary>
    internal static class VMambaComponentParser
    {
        public static ParseResult<VMambaComponentDeclaration> ParseMixer(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
            Parse(context, VMambaComponentReader.MixerAttribute, "SS2D parameters and forward pass", cancellationToken, (symbol, data, diagnostics) =>
            {
                var mixer = VMambaComponentReader.ReadMixer(data, ComponentReader.GlobalName(symbol));
                var a = new AttributeArguments(data);
                LocationInfo? At(string name) => a.LocationOf(name);
                int before = diagnostics.Count;
                var ft = VMambaForwardType.Parse(mixer.ForwardType, channelFirst: false);
                if (ft.Error is not null) diagnostics.Add(DiagnosticInfo.Create(VMambaDiagnosticDescriptors.UnknownForwardType, At("ForwardType"), mixer.ForwardType, ft.Error));
                if (ft.Broken is not null) diagnostics.Add(DiagnosticInfo.Create(VMambaDiagnosticDescriptors.BrokenUpstream, At("ForwardType"), $"ForwardType \"{mixer.ForwardType}\"", ft.Broken));
                if (ft.NotPorted is not null) diagnostics.Add(DiagnosticInfo.Create(VMambaDiagnosticDescriptors.NotPorted, At("ForwardType"), $"ForwardType \"{mixer.ForwardType}\"", ft.NotPorted));
                if (mixer.SsmDState <= 0) diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, At("SsmDState"), "SsmDState", mixer.SsmDState));
                if (mixer.SsmDtRank < 0) diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, At("SsmDtRank"), "SsmDtRank (0 = \"auto\")", mixer.SsmDtRank));
                if (mixer.SsmConv > 1 && mixer.SsmConv % 2 == 0 && !ft.Legacy)
                {
                    diagnostics.Add(DiagnosticInfo.Create(VMambaDiagnosticDescriptors.NotPorted, At("SsmConv"), $"SsmConv = {mixer.SsmConv}", "an even depthwise kernel with padding (k−1)/2 shrinks the map, so the residual add fails upstream; use an odd size"));
                }
                return diagnostics.Count == before ? new VMambaComponentDeclaration(DeclarationChecks.Hierarchy(symbol), null, mixer, null) : null;
            });

        public static ParseResult<VMambaComponentDeclaration> ParseMlp(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
            Parse(context, VMambaComponentReader.MlpAttribute, "MLP parameters and forward pass", cancellationToken, (symbol, data, diagnostics) =>
                new VMambaComponentDeclaration(DeclarationChecks.Hierarchy(symbol), null, null, VMambaComponentReader.ReadMlp(data, ComponentReader.GlobalName(symbol))));

        public static ParseResult<VMambaComponentDeclaration> ParseBlock(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
            Parse(context, VMambaComponentReader.BlockAttribute, "block parameters and forward pass", cancellationToken, (symbol, data, diagnostics) =>
            {
                var block = VMambaComponentReader.ReadBlock(symbol, out string? error);
                if (block is not null) return new VMambaComponentDeclaration(DeclarationChecks.Hierarchy(symbol), block, null, null);
                var a = new AttributeArguments(data);
                LocationInfo? location = a.AttributeLocation;
                foreach (var l in a.Locations())
                {
                    if (l.Name == "Mixer" && error!.Contains("mixer")) location = l.Location;
                    if (l.Name == "Mlp" && error!.Contains("MLP")) location = l.Location;
                }
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidComponentType, location, symbol.ToDisplayString(), "a VSS block", error!));
                return null;
            });

        private static ParseResult<VMambaComponentDeclaration> Parse(
            GeneratorAttributeSyntaxContext context, string attributeName, string what, CancellationToken cancellationToken,
            System.Func<INamedTypeSymbol, AttributeData, List<DiagnosticInfo>, VMambaComponentDeclaration?> read)
        {
            if (context.TargetSymbol is not INamedTypeSymbol symbol || context.Attributes.Length == 0 || !DeclarationChecks.ShouldGenerate(symbol, attributeName))
            {
                return new ParseResult<VMambaComponentDeclaration>(null, EquatableArray<DiagnosticInfo>.Empty);
            }
            if (DeclarationChecks.RequireClass(context.TargetNode, symbol) is { } notClass)
            {
                return new ParseResult<VMambaComponentDeclaration>(null, new EquatableArray<DiagnosticInfo>(new[] { notClass }));
            }
            var diagnostics = new List<DiagnosticInfo>();
            var notPartial = DeclarationChecks.RequirePartial(context.TargetNode, what);
            if (notPartial is not null) diagnostics.Add(notPartial);
            cancellationToken.ThrowIfCancellationRequested();
            var declaration = read(symbol, context.Attributes[0], diagnostics);
            return new ParseResult<VMambaComponentDeclaration>(notPartial is null ? declaration : null, diagnostics.ToEquatableArray());
        }
    }
}
