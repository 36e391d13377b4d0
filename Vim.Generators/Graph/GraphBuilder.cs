using System.Collections.Generic;
using System.Threading;
using Vim.Generators.Diagnostics;
using Vim.Generators.Helpers;
using Vim.Generators.Parsing;
using Vim.Generators.Specs;

namespace Vim.Generators.Graph
{
    /// <summary>Spec → graph: resolves structure the way upstream does and turns impossible configurations into diagnostics.</summary>
    internal static class GraphBuilder
    {
        public static BuildResult Build(ParseResult<VisionMambaSpec> parsed, CancellationToken cancellationToken)
        {
            var diagnostics = new List<DiagnosticInfo>(parsed.Diagnostics);
            var s = parsed.Spec;
            if (s is null) return new BuildResult(null, diagnostics.ToEquatableArray(), "", EquatableArray<string>.Empty, null, "");
            cancellationToken.ThrowIfCancellationRequested();

            Validate(s, diagnostics);
            // Upstream precedence (models_mamba.py): a double cls token wins over the middle one, and placement
            // flags without a cls token do nothing.
            var cls = !s.ClsToken ? ClsPlacement.None
                : s.UseDoubleClsToken ? ClsPlacement.Double
                : s.UseMiddleClsToken ? ClsPlacement.Middle
                : ClsPlacement.Head;

            bool hasErrors = false;
            foreach (var d in diagnostics)
            {
                if (DiagnosticDescriptors.ById(d.Id).DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error) hasErrors = true;
            }
            ModelGraph? graph = null;
            if (!hasErrors)
            {
                graph = new ModelGraph(
                    s.Type, s.Name, s.Aliases, s.ImgHeight, s.ImgWidth, s.PatchSize, s.Stride, s.Depth, s.EmbedDim, s.Channels,
                    s.NumClasses, s.Bidirectional, s.FinalPool, s.AbsPosEmbed, s.Rope, s.RopeResidual, s.PtHwSeqLen, cls, s.Block,
                    s.Mean, s.Std, s.CropPct, s.DropRate, s.DropPathRate, 0);
                graph = graph with { ParameterCount = ParameterCounter.Model(graph) };
            }
            return new BuildResult(graph, diagnostics.ToEquatableArray(), s.Name, s.Aliases, s.LocationOf("Name"), s.Type.GlobalName);
        }

        private static void Validate(VisionMambaSpec s, List<DiagnosticInfo> diagnostics)
        {
            void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, string argument, params object[] args) =>
                diagnostics.Add(DiagnosticInfo.Create(descriptor, s.LocationOf(argument), args));

            if (string.IsNullOrWhiteSpace(s.Name)) Report(DiagnosticDescriptors.InvalidModelName, "Name", s.Name, "it is empty");
            else if (s.Name.IndexOfAny(new[] { ' ', '\t', '\n', '\r' }) >= 0) Report(DiagnosticDescriptors.InvalidModelName, "Name", s.Name, "it contains whitespace");

            string imgArgument = s.ImgIsPair ? (s.IsExplicit("ImgHeight") ? "ImgHeight" : "ImgWidth") : "ImgSize";
            var sizes = new (string Name, string Argument, int Value)[]
            {
                ("ImgHeight", s.ImgIsPair ? "ImgHeight" : "ImgSize", s.ImgHeight),
                ("ImgWidth", s.ImgIsPair ? "ImgWidth" : "ImgSize", s.ImgWidth),
                ("PatchSize", "PatchSize", s.PatchSize),
                ("Stride", "Stride", s.Stride),
                ("Depth", "Depth", s.Depth),
                ("EmbedDim", "EmbedDim", s.EmbedDim),
                ("Channels", "Channels", s.Channels),
                ("PtHwSeqLen", "PtHwSeqLen", s.PtHwSeqLen),
            };
            bool sizesOk = true;
            foreach (var (name, argument, value) in sizes)
            {
                if (value <= 0)
                {
                    Report(DiagnosticDescriptors.NonPositiveSize, argument, name, value);
                    sizesOk = false;
                }
            }
            var m = s.Block.Mixer;
            string blockArgument = s.BlockDeclared ? "Block" : "DState";
            if (m.DState <= 0) { Report(DiagnosticDescriptors.NonPositiveSize, blockArgument, "DState", m.DState); sizesOk = false; }
            if (m.DConv <= 0) { Report(DiagnosticDescriptors.NonPositiveSize, "Block", "DConv", m.DConv); sizesOk = false; }
            if (m.Expand <= 0) { Report(DiagnosticDescriptors.NonPositiveSize, "Block", "Expand", m.Expand); sizesOk = false; }
            if (m.DtRank < 0) { Report(DiagnosticDescriptors.NonPositiveSize, "Block", "DtRank", m.DtRank); sizesOk = false; }
            if (!(s.Block.NormEpsilon > 0)) Report(DiagnosticDescriptors.NonPositiveSize, s.BlockDeclared ? "Block" : "NormEpsilon", "NormEpsilon", s.Block.NormEpsilon);
            if (s.NumClasses < 0) Report(DiagnosticDescriptors.NegativeClassCount, "NumClasses", s.NumClasses);

