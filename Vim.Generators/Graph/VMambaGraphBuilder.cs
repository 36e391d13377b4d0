using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Vim.Generators.Diagnostics;
using Vim.Generators.Helpers;
using Vim.Generators.Specs;

namespace Vim.Generators.Graph
{
    /// <summary>VMamba spec → graph: resolves structure as VSSM does and turns impossible configurations into diagnostics.</summary>
    internal static class VMambaGraphBuilder
    {
        // DSL ordinals: NormLayer {Ln, Ln2d, Bn}; DownsampleVersion {V1, V2, V3, None}; PatchEmbedVersion {V1, V2}.
        private const int NormLn = 0, NormBn = 2, DownV1 = 0, DownV2 = 1, DownNone = 3, StemV2 = 1, ActSilu = 0;

        public static VMambaBuildResult Build(ParseResult<VMambaSpec> parsed, CancellationToken cancellationToken)
        {
            var diagnostics = new List<DiagnosticInfo>(parsed.Diagnostics);
            var s = parsed.Spec;
            if (s is null) return new VMambaBuildResult(null, diagnostics.ToEquatableArray(), "", EquatableArray<string>.Empty, null, "");
            cancellationToken.ThrowIfCancellationRequested();

            if (s.Block is { } block)
            {
                // A declared block defines the SS2D, MLP and norm options; the model must not set them too (VIM026).
                foreach (var option in Parsing.VMambaComponentReader.BlockOptions)
                {
                    if (!s.IsExplicit(option)) continue;
                    LocationInfo? at = s.AttributeLocation;
                    foreach (var l in s.ArgumentLocations)
                    {
                        if (l.Name == option) at = l.Location;
                    }
                    diagnostics.Add(DiagnosticInfo.Create(VMambaDiagnosticDescriptors.BlockOptionConflict, at, option, block.TypeName.Replace("global::", "")));
                }
                var m = block.Mixer;
                s = s with
                {
                    SsmDState = m.SsmDState, SsmRatio = m.SsmRatio, SsmDtRank = m.SsmDtRank, SsmActLayer = m.SsmActLayer, SsmConv = m.SsmConv,
                    SsmConvBias = m.SsmConvBias, SsmInit = m.SsmInit, ForwardType = m.ForwardType,
                    MlpRatio = block.Mlp?.MlpRatio ?? 0.0, MlpActLayer = block.Mlp?.MlpActLayer ?? 1, Gmlp = block.Mlp?.Gmlp ?? false,
                    NormLayer = block.NormLayer,
                };
            }

            void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, string argument, params object[] args) =>
                diagnostics.Add(DiagnosticInfo.Create(descriptor, s.LocationOf(argument), args));

            if (string.IsNullOrWhiteSpace(s.Name)) Report(DiagnosticDescriptors.InvalidModelName, "Name", s.Name, "it is empty");
            else if (s.Name.IndexOfAny(new[] { ' ', '\t', '\n', '\r' }) >= 0) Report(DiagnosticDescriptors.InvalidModelName, "Name", s.Name, "it contains whitespace");

