using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Vim.Generators.Diagnostics
{
    /// <summary>The VMamba generator's own diagnostics (VIM020+); it also reports the shared VIM001–VIM003, VIM010, VIM013–VIM015.</summary>
    internal static class VMambaDiagnosticDescriptors
    {
        private const string Declaration = "Vim.Declaration";
        private const string Configuration = "Vim.Configuration";

        /// <summary>Format: <c>"Depths has {0} stages but Dims lists {1} widths; give one width per stage"</c>.</summary>
        public static readonly DiagnosticDescriptor DepthsDimsMismatch = new(
            "VIM020", "Depths and Dims differ in length",
            "Depths has {0} stages but Dims lists {1} widths; give one width per stage",
            Configuration, DiagnosticSeverity.Error, true,
            "VSSM builds one stage per entry of depths and reads dims[i] for stage i; the lists must have the same length.");

        /// <summary>Format: <c>"Depths must list at least one stage"</c>.</summary>
        public static readonly DiagnosticDescriptor EmptyDepths = new(
            "VIM021", "Depths is empty",
            "Depths must list at least one stage",
            Configuration, DiagnosticSeverity.Error, true,
            "A VSSM without stages has no classifier input (dims[-1] does not exist).");

        /// <summary>Format: <c>"Forward type '{0}' is not a VMamba forward type: {1}"</c>.</summary>
        public static readonly DiagnosticDescriptor UnknownForwardType = new(
            "VIM022", "Unknown forward type",
            "Forward type '{0}' is not a VMamba forward type: {1}",
            Configuration, DiagnosticSeverity.Error, true,
            "Valid strings are base[_onsigmoid|_onsoftmax|_oncnorm|_ondwconv3|_onnone][_nozact][_noz][_oact][_no32] with base v01…v05, v051d, v052d, v3, or exactly v0 / v0seq (VMamba spec §7.2).");

        /// <summary>Format: <c>"{0} fails in the official code: {1}"</c>.</summary>
        public static readonly DiagnosticDescriptor BrokenUpstream = new(
            "VIM023", "Configuration fails upstream",
            "{0} fails in the official code: {1}",
            Configuration, DiagnosticSeverity.Error, true,
            "The official VSSM crashes on this configuration (at MzeroMiko/VMamba 2ed52ea), so no checkpoint or reference number can exist for it.");

        /// <summary>Format: <c>"{0} is not supported by this port: {1}"</c>.</summary>
        public static readonly DiagnosticDescriptor NotPorted = new(
            "VIM024", "Configuration not supported",
            "{0} is not supported by this port: {1}",
            Configuration, DiagnosticSeverity.Error, true,
            "The option runs upstream but is an ablation without released weights that this port does not implement.");

        /// <summary>Format: <c>"Give either Dim ({0}, expands to [{1}]) or Dims, not both"</c>.</summary>
        public static readonly DiagnosticDescriptor DimAndDims = new(
            "VIM025", "Dim and Dims both given",
            "Give either Dim ({0}, expands to [{1}]) or Dims, not both",
            Declaration, DiagnosticSeverity.Error, true,
            "Official dims is either an int (expanded to c·2^i) or a list; the two DSL properties spell those two forms.");

        /// <summary>Format: <c>"{0} is a block option and cannot be set on the model when Block is given; set it on the block '{1}' (or its mixer or MLP) instead"</c>.</summary>
        public static readonly DiagnosticDescriptor BlockOptionConflict = new(
            "VIM026", "VSS block option set on a model that names its block",
            "{0} is a block option and cannot be set on the model when Block is given; set it on the block '{1}' (or its mixer or MLP) instead",
            Configuration, DiagnosticSeverity.Error, true,
            "When VMamba.Block names a declared [VssBlock], that block and its [SS2D] mixer and [VMambaMlp] define the SS2D, MLP and norm options; a second value on the model would be ambiguous.");

        private static readonly Dictionary<string, DiagnosticDescriptor> All = new()
        {
            [DepthsDimsMismatch.Id] = DepthsDimsMismatch,
            [EmptyDepths.Id] = EmptyDepths,
            [UnknownForwardType.Id] = UnknownForwardType,
            [BrokenUpstream.Id] = BrokenUpstream,
            [NotPorted.Id] = NotPorted,
            [DimAndDims.Id] = DimAndDims,
            [BlockOptionConflict.Id] = BlockOptionConflict,
        };

        /// <summary>A VMamba descriptor, else a shared one.</summary>
        public static DiagnosticDescriptor ById(string id) => All.TryGetValue(id, out var d) ? d : DiagnosticDescriptors.ById(id);
    }
}
