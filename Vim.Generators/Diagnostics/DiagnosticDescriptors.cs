using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Vim.Generators.Diagnostics
{
    /// <summary>Every diagnostic the generator reports. IDs are never reused once shipped.</summary>
    internal static class DiagnosticDescriptors
    {
        private const string Declaration = "Vim.Declaration";
        private const string Configuration = "Vim.Configuration";

        /// <summary>Format: <c>"Type '{0}' must be declared partial so that the generator can add its {1}"</c>.</summary>
        public static readonly DiagnosticDescriptor NotPartial = new(
            "VIM001", "Declared type must be partial",
            "Type '{0}' must be declared partial so that the generator can add its {1}",
            Declaration, DiagnosticSeverity.Error, true,
            "The generator adds parameters and the forward pass to the declared class; it can only do so for a partial class (and partial containing types).");

        /// <summary>Format: <c>"Model name '{0}' is already declared by '{1}'; registry names must be unique (case-insensitive)"</c>.</summary>
        public static readonly DiagnosticDescriptor DuplicateModelName = new(
            "VIM002", "Duplicate model name",
            "Model name '{0}' is already declared by '{1}'; registry names must be unique (case-insensitive)",
            Declaration, DiagnosticSeverity.Error, true,
            "Models.Create looks models up by name and alias, case-insensitively, so two declarations cannot share one.");

        /// <summary>Format: <c>"{0} must be positive, got {1}"</c>.</summary>
        public static readonly DiagnosticDescriptor NonPositiveSize = new(
            "VIM003", "Size must be positive",
            "{0} must be positive, got {1}",
            Configuration, DiagnosticSeverity.Error, true,
            "Sizes, depths, widths and epsilons of a model must be greater than zero.");

        /// <summary>Format: <c>"Image size {0}x{1} is smaller than the patch size {2}: the patch convolution has no output"</c>.</summary>
        public static readonly DiagnosticDescriptor ImageSizeIncompatible = new(
            "VIM004", "Image smaller than a patch",
            "Image size {0}x{1} is smaller than the patch size {2}: the patch convolution has no output",
            Configuration, DiagnosticSeverity.Error, true,
            "The patch grid is (side - patch) // stride + 1 per side, as the official Conv2d computes it: pixels past the last whole patch are dropped, as upstream drops them, but an image smaller than one patch has none.");

        /// <summary>Format: <c>"Depth {0} must be even when Bidirectional is true (blocks pair up; upstream silently never runs the last layer)"</c>.</summary>
        public static readonly DiagnosticDescriptor OddDepthWithBidirectional = new(
            "VIM005", "Depth must be even for bidirectional models",
            "Depth {0} must be even when Bidirectional is true (blocks pair up; upstream silently never runs the last layer)",
            Configuration, DiagnosticSeverity.Error, true,
            "With if_bidirectional the official model runs layers in pairs (2k on the sequence, 2k+1 on its reverse); an odd last layer would be registered but unused.");

        /// <summary>Format: <c>"Rope cannot be combined with UseDoubleClsToken: upstream's rotary table has {0} rows for a sequence of {1} tokens and crashes"</c>.</summary>
        public static readonly DiagnosticDescriptor RopeWithDoubleClsToken = new(
            "VIM006", "RoPE with a double cls token",
            "Rope cannot be combined with UseDoubleClsToken: upstream's rotary table has {0} rows for a sequence of {1} tokens and crashes",
            Configuration, DiagnosticSeverity.Error, true,
            "The official VisionRotaryEmbeddingFast rotates every token of an even-length sequence with one table row per patch; two extra cls tokens make the lengths disagree.");

        /// <summary>Format: <c>"Rope needs Stride equal to PatchSize, got stride {0} and patch size {1}: upstream builds its table for (img/patch)^2 = {2} tokens but the sequence has {3} patches and crashes"</c>.</summary>
        public static readonly DiagnosticDescriptor RopeWithOverlappingPatches = new(
            "VIM007", "RoPE with stride different from the patch size",
            "Rope needs Stride equal to PatchSize, got stride {0} and patch size {1}: upstream builds its table for (img/patch)^2 = {2} tokens but the sequence has {3} patches and crashes",
            Configuration, DiagnosticSeverity.Error, true,
            "The rotary table's grid is img_size // patch_size, not the patch grid of the strided convolution.");

        /// <summary>Format: <c>"FinalPoolType.Max cannot be combined with a cls token: upstream then takes the maximum over the classes and returns one number per image instead of logits"</c>.</summary>
        public static readonly DiagnosticDescriptor MaxPoolWithClsToken = new(
            "VIM008", "Max pooling with a cls token",
            "FinalPoolType.Max cannot be combined with a cls token: upstream then takes the maximum over the classes and returns one number per image instead of logits",
            Configuration, DiagnosticSeverity.Error, true,
            "With a cls token the official forward reduces the (B, classes) logits over axis 1, giving shape (B,). Set ClsToken = false to pool over tokens, or use another pool type.");

        /// <summary>Format: <c>"Rope cannot be used here: {0}"</c>.</summary>
        public static readonly DiagnosticDescriptor RopeGeometry = new(
            "VIM009", "RoPE geometry not supported",
            "Rope cannot be used here: {0}",
            Configuration, DiagnosticSeverity.Error, true,
            "Upstream's rotary embedding needs a square integer image size, an embedding width divisible by 4, and a token count that matches its table.");

        /// <summary>Format: <c>"'{0}' is not usable as {1}: {2}"</c>.</summary>
        public static readonly DiagnosticDescriptor InvalidComponentType = new(
            "VIM010", "Invalid block or mixer type",
            "'{0}' is not usable as {1}: {2}",
            Declaration, DiagnosticSeverity.Error, true,
            "VisionMamba.Block must name a class declared with [VimBlock] and VimBlock.Mixer one declared with [MambaMixer]; VMamba.Block must name a [VssBlock] class whose Mixer is an [SS2D] class and whose Mlp, if any, is a [VMambaMlp] class.");

        /// <summary>Format: <c>"{0} is a block option and cannot be set on the model when Block is given; set it on the block '{1}' instead"</c>.</summary>
        public static readonly DiagnosticDescriptor BlockOptionConflict = new(
            "VIM011", "Block option set on a model that names its block",
            "{0} is a block option and cannot be set on the model when Block is given; set it on the block '{1}' instead",
            Configuration, DiagnosticSeverity.Error, true,
            "When VisionMamba.Block names a declared block, that block's attributes define the norm and mixer; a second value on the model would be ambiguous.");

        /// <summary>Format: <c>"Rope with the middle cls token runs as upstream does, with misaligned positions: patch 0 is left unrotated and the cls token gets a patch's angle"</c>.</summary>
        public static readonly DiagnosticDescriptor RopeWithMiddleClsToken = new(
            "VIM012", "RoPE with the middle cls token is misaligned",
            "Rope with the middle cls token runs as upstream does, with misaligned positions: patch 0 is left unrotated and the cls token gets a patch's angle",
            Configuration, DiagnosticSeverity.Warning, true,
            "Upstream rotates tokens 1..L-1 with table rows 0..L-2 whenever L is odd, wherever the cls token sits. The port reproduces this; use a head cls token for aligned positions.");

        /// <summary>Format: <c>"NumClasses must not be negative, got {0} (0 means no head)"</c>.</summary>
        public static readonly DiagnosticDescriptor NegativeClassCount = new(
            "VIM013", "Negative class count",
            "NumClasses must not be negative, got {0} (0 means no head)",
            Configuration, DiagnosticSeverity.Error, true,
            "num_classes = 0 gives a model without head; a negative count has no meaning.");

        /// <summary>Format: <c>"Model name '{0}' is not valid: {1}"</c>.</summary>
        public static readonly DiagnosticDescriptor InvalidModelName = new(
            "VIM014", "Invalid model name",
            "Model name '{0}' is not valid: {1}",
            Declaration, DiagnosticSeverity.Error, true,
            "Registry names are non-empty and contain no whitespace; lookups are case-insensitive.");

        /// <summary>Format: <c>"'{0}' is a record; models, blocks and mixers must be classes (a record cannot derive from the runtime's Module)"</c>.</summary>
        public static readonly DiagnosticDescriptor RecordDeclaration = new(
            "VIM015", "Declared type must be a class",
            "'{0}' is a record; models, blocks and mixers must be classes (a record cannot derive from the runtime's Module)",
            Declaration, DiagnosticSeverity.Error, true,
            "The generated code derives the declared type from Vim.Runtime's Module; C# allows records to derive only from records.");

        /// <summary>Format: <c>"{0} = {1} is not a defined {2} value; expected one of {3}"</c>.</summary>
        public static readonly DiagnosticDescriptor UndefinedEnumValue = new(
            "VIM016", "Undefined enum value",
            "{0} = {1} is not a defined {2} value; expected one of {3}",
            Configuration, DiagnosticSeverity.Error, true,
            "A cast such as (NormLayer)99 compiles but names no option the official code has.");

        /// <summary>Format: <c>"{0} must be {1}, got {2}"</c>.</summary>
        public static readonly DiagnosticDescriptor OptionOutOfRange = new(
            "VIM017", "Option out of range",
            "{0} must be {1}, got {2}",
            Configuration, DiagnosticSeverity.Error, true,
            "Rates, ratios, crop fractions and normalisation constants have ranges outside which the official code divides by zero, produces NaN or silently does something else.");

        /// <summary>Format: <c>"{0} = {1} is too large: at most {2}"</c>.</summary>
        public static readonly DiagnosticDescriptor SizeTooLarge = new(
            "VIM018", "Size too large",
            "{0} = {1} is too large: at most {2}",
            Configuration, DiagnosticSeverity.Error, true,
            "Sizes far beyond any model overflow the 32-bit arithmetic of tensor shapes; the limits are orders of magnitude above the official models.");

        /// <summary>Format: <c>"'{0}' is {1}; models, blocks and mixers must be non-generic, non-static, non-abstract classes"</c>.</summary>
        public static readonly DiagnosticDescriptor UnsupportedTypeKind = new(
            "VIM019", "Declared type cannot be generic, static or abstract",
            "'{0}' is {1}; models, blocks and mixers must be non-generic, non-static, non-abstract classes",
            Declaration, DiagnosticSeverity.Error, true,
            "The registry creates each model with its constructor, which a generic, static or abstract class does not offer.");

        private static readonly Dictionary<string, DiagnosticDescriptor> All = new()
        {
            [NotPartial.Id] = NotPartial,
            [DuplicateModelName.Id] = DuplicateModelName,
            [NonPositiveSize.Id] = NonPositiveSize,
            [ImageSizeIncompatible.Id] = ImageSizeIncompatible,
            [OddDepthWithBidirectional.Id] = OddDepthWithBidirectional,
            [RopeWithDoubleClsToken.Id] = RopeWithDoubleClsToken,
            [RopeWithOverlappingPatches.Id] = RopeWithOverlappingPatches,
            [MaxPoolWithClsToken.Id] = MaxPoolWithClsToken,
            [RopeGeometry.Id] = RopeGeometry,
            [InvalidComponentType.Id] = InvalidComponentType,
            [BlockOptionConflict.Id] = BlockOptionConflict,
            [RopeWithMiddleClsToken.Id] = RopeWithMiddleClsToken,
            [NegativeClassCount.Id] = NegativeClassCount,
            [InvalidModelName.Id] = InvalidModelName,
            [RecordDeclaration.Id] = RecordDeclaration,
            [UndefinedEnumValue.Id] = UndefinedEnumValue,
            [OptionOutOfRange.Id] = OptionOutOfRange,
            [SizeTooLarge.Id] = SizeTooLarge,
            [UnsupportedTypeKind.Id] = UnsupportedTypeKind,
        };

        public static DiagnosticDescriptor ById(string id) => All[id];
    }
}