            // dims: an int c expands to [c·2^i] (vmamba.py); a list is used as is.
            var checks = new OptionChecks((d, argument, args) => Report(d, argument, args));
            int stages = s.Depths.Length;
            checks.AtMost("Depths", "the number of stages", stages, 16);
            checks.AtMost("Dim", "Dim", s.Dim, 1 << 16);
            bool dimOk = checks.SizesOk;
            int[] dims = s.Dim != 0 ? Enumerable.Range(0, dimOk ? stages : 0).Select(i => s.Dim << i).ToArray() : s.Dims.ToArray();
            if (s.Dim != 0 && s.IsExplicit("Dims")) Report(VMambaDiagnosticDescriptors.DimAndDims, "Dim", s.Dim, string.Join(", ", dims));
            if (stages == 0) Report(VMambaDiagnosticDescriptors.EmptyDepths, "Depths");
            else if (s.Dim == 0 && dims.Length != stages) Report(VMambaDiagnosticDescriptors.DepthsDimsMismatch, "Dims", stages, dims.Length);
            if (s.Dim < 0) Report(DiagnosticDescriptors.NonPositiveSize, "Dim", "Dim", s.Dim);
            for (int i = 0; i < stages; i++)
            {
                if (s.Depths[i] <= 0) Report(DiagnosticDescriptors.NonPositiveSize, "Depths", $"Depths[{i}]", s.Depths[i]);
            }
            for (int i = 0; i < dims.Length; i++)
            {
                if (dims[i] <= 0) Report(DiagnosticDescriptors.NonPositiveSize, s.Dim != 0 ? "Dim" : "Dims", $"Dims[{i}]", dims[i]);
            }
            foreach (var (name, value) in new[] { ("PatchSize", s.PatchSize), ("InChans", s.InChans), ("SsmDState", s.SsmDState), ("ImgSize", s.ImgSize) })
            {
                if (value <= 0) Report(DiagnosticDescriptors.NonPositiveSize, name, name, value);
            }
            if (s.SsmDtRank < 0) Report(DiagnosticDescriptors.NonPositiveSize, "SsmDtRank", "SsmDtRank (0 = \"auto\")", s.SsmDtRank);
            if (s.SsmConv < 0) Report(DiagnosticDescriptors.NonPositiveSize, "SsmConv", "SsmConv (0 or 1: no depthwise conv, as upstream)", s.SsmConv);
            for (int i = 0; i < stages; i++) checks.AtMost("Depths", $"Depths[{i}]", s.Depths[i], 1024);
            if (s.Dim == 0) for (int i = 0; i < dims.Length; i++) checks.AtMost("Dims", $"Dims[{i}]", dims[i], 1 << 16);
            checks.AtMost("PatchSize", "PatchSize", s.PatchSize, OptionChecks.MaxImageSide);
            checks.AtMost("ImgSize", "ImgSize", s.ImgSize, OptionChecks.MaxImageSide);
            checks.AtMost("InChans", "InChans", s.InChans, 1024);
            checks.AtMost("SsmDState", "SsmDState", s.SsmDState, 1 << 12);
            checks.AtMost("SsmDtRank", "SsmDtRank", s.SsmDtRank, 1 << 16);
            checks.AtMost("SsmConv", "SsmConv", s.SsmConv, 1 << 10);
            checks.AtMost("NumClasses", "NumClasses", s.NumClasses, 1 << 20);
            checks.Require("SsmRatio", "SsmRatio", s.SsmRatio, s.SsmRatio >= 0 && s.SsmRatio <= 64, "between 0 (no SSM branch, as upstream) and 64");
            checks.Require("MlpRatio", "MlpRatio", s.MlpRatio, s.MlpRatio >= 0 && s.MlpRatio <= 64, "between 0 (no MLP) and 64");
            checks.Preprocessing(s.Mean, s.Std, s.CropPct, s.InChans);
            checks.Rate("DropPathRate", "DropPathRate", s.DropPathRate);
            if (s.NumClasses < 0) Report(DiagnosticDescriptors.NegativeClassCount, "NumClasses", s.NumClasses);
            if (s.SsmConv > 1 && s.SsmConv % 2 == 0) Report(VMambaDiagnosticDescriptors.NotPorted, "SsmConv", $"SsmConv = {s.SsmConv}", "an even depthwise kernel with padding (k−1)/2 shrinks the map, so the residual add fails upstream; use an odd size");