            var checks = new OptionChecks((d, argument, args) => Report(d, argument, args));
            checks.AtMost(s.ImgIsPair ? "ImgHeight" : "ImgSize", "ImgHeight", s.ImgHeight, OptionChecks.MaxImageSide);
            checks.AtMost(s.ImgIsPair ? "ImgWidth" : "ImgSize", "ImgWidth", s.ImgWidth, OptionChecks.MaxImageSide);
            checks.AtMost("PatchSize", "PatchSize", s.PatchSize, OptionChecks.MaxImageSide);
            checks.AtMost("Stride", "Stride", s.Stride, OptionChecks.MaxImageSide);
            checks.AtMost("Depth", "Depth", s.Depth, 1024);
            checks.AtMost("EmbedDim", "EmbedDim", s.EmbedDim, 1 << 16);
            checks.AtMost("Channels", "Channels", s.Channels, 1024);
            checks.AtMost("NumClasses", "NumClasses", s.NumClasses, 1 << 20);
            checks.AtMost("PtHwSeqLen", "PtHwSeqLen", s.PtHwSeqLen, 1 << 12);
            checks.AtMost(blockArgument, "DState", m.DState, 1 << 12);
            checks.AtMost("Block", "DConv", m.DConv, 1 << 10);
            checks.AtMost("Block", "Expand", m.Expand, 64);
            checks.AtMost("Block", "DtRank", m.DtRank, 1 << 16);
            if (checks.SizesOk) checks.AtMost("EmbedDim", "EmbedDim × Expand (d_inner)", (long)s.EmbedDim * m.Expand, 1 << 18);
            sizesOk &= checks.SizesOk;
            checks.Preprocessing(s.Mean, s.Std, s.CropPct, s.Channels);
            checks.Rate("DropRate", "DropRate", s.DropRate);
            checks.Rate("DropPathRate", "DropPathRate", s.DropPathRate);
            checks.Require(s.BlockDeclared ? "Block" : "NormEpsilon", "NormEpsilon", s.Block.NormEpsilon, !double.IsInfinity(s.Block.NormEpsilon), "finite");
            checks.Positive("Block", "DtMin", m.DtMin);
            checks.Positive("Block", "DtMax", m.DtMax);
            checks.Require("Block", "DtMax", m.DtMax, !(m.DtMax < m.DtMin), $"at least DtMin ({m.DtMin.ToString("R", System.Globalization.CultureInfo.InvariantCulture)})");
            checks.Finite("Block", "DtScale", m.DtScale);
            checks.NonNegative("Block", "DtInitFloor", m.DtInitFloor);
            checks.Finite(s.BlockDeclared ? "Block" : "InitLayerScale", "InitLayerScale", m.InitLayerScale);

            if (sizesOk)
            {
                // The official arithmetic, (side − patch) // stride + 1: a remainder is dropped, as the Conv2d drops it.
                bool coversPatch = s.ImgHeight >= s.PatchSize && s.ImgWidth >= s.PatchSize;
                // Point at the side that is too small.
                string side = !s.ImgIsPair ? imgArgument : s.ImgHeight < s.PatchSize ? "ImgHeight" : "ImgWidth";
                if (!coversPatch) Report(DiagnosticDescriptors.ImageSizeIncompatible, side, s.ImgHeight, s.ImgWidth, s.PatchSize);
            }
            if (s.Bidirectional && s.Depth % 2 != 0) Report(DiagnosticDescriptors.OddDepthWithBidirectional, "Depth", s.Depth);
            if (s.ClsToken && s.FinalPool == PoolKind.Max) Report(DiagnosticDescriptors.MaxPoolWithClsToken, "FinalPoolType");

            if (s.Rope && sizesOk) ValidateRope(s, Report);

            if (s.BlockDeclared)
            {
                foreach (var option in VisionMambaParser.BlockOptions)
                {
                    if (s.IsExplicit(option)) Report(DiagnosticDescriptors.BlockOptionConflict, option, option, s.Block.TypeName ?? "");
                }
            }
        }

        private static void ValidateRope(VisionMambaSpec s, System.Action<Microsoft.CodeAnalysis.DiagnosticDescriptor, string, object[]> report)
        {
            int gridH = (s.ImgHeight - s.PatchSize) / s.Stride + 1, gridW = (s.ImgWidth - s.PatchSize) / s.Stride + 1;
            int tableGrid = s.ImgHeight / s.PatchSize;
            int patches = gridH * gridW;
            bool cls = s.ClsToken;
            if (cls && s.UseDoubleClsToken)
            {
                report(DiagnosticDescriptors.RopeWithDoubleClsToken, "UseDoubleClsToken", new object[] { tableGrid * tableGrid, patches + 2 });
                return;
            }
            if (s.Stride != s.PatchSize)
            {
                report(DiagnosticDescriptors.RopeWithOverlappingPatches, "Stride", new object[] { s.Stride, s.PatchSize, tableGrid * tableGrid, patches });
                return;
            }
            if (s.ImgIsPair && s.ImgHeight != s.ImgWidth)
            {
                report(DiagnosticDescriptors.RopeGeometry, "Rope", new object[] { $"the image is {s.ImgHeight}x{s.ImgWidth} but upstream's table needs a square integer img_size" });
            }
            else if (s.EmbedDim % 4 != 0)
            {
                report(DiagnosticDescriptors.RopeGeometry, "EmbedDim", new object[] { $"EmbedDim {s.EmbedDim} is not divisible by 4 (half the channels rotate by row, half by column, in pairs)" });
            }
            else if (!cls && patches % 2 != 0)
            {
                report(DiagnosticDescriptors.RopeGeometry, "ClsToken", new object[] { $"without a cls token the {patches} patches form an odd-length sequence, which upstream rotates from token 1 with a table one row too long, and crashes" });
            }
            else if (cls && s.UseMiddleClsToken)
            {
                report(DiagnosticDescriptors.RopeWithMiddleClsToken, "Rope", System.Array.Empty<object>());
            }
        }
    }
}
