using Microsoft.CodeAnalysis;
using Vim.Generators.Specs;

namespace Vim.Generators.Parsing
{
    /// <summary>Reads <c>[VssBlock]</c>, <c>[SS2D]</c> and <c>[VMambaMlp]</c> declarations, from source or from referenced assemblies.</summary>
    internal static class VMambaComponentReader
    {
        public const string BlockAttribute = "Vim.Dsl.VssBlockAttribute";
        public const string MixerAttribute = "Vim.Dsl.SS2DAttribute";
        public const string MlpAttribute = "Vim.Dsl.VMambaMlpAttribute";

        /// <summary>The model options that belong to the block, its mixer or its MLP when the model builds its own block.</summary>
        public static readonly string[] BlockOptions =
        {
            "SsmDState", "SsmRatio", "SsmDtRank", "SsmActLayer", "SsmConv", "SsmConvBias", "SsmDropRate", "SsmInit", "ForwardType",
            "MlpRatio", "MlpActLayer", "MlpDropRate", "Gmlp", "NormLayer",
        };

        public static VMambaMixerSpec ReadMixer(AttributeData data, string typeName)
        {
            var a = new AttributeArguments(data);
            return new VMambaMixerSpec(
                typeName,
                a.Int("SsmDState", 16),
                a.Double("SsmRatio", 2.0),
                a.Int("SsmDtRank", 0),
                a.Enum("SsmActLayer", 0),
                a.Int("SsmConv", 3),
                a.Bool("SsmConvBias", true),
                a.Enum("SsmInit", 0),
                String(data, "ForwardType", "v2"));
        }

        public static VMambaMlpSpec ReadMlp(AttributeData data, string typeName)
        {
            var a = new AttributeArguments(data);
            return new VMambaMlpSpec(typeName, a.Double("MlpRatio", 4.0), a.Enum("MlpActLayer", 1), a.Bool("Gmlp", false));
        }

        /// <summary>The block declared on <paramref name="blockType"/>, or an explanation of why it is not a usable VSS block.</summary>
        public static VssBlockSpec? ReadBlock(INamedTypeSymbol blockType, out string? error)
        {
            var blockData = ComponentReader.Find(blockType, BlockAttribute);
            if (blockData is null)
            {
                error = ComponentReader.Find(blockType, ComponentReader.BlockAttribute) is not null
                    ? "it is declared with [VimBlock], a Vim block; a VMamba model needs a class declared with [VssBlock]"
                    : "it has no [VssBlock] attribute";
                return null;
            }
            var a = new AttributeArguments(blockData);
            var mixerType = a.Type("Mixer");
            if (mixerType is null)
            {
                error = "its [VssBlock] attribute does not name a Mixer type";
                return null;
            }
            var mixerData = ComponentReader.Find(mixerType, MixerAttribute);
            if (mixerData is null)
            {
                error = ComponentReader.Find(mixerType, ComponentReader.MixerAttribute) is not null
                    ? $"its mixer '{mixerType.ToDisplayString()}' is a [MambaMixer] (Vim); a VSS block needs an [SS2D] mixer"
                    : $"its mixer '{mixerType.ToDisplayString()}' has no [SS2D] attribute";
                return null;
            }
            VMambaMlpSpec? mlp = null;
            var mlpType = a.Type("Mlp");
            if (mlpType is not null)
            {
                var mlpData = ComponentReader.Find(mlpType, MlpAttribute);
                if (mlpData is null)
                {
                    error = $"its MLP '{mlpType.ToDisplayString()}' has no [VMambaMlp] attribute";
                    return null;
                }
                if (ComponentReader.UndefinedEnum(new AttributeArguments(mlpData)) is { } badMlp)
                {
                    error = badMlp;
                    return null;
                }
                mlp = ReadMlp(mlpData, ComponentReader.GlobalName(mlpType));
            }
            if ((ComponentReader.UndefinedEnum(a) ?? ComponentReader.UndefinedEnum(new AttributeArguments(mixerData))) is { } undefined)
            {
                error = undefined;
                return null;
            }
            error = null;
            return new VssBlockSpec(ComponentReader.GlobalName(blockType), a.Enum("NormLayer", 0), ReadMixer(mixerData, ComponentReader.GlobalName(mixerType)), mlp);
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
