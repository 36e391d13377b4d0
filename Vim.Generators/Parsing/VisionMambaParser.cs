using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Vim.Generators.Diagnostics;
using Vim.Generators.Helpers;
using Vim.Generators.Specs;

namespace Vim.Generators.Parsing
{
    /// <summary>Turns one <c>[VisionMamba]</c> declaration into a <see cref="VisionMambaSpec"/>; the only stage that sees symbols.</summary>
    internal static class VisionMambaParser
    {
        public const string AttributeName = "Vim.Dsl.VisionMambaAttribute";

        /// <summary>The model options that belong to the block (and its mixer) when the model builds its own block.</summary>
        public static readonly string[] BlockOptions =
        {
            "RmsNorm", "NormEpsilon", "FusedAddNorm", "ResidualInFp32", "DState", "BimambaType", "DivideOut", "InitLayerScale",
        };

        public static ParseResult<VisionMambaSpec> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var diagnostics = new List<DiagnosticInfo>();
            if (context.TargetSymbol is not INamedTypeSymbol symbol || context.Attributes.Length == 0 || !DeclarationChecks.ShouldGenerate(symbol, AttributeName))
            {
                return new ParseResult<VisionMambaSpec>(null, EquatableArray<DiagnosticInfo>.Empty);
            }
            if (DeclarationChecks.RequireClass(context.TargetNode, symbol) is { } notClass)
            {
                return new ParseResult<VisionMambaSpec>(null, new EquatableArray<DiagnosticInfo>(new[] { notClass }));
            }
            var notPartial = DeclarationChecks.RequirePartial(context.TargetNode, "parameters and forward pass");
            if (notPartial is not null) diagnostics.Add(notPartial);
            cancellationToken.ThrowIfCancellationRequested();

            var a = new AttributeArguments(context.Attributes[0]);
            string name = a.Constructor.Length == 1 && a.Constructor[0].Value is string s ? s : "";
            if (a.UndefinedEnum() is { } undefined)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UndefinedEnumValue, a.LocationOf(undefined.Name), undefined.Name, undefined.Value, undefined.Enum, undefined.Members));
                return new ParseResult<VisionMambaSpec>(null, diagnostics.ToEquatableArray());
            }
            int imgSize = a.Int("ImgSize", 224);
            int imgHeight = a.Int("ImgHeight", 0);
            int imgWidth = a.Int("ImgWidth", 0);

            BlockSpec block;
            bool blockDeclared = false;
            var blockType = a.Type("Block");
            if (blockType is not null)
            {
                var declared = ComponentReader.ReadBlock(blockType, out string? error);
                if (declared is null)
                {
                    var location = a.LocationOf("Block");
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidComponentType, location, blockType.ToDisplayString(), "a Vim block", error!));
                    return new ParseResult<VisionMambaSpec>(null, diagnostics.ToEquatableArray());
                }
                block = declared;
                blockDeclared = true;
            }
            else
            {
                // Without a declared block the model's own options define it, as the official create_block does.
                var mixer = MixerSpec.Default with
                {
                    DState = a.Int("DState", 16),
                    Bimamba = (BimambaKind)a.Enum("BimambaType", (int)BimambaKind.V2),
                    DivideOut = a.Bool("DivideOut", true),
                    InitLayerScale = a.Double("InitLayerScale", 0.0),
                };
                block = new BlockSpec(null, a.Bool("RmsNorm", true), a.Double("NormEpsilon", 1e-5), a.Bool("FusedAddNorm", true), a.Bool("ResidualInFp32", true), mixer);
            }

            var spec = new VisionMambaSpec(
                DeclarationChecks.Hierarchy(symbol),
                name,
                a.Strings("Aliases"),
                imgHeight != 0 ? imgHeight : imgSize,
                imgWidth != 0 ? imgWidth : imgSize,
                imgHeight != 0 || imgWidth != 0,
                a.Int("PatchSize", 16),
                a.Int("Stride", 16),
                a.Int("Depth", 24),
                a.Int("EmbedDim", 192),
                a.Int("Channels", 3),
                a.Int("NumClasses", 1000),
                a.Bool("Bidirectional", false),
                (PoolKind)a.Enum("FinalPoolType", (int)PoolKind.None),
                a.Bool("AbsPosEmbed", true),
                a.Bool("Rope", false),
                a.Bool("RopeResidual", false),
                a.Int("PtHwSeqLen", 14),
                a.Bool("ClsToken", true),
                a.Bool("UseDoubleClsToken", false),
                a.Bool("UseMiddleClsToken", true),
                block,
                blockDeclared,
                a.Doubles("Mean", 0.485, 0.456, 0.406),
                a.Doubles("Std", 0.229, 0.224, 0.225),
                a.Double("CropPct", 0.875),
                a.Double("DropRate", 0.0),
                a.Double("DropPathRate", 0.1),
                a.Names.ToEquatableArray(),
                a.AttributeLocation,
                a.Locations());
            return new ParseResult<VisionMambaSpec>(spec, diagnostics.ToEquatableArray());
        }
    }
}
