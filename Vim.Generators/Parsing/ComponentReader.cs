using Microsoft.CodeAnalysis;
using Vim.Generators.Specs;

namespace Vim.Generators.Parsing
{
    /// <summary>Reads <c>[MambaMixer]</c> and <c>[VimBlock]</c> declarations, from source or from referenced assemblies.</summary>
    internal static class ComponentReader
    {
        public const string MixerAttribute = "Vim.Dsl.MambaMixerAttribute";
        public const string BlockAttribute = "Vim.Dsl.VimBlockAttribute";

        public static MixerSpec ReadMixer(AttributeData data, string? typeName)
        {
            var a = new AttributeArguments(data);
            var d = MixerSpec.Default;
            return new MixerSpec(
                typeName,
                a.Int("DState", d.DState),
                a.Int("DConv", d.DConv),
                a.Int("Expand", d.Expand),
                a.Int("DtRank", d.DtRank),
                a.Double("DtMin", d.DtMin),
                a.Double("DtMax", d.DtMax),
                (DtInitKind)a.Enum("DtInit", (int)d.DtInit),
                a.Double("DtScale", d.DtScale),
                a.Double("DtInitFloor", d.DtInitFloor),
                a.Bool("ConvBias", d.ConvBias),
                a.Bool("Bias", d.Bias),
                a.Bool("UseFastPath", d.UseFastPath),
                (BimambaKind)a.Enum("BimambaType", (int)d.Bimamba),
                a.Bool("DivideOut", d.DivideOut),
                a.Double("InitLayerScale", d.InitLayerScale));
        }

        /// <summary>The block declared on <paramref name="blockType"/>, or an explanation of why it is not a usable block.</summary>
        public static BlockSpec? ReadBlock(INamedTypeSymbol blockType, out string? error)
        {
            var blockData = Find(blockType, BlockAttribute);
            if (blockData is null)
            {
                error = "it has no [VimBlock] attribute";
                return null;
            }
            var a = new AttributeArguments(blockData);
            var mixerType = a.Type("Mixer");
            if (mixerType is null)
            {
                error = "its [VimBlock] attribute does not name a Mixer type";
                return null;
            }
            var mixerData = Find(mixerType, MixerAttribute);
            if (mixerData is null)
            {
                error = $"its mixer '{mixerType.ToDisplayString()}' has no [MambaMixer] attribute";
                return null;
            }
            if ((UndefinedEnum(a) ?? UndefinedEnum(new AttributeArguments(mixerData))) is { } undefined)
            {
                error = undefined;
                return null;
            }
            error = null;
            var mixer = ReadMixer(mixerData, GlobalName(mixerType));
            return new BlockSpec(
                GlobalName(blockType),
                a.Bool("RmsNorm", true),
                a.Double("NormEpsilon", 1e-5),
                a.Bool("FusedAddNorm", true),
                a.Bool("ResidualInFp32", true),
                mixer);
        }

        /// <summary>A component's undefined enum argument, as the sentence VIM010 ends with; null when there is none.</summary>
        public static string? UndefinedEnum(AttributeArguments a) =>
            a.UndefinedEnum() is { } u ? $"{u.Name} = {u.Value} is not a defined {u.Enum} value (expected one of {u.Members})" : null;

        public static AttributeData? Find(INamedTypeSymbol type, string attributeName)
        {
            foreach (var attribute in type.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == attributeName) return attribute;
            }
            return null;
        }

        public static string GlobalName(INamedTypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
    }
}