            bool channelFirst = s.NormLayer != NormLn;
            var ft = VMambaForwardType.Parse(s.ForwardType, channelFirst);
            if (ft.Error is not null) Report(VMambaDiagnosticDescriptors.UnknownForwardType, "ForwardType", s.ForwardType, ft.Error);
            if (ft.Broken is not null) Report(VMambaDiagnosticDescriptors.BrokenUpstream, "ForwardType", $"ForwardType \"{s.ForwardType}\"", ft.Broken);
            if (ft.NotPorted is not null) Report(VMambaDiagnosticDescriptors.NotPorted, "ForwardType", $"ForwardType \"{s.ForwardType}\"", ft.NotPorted);
            if (ft.Legacy && channelFirst) Report(VMambaDiagnosticDescriptors.NotPorted, "NormLayer", "ForwardType \"v0\" with a channel-first NormLayer", "upstream's SS2Dv0 is channel-last only; use NormLayer.Ln (or \"v05\", the same function, for ln2d)");
            if (s.NormLayer == NormBn) Report(VMambaDiagnosticDescriptors.NotPorted, "NormLayer", "NormLayer.Bn", "BatchNorm2d (no released model uses it); use Ln or Ln2d");
            if (s.DownsampleVersion == DownNone && stages > 1) Report(VMambaDiagnosticDescriptors.BrokenUpstream, "DownsampleVersion", "DownsampleVersion.None", "upstream builds a None module that nn.Sequential cannot call");
            if (s.PatchEmbedVersion == StemV2 && s.PatchSize > 0 && s.PatchSize < 2) Report(VMambaDiagnosticDescriptors.BrokenUpstream, "PatchSize", $"PatchSize {s.PatchSize} with PatchEmbedVersion.V2", "the two stem convs have stride patch_size // 2 = 0");
            if (s.PosEmbed && s.PatchSize > 0 && s.ImgSize % s.PatchSize != 0)
            {
                Report(VMambaDiagnosticDescriptors.BrokenUpstream, "ImgSize", $"PosEmbed with ImgSize {s.ImgSize} not a multiple of PatchSize {s.PatchSize}", "pos_embed is sized imgsize // patch_size but the stem's map is not, and forward adds them without interpolation");
            }
            if (channelFirst && s.DownsampleVersion == DownV1 && s.PatchSize > 0 && s.ImgSize > 0 && stages > 1)
            {
                // PatchMerging2D pads the wrong axes when channel-first (spec §5): refuse maps that would need padding.
                int size = StemSize(s.ImgSize, s.PatchSize, s.PatchEmbedVersion);
                for (int i = 0; i < stages - 1; i++, size = (size + 1) / 2)
                {
                    if (size % 2 != 0)
                    {
                        Report(VMambaDiagnosticDescriptors.BrokenUpstream, "DownsampleVersion", $"DownsampleVersion.V1 with a channel-first NormLayer at ImgSize {s.ImgSize}", $"stage {i}'s map is {size} wide, odd, and PatchMerging2D pads the wrong axes when channel-first");
                        break;
                    }
                }
            }

