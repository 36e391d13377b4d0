using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Vim.Generators.Diagnostics;
using Vim.Generators.Helpers;
using Vim.Generators.Specs;

namespace Vim.Generators.Parsing
{
    /// <summary>Turns one <c>[VMamba]</c> declaration into a <see cref="VMambaSpec"/>; the only VMamba stage that sees symbols.</summary>
    internal static class VMambaParser
    {
        public const string AttributeName = "Vim.Dsl.VMambaAttribute";

        public static ParseResult<VMambaSpec> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var diagnostics = new List<DiagnosticInfo>();
            if (context.TargetSymbol is not INamedTypeSymbol symbol || context.Attributes.Length == 0)
            {
                return new ParseResult<VMambaSpec>(null, EquatableArray<DiagnosticInfo>.Empty);
            }
            if (DeclarationChecks.RequireClass(context.TargetNode, symbol) is { } notClass)
            {
                return new ParseResult<VMambaSpec>(null, new EquatableArray<DiagnosticInfo>(new[] { notClass }));
            }
            var notPartial = DeclarationChecks.RequirePartial(context.TargetNode, "parameters and forward pass");
            if (notPartial is not null) diagnostics.Add(notPartial);
            cancellationToken.ThrowIfCancellationRequested();

            var data = context.Attributes[0];
            var a = new AttributeArguments(data);
            string name = a.Constructor.Length == 1 && a.Constructor[0].Value is string s ? s : "";
            if (a.UndefinedEnum() is { } undefined)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UndefinedEnumValue, a.LocationOf(undefined.Name), undefined.Name, undefined.Value, undefined.Enum, undefined.Members));
                return new ParseResult<VMambaSpec>(null, diagnostics.ToEquatableArray());
            }
            VssBlockSpec? block = null;
            if (a.Type("Block") is { } blockType)
            {
                block = VMambaComponentReader.ReadBlock(blockType, out string? error);
                if (block is null)
                {
                    var location = a.LocationOf("Block");
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidComponentType, location, blockType.ToDisplayString(), "a VSS block", error!));
                    return new ParseResult<VMambaSpec>(null, diagnostics.ToEquatableArray());
                }
            }

            var spec = new VMambaSpec(
                DeclarationChecks.Hierarchy(symbol),
                name,
                a.Strings("Aliases"),
                a.Int("PatchSize", 4),
                a.Int("InChans", 3),
                a.Int("NumClasses", 1000),
                Ints(data, "Depths", 2, 2, 9, 2),
                Ints(data, "Dims", 96, 192, 384, 768),
                a.Int("Dim", 0),
                a.Int("SsmDState", 16),
                a.Double("SsmRatio", 2.0),
                a.Int("SsmDtRank", 0),
                a.Enum("SsmActLayer", 0),
                a.Int("SsmConv", 3),
                a.Bool("SsmConvBias", true),
                a.Enum("SsmInit", 0),
                String(data, "ForwardType", "v2"),
                a.Double("MlpRatio", 4.0),
                a.Enum("MlpActLayer", 1),
                a.Bool("Gmlp", false),
                a.Bool("PatchNorm", true),
                a.Enum("NormLayer", 0),
                a.Enum("DownsampleVersion", 1),
                a.Enum("PatchEmbedVersion", 0),
                a.Bool("PosEmbed", false),
                a.Int("ImgSize", 224),
                a.Doubles("Mean", 0.485, 0.456, 0.406),
                a.Doubles("Std", 0.229, 0.224, 0.225),
                a.Double("CropPct", 0.875),
                a.Double("DropPathRate", 0.1),
                a.Bool("UseCheckpoint", false),
                a.Names.ToEquatableArray(),
                a.AttributeLocation,
                a.Locations(),
                block);
            return new ParseResult<VMambaSpec>(spec, diagnostics.ToEquatableArray());
        }

        private static EquatableArray<int> Ints(AttributeData data, string name, params int[] fallback)
        {
            foreach (var pair in data.NamedArguments)
            {
                if (pair.Key != name || pair.Value.Kind != TypedConstantKind.Array) continue;
                if (pair.Value.IsNull) return EquatableArray<int>.Empty;
                return pair.Value.Values.Select(v => v.Value is int i ? i : 0).ToEquatableArray();
            }
            return new EquatableArray<int>(fallback);
        }

        private static string String(AttributeData data, string name, string fallback)
        {
            foreach (var pair in data.NamedArguments)
            {
                if (pair.Key == name && pair.Value.Kind != TypedConstantKind.Error) return pair.Value.Value as string ?? "";
            }
            return fallback;
        }
    }
}