            bool hasErrors = diagnostics.Any(d => VMambaDiagnosticDescriptors.ById(d.Id).DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
            VMambaGraph? graph = null;
            if (!hasErrors)
            {
                // Per stage: D = int(ssm_ratio·C), R = ceil(C/16) ("auto", C the stage width), MLP hidden = int(C·mlp_ratio).
                var dInner = dims.Select(c => s.SsmRatio > 0 ? (int)(s.SsmRatio * c) : 0).ToArray();
                var dtRank = dims.Select(c => s.SsmDtRank > 0 ? s.SsmDtRank : (c + 15) / 16).ToArray();
                var hidden = dims.Select(c => s.MlpRatio > 0 ? (int)(c * s.MlpRatio) : 0).ToArray();
                // v0 hard-codes SiLU, a 3×3 conv with bias and the gate (SS2Dv0).
                int act = ft.Legacy ? ActSilu : s.SsmActLayer;
                int conv = ft.Legacy ? 3 : s.SsmConv;
                bool convBias = ft.Legacy || s.SsmConvBias;
                graph = new VMambaGraph(
                    s.Type, s.Name, s.Aliases, s.ForwardType, s.PatchSize, s.InChans, s.NumClasses, s.ImgSize,
                    s.Depths, dims.ToEquatableArray(), dInner.ToEquatableArray(), dtRank.ToEquatableArray(), hidden.ToEquatableArray(),
                    s.SsmDState, act, conv, convBias, s.SsmInit, ft.HasGate, ft.GateActivation, ft.OutActivation, ft.OutNorm,
                    ft.Traversals.ToEquatableArray(), ft.Legacy, s.MlpActLayer, s.Gmlp, s.PatchNorm, channelFirst, s.NormLayer,
                    s.DownsampleVersion, s.PatchEmbedVersion, s.PosEmbed, s.Mean, s.Std, s.CropPct, s.DropPathRate, s.UseCheckpoint, 0, s.Block?.TypeName);
                graph = graph with { ParameterCount = Count(graph) };
            }
            return new VMambaBuildResult(graph, diagnostics.ToEquatableArray(), s.Name, s.Aliases, s.LocationOf("Name"), s.Type.GlobalName);
        }

        private static int StemSize(int size, int patch, int version)
        {
            if (version != StemV2) return size / patch;
            int stride = patch / 2, kernel = stride + 1;
            int once = (size + 2 - kernel) / stride + 1;
            return (once + 2 - kernel) / stride + 1;
        }

        /// <summary>Learned parameters, by the formulas of VMamba spec §11 (checked against a meta-device build in the tests).</summary>
        public static long Count(VMambaGraph g)
        {
            long c0 = g.Dims[0], p = g.PatchSize, total = 0;
            if (g.PatchEmbedVersion == StemV2)
            {
                long k = p / 2 + 1, h = c0 / 2;
                total += g.InChans * h * k * k + h + (g.PatchNorm ? 2 * h : 0) + h * c0 * k * k + c0 + (g.PatchNorm ? 2 * c0 : 0);
            }
            else
            {
                total += g.InChans * c0 * p * p + c0 + (g.PatchNorm ? 2 * c0 : 0);
            }
            if (g.PosEmbed) total += c0 * (g.ImgSize / p) * (g.ImgSize / p);
            for (int i = 0; i < g.Stages; i++)
            {
                long c = g.Dims[i], d = g.DInner[i], r = g.DtRank[i], n = g.DState, hd = g.MlpHidden[i];
                long block = 0;
                if (d > 0)
                {
                    long outNorm = g.OutNorm switch
                    {
                        VMambaForwardType.LayerNorm => 2 * d,
                        VMambaForwardType.DwConv3 => 9 * d,
                        VMambaForwardType.CNorm => 2 * d + 9 * d,
                        _ => 0,
                    };
                    long conv = g.SsmConv > 1 ? d * g.SsmConv * g.SsmConv + (g.SsmConvBias ? d : 0) : 0;
                    block += 2 * c + (g.HasGate ? 2 : 1) * d * c + conv + 4 * (r + 2 * n) * d + 4 * d * r + 4 * d + 4 * d * n + 4 * d + outNorm + c * d;
                }
                if (hd > 0) block += 2 * c + c * (g.Gmlp ? 2 * hd : hd) + (g.Gmlp ? 2 * hd : hd) + hd * c + c;
                total += block * g.Depths[i];
                if (i < g.Stages - 1)
                {
                    long o = g.Dims[i + 1];
                    total += g.DownsampleVersion switch
                    {
                        DownV1 => 4 * c * o + 8 * c,
                        DownV2 => 4 * c * o + o + 2 * o,
                        _ => 9 * c * o + o + 2 * o,
                    };
                }
            }
            long last = g.Dims[g.Stages - 1];
            total += 2 * last + (g.NumClasses > 0 ? last * g.NumClasses + g.NumClasses : 0);
            return total;
        }
    }
}
