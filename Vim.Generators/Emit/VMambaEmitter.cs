using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Vim.Generators.Graph;
using static Vim.Generators.Emit.SourceWriter;

namespace Vim.Generators.Emit
{
    /// <summary>Writes one VMamba model's partial class: parameters under the official keys and the specialised forward graph.</summary>
    internal static partial class VMambaEmitter
    {
        private const string Ns = "global::Vim.Runtime.Modules.VMamba.";
        private const string Conv2d = Ns + "Conv2d";
        private const string VssBlock = Ns + "VssBlock";
        private const string SS2DOptions = Ns + "SS2DOptions";
        private const string VMambaOps = "global::Vim.Runtime.Ops.VMambaOps";
        private static readonly string[] Acts = { "Silu", "Gelu", "Relu", "Sigmoid" };
        private static readonly string[] Norms = { "ln", "ln2d", "bn" };
        private static readonly string[] Inits = { "V0", "V1", "V2" };

        public static void Emit(SourceProductionContext context, VMambaGraph graph) =>
            context.AddSource(graph.Type.MetadataName.Replace('+', '.') + ".g.cs", SourceText.From(Generate(graph), System.Text.Encoding.UTF8));

        private static string BlockType(VMambaGraph g) => g.BlockType ?? VssBlock;

        private static string Act(int ordinal) => "global::Vim.Dsl.ActLayer." + Acts[ordinal];

        private static string Ints(System.Collections.Generic.IEnumerable<int> values) => string.Join(", ", values.Select(v => Int(v)));

        public static string Generate(VMambaGraph g)
        {
            var w = Header.Open(g.Type);
            string stem = g.PatchEmbedVersion == 1 ? "v2" : "v1";
            string down = new[] { "v1 (PatchMerging2D)", "v2 (conv 2×2)", "v3 (conv 3×3)" }[g.DownsampleVersion];
            w.Line("/// <summary>");
            w.Line($"/// <c>{XmlEscape(g.Name)}</c>: VMamba, forward type <c>{XmlEscape(g.ForwardType)}</c>, depths [{Ints(g.Depths)}], dims [{Ints(g.Dims)}], d_state {g.DState},");
            w.Line($"/// norm {Norms[g.NormLayer]} ({(g.ChannelFirst ? "channel-first" : "channel-last")}), stem {stem}, downsample {down}, {Grouped(g.ParameterCount)} parameters.");
            if (g.BlockType is not null) w.Line($"/// Every stage builds the declared block <see cref=\"{g.BlockType}\"/>.");
            w.Line("/// </summary>");
            w.Line(GeneratedCode);
            w.Open($"partial class {g.Type.Name} : {TypeRefs.ImageModel}");
            WriteConstants(w, g);
            WriteInfo(w, g);
            WriteFields(w, g);
            WriteConstructors(w, g);
            WriteForward(w, g);
            w.Line();
            WriteFeatureMaps(w, g);
            w.Line();
            WriteOnnx(w, g);
            WriteTraining(w, g);
            if (g.BlockType is null) WriteStageOptions(w, g);
            w.Close();
            return Header.Close(w, g.Type);
        }

        private static void WriteConstants(SourceWriter w, VMambaGraph g)
        {
            w.Line($"private const int PatchSize = {Int(g.PatchSize)};");
            w.Line($"private const int InChans = {Int(g.InChans)};");
            w.Line($"private static readonly int[] Depths = [{Ints(g.Depths)}];");
            w.Line($"private static readonly int[] Dims = [{Ints(g.Dims)}];");
            w.Line();
        }

        private static void WriteInfo(SourceWriter w, VMambaGraph g)
        {
            ModelInfoEmitter.Write(w, g.Name, g.Aliases, "vmamba", "InChans", g.ImgSize, g.ImgSize, g.NumClasses, g.ParameterCount,
                g.Mean, g.Std, g.CropPct, g.Type.GlobalName);
            w.Line("/// <summary>Accepts the legacy v0 key names and 4-D channel-first linear weights of released checkpoints (spec §11).</summary>");
            w.Line($"protected override global::System.Collections.Generic.IReadOnlyDictionary<string, {TypeRefs.Tensor}> AdaptCheckpoint(global::System.Collections.Generic.IReadOnlyDictionary<string, {TypeRefs.Tensor}> tensors) =>");
            w.Line("    global::Vim.Runtime.Checkpoints.VMambaCheckpointAdapter.Adapt(tensors, this);");
            w.Line();
            w.Line($"/// <summary>Official <c>imgsize</c>: the default input size{(g.PosEmbed ? " and the only one pos_embed fits" : "; any size of at least one patch runs")}.</summary>");
            w.Line("public int ImgSize { get; }");
            w.Line();
            w.Line("/// <summary>Number of classes of the head (0: no head).</summary>");
            w.Line("public int NumClasses { get; }");
            w.Line();
            w.Line("/// <summary>Official <c>drop_path_rate</c>: stochastic depth of training forwards in training mode.</summary>");
            w.Line("public double DropPathRate { get; }");
            w.Line();
        }

        private static void WriteFields(SourceWriter w, VMambaGraph g)
        {
            if (g.PosEmbed) w.Line($"private readonly {TypeRefs.Parameter} _posEmbed;   // pos_embed (1, C0, img/p, img/p)");
            w.Line($"private readonly {Conv2d} _stemConv0;   // patch_embed.0");
            if (g.PatchEmbedVersion == 1)
            {
                if (g.PatchNorm) w.Line($"private readonly {TypeRefs.LayerNorm} _stemNorm2;   // patch_embed.2");
                w.Line($"private readonly {Conv2d} _stemConv5;   // patch_embed.5");
                if (g.PatchNorm) w.Line($"private readonly {TypeRefs.LayerNorm} _stemNorm7;   // patch_embed.7");
            }
            else if (g.PatchNorm)
            {
                w.Line($"private readonly {TypeRefs.LayerNorm} _stemNorm2;   // patch_embed.2");
            }
            w.Line($"private readonly {BlockType(g)}[][] _blocks;   // layers.{{i}}.blocks.{{j}}");
            if (g.DownsampleVersion == 0) w.Line($"private readonly {TypeRefs.Linear}[] _downReduction;   // layers.{{i}}.downsample.reduction (4C → C', no bias)");
            else w.Line($"private readonly {Conv2d}[] _downConv;   // layers.{{i}}.downsample.1");
            w.Line($"private readonly {TypeRefs.LayerNorm}[] _downNorm;   // layers.{{i}}.downsample.{(g.DownsampleVersion == 0 ? "norm" : "3")}");
            w.Line($"private readonly {TypeRefs.LayerNorm} _classifierNorm;   // classifier.norm");
            w.Line($"private readonly {TypeRefs.Linear}? _head;   // classifier.head; null when NumClasses is 0");
            w.Line();
        }

        private static void WriteConstructors(SourceWriter w, VMambaGraph g)
        {
            string type = g.Type.Name;
            string ln = TypeRefs.LayerNorm;
            w.Line("/// <summary>Builds the model at its declared configuration on the CPU, freshly initialised (seed 0).</summary>");
            w.Line($"public {type}() : this(null, null)");
            w.Line("{");
            w.Line("}");
            w.Line();
            w.Line("/// <summary>Builds the model, registering every parameter under its official state-dict key, in state-dict order.</summary>");
            w.Line("/// <param name=\"overrides\">Size-only overrides (image size, classes) and the initialisation seed; null keeps the declaration.</param>");
            w.Line("/// <param name=\"device\">Where the parameters are allocated (CPU when null; the meta device allocates nothing).</param>");
            w.Open($"public {type}({TypeRefs.ModelOverrides}? overrides, {TypeRefs.Device}? device = null) : base(device ?? {TypeRefs.Device}.Cpu)");
            w.Line($"ImgSize = overrides?.ImgHeight ?? {Int(g.ImgSize)};");
            w.Line("if (overrides?.ImgWidth is int width && width != ImgSize) throw new global::System.ArgumentException($\"{ModelInfo.Name}: imgsize is one square size; got {ImgSize}x{width}.\");");
            w.Line($"NumClasses = overrides?.NumClasses ?? {Int(g.NumClasses)};");
            w.Line("if (NumClasses < 0) throw new global::System.ArgumentException($\"{ModelInfo.Name}: NumClasses must not be negative, got {NumClasses}.\");");
            w.Line($"DropPathRate = overrides?.DropPathRate ?? {Double(g.DropPathRate)};");
            if (g.UseCheckpoint) w.Line("// use_checkpoint: the blocks recompute their activations in the backward pass");
            if (g.UseCheckpoint) w.Line("GradientCheckpointing = true;");
            w.Line("var parameterDevice = Device;");
            w.Line($"var linearInit = {TypeRefs.ParameterInit}.TruncatedNormal(0.02);");
            w.Line();
            if (g.PosEmbed)
            {
                w.Line("// pos_embed (1, C0, imgsize // p, imgsize // p), trunc-normal 0.02 (own parameter: first in the state dict)");
                w.Line($"_posEmbed = RegisterParameter(\"pos_embed\", new {TypeRefs.Shape}(1, Dims[0], ImgSize / PatchSize, ImgSize / PatchSize), linearInit);");
            }
            if (g.PatchEmbedVersion == 1)
            {
                int s = g.PatchSize / 2, k = s + 1;
                w.Line($"// stem v2: conv(k{k}, s{s}, p1) → C0/2, norm, GELU, conv(k{k}, s{s}, p1) → C0, norm       (§4)");
                w.Line($"_stemConv0 = RegisterModule(\"patch_embed.0\", new {Conv2d}(InChans, Dims[0] / 2, {k}, {s}, 1, bias: true, parameterDevice));");
                if (g.PatchNorm) w.Line($"_stemNorm2 = RegisterModule(\"patch_embed.2\", new {ln}(Dims[0] / 2, 1E-05f, parameterDevice));");
                w.Line($"_stemConv5 = RegisterModule(\"patch_embed.5\", new {Conv2d}(Dims[0] / 2, Dims[0], {k}, {s}, 1, bias: true, parameterDevice));");
                if (g.PatchNorm) w.Line($"_stemNorm7 = RegisterModule(\"patch_embed.7\", new {ln}(Dims[0], 1E-05f, parameterDevice));");
            }
            else
            {
                w.Line("// stem v1: conv(k=p, s=p) → C0, norm                                                       (§4)");
                w.Line($"_stemConv0 = RegisterModule(\"patch_embed.0\", new {Conv2d}(InChans, Dims[0], PatchSize, PatchSize, 0, bias: true, parameterDevice));");
                if (g.PatchNorm) w.Line($"_stemNorm2 = RegisterModule(\"patch_embed.2\", new {ln}(Dims[0], 1E-05f, parameterDevice));");
            }
            w.Line($"_blocks = new {BlockType(g)}[Depths.Length][];");
            w.Line($"{(g.DownsampleVersion == 0 ? "_downReduction" : "_downConv")} = new {(g.DownsampleVersion == 0 ? TypeRefs.Linear : Conv2d)}[Depths.Length - 1];");
            w.Line($"_downNorm = new {ln}[Depths.Length - 1];");
            w.Line("for (int i = 0; i < Depths.Length; i++)");
            w.Line("{");
            w.Line($"    _blocks[i] = new {BlockType(g)}[Depths[i]];");
            w.Line("    for (int j = 0; j < Depths[i]; j++)");
            w.Line("    {");
            if (g.BlockType is not null)
            {
                w.Line($"        // the declared block, built at stage i's width");
                w.Line($"        _blocks[i][j] = RegisterModule($\"layers.{{i}}.blocks.{{j}}\", new {g.BlockType}(Dims[i], parameterDevice));");
            }
            else
            {
                w.Line($"        _blocks[i][j] = RegisterModule($\"layers.{{i}}.blocks.{{j}}\", new {VssBlock}(Dims[i], StageOp(i), StageMlp(i), parameterDevice));");
            }
            w.Line("    }");
            w.Line("    if (i == Depths.Length - 1) break;");
            switch (g.DownsampleVersion)
            {
                case 0:
                    w.Line("    // downsample v1 (PatchMerging2D): reduction (C', 4C) no bias, then norm(4C) — keys in that order (§5)");
                    w.Line($"    _downReduction[i] = RegisterModule($\"layers.{{i}}.downsample.reduction\", new {TypeRefs.Linear}(4 * Dims[i], Dims[i + 1], bias: false, parameterDevice, linearInit));");
                    w.Line($"    _downNorm[i] = RegisterModule($\"layers.{{i}}.downsample.norm\", new {ln}(4 * Dims[i], 1E-05f, parameterDevice));");
                    break;
                default:
                    bool v3 = g.DownsampleVersion == 2;
                    w.Line($"    // downsample {(v3 ? "v3: conv(k3, s2, p1)" : "v2: conv(k2, s2)")} + norm, keys .1 and .3 (.0 and .2 are permutes)  (§5)");
                    w.Line($"    _downConv[i] = RegisterModule($\"layers.{{i}}.downsample.1\", new {Conv2d}(Dims[i], Dims[i + 1], {(v3 ? 3 : 2)}, 2, {(v3 ? 1 : 0)}, bias: true, parameterDevice));");
                    w.Line($"    _downNorm[i] = RegisterModule($\"layers.{{i}}.downsample.3\", new {ln}(Dims[i + 1], 1E-05f, parameterDevice));");
                    break;
            }
            w.Line("}");
            w.Line($"_classifierNorm = RegisterModule(\"classifier.norm\", new {ln}(Dims[^1], 1E-05f, parameterDevice));");
            w.Line($"_head = NumClasses > 0 ? RegisterModule(\"classifier.head\", new {TypeRefs.Linear}(Dims[^1], NumClasses, bias: true, parameterDevice, linearInit)) : null;");
            w.Line("Initialize(overrides?.Seed ?? 0);");
            w.Close();
            w.Line();
        }

        private static void WriteForward(SourceWriter w, VMambaGraph g)
        {
            w.Line("/// <summary>Pre-head features (B, C_last): classifier.norm, then the mean over positions.</summary>");
            w.Line("/// <param name=\"x\">Images (B, C, H, W), normalised.</param>");
            string check = ImageCheck(g);
            w.Open($"protected override {TypeRefs.Tensor} ForwardFeaturesCore({TypeRefs.Tensor} x)");
            w.Line(check);
            w.Line("// on the CPU, a batch runs as one-image passes spread over the cores");
            w.Line("return ForEachImage(x, ComputeFeatures);");
            w.Close();
            w.Line();
            w.Open($"private {TypeRefs.Tensor} ComputeFeatures({TypeRefs.Tensor} x)");
            w.Line("// Maps are channel-last (B, H, W, C) throughout; " + (g.ChannelFirst
                ? "this ln2d model computes the same function channel-first, so only what it reports is permuted (§2.3)."
                : "this is the model's own layout."));
            WriteStem(w, g);
            w.Line("ObserveMap(\"patch_embed\", map);");
            w.Line("for (int i = 0; i < Depths.Length; i++)");
            w.Line("{");
            w.Line("    // x = x + SS2D(norm(x)); x = x + MLP(norm2(x)), per block, in place                 (§6)");
            w.Line("    foreach (var block in _blocks[i]) block.ForwardInPlace(map);");
            w.Line("    ObserveMap($\"stage{i}_blocks\", map);");
            w.Line("    if (i == Depths.Length - 1) break;");
            WriteDownsample(w, g);
            w.Line("}");
            w.Line("// classifier: norm → (permute) → AdaptiveAvgPool2d(1) → flatten                           (§8)");
            w.Line("map = Replace(map, _classifierNorm.Forward(map));");
            w.Line("using (map)");
            w.Line("{");
            w.Line($"    return {VMambaOps}.MeanOverPositions(map);");
            w.Line("}");
            w.Close();
            w.Line();
            w.Line("/// <summary>Logits (B, classes); features when the model has no head.</summary>");
            w.Line("/// <param name=\"x\">Images (B, C, H, W), normalised.</param>");
            w.Open($"protected override {TypeRefs.Tensor} ForwardCore({TypeRefs.Tensor} x)");
            w.Line(check);
            w.Line("return ForEachImage(x, ComputeLogits);");
            w.Close();
            w.Line();
            w.Open($"private {TypeRefs.Tensor} ComputeLogits({TypeRefs.Tensor} x)");
            w.Line("if (_head is null) return ComputeFeatures(x);");
            w.Line("using var features = ComputeFeatures(x);");
            w.Line("return _head.Forward(features);");
            w.Close();
            w.Line();
            w.Line($"private static {TypeRefs.Tensor} Replace({TypeRefs.Tensor} old, {TypeRefs.Tensor} next)");
            w.Line("{");
            w.Line("    old.Dispose();");
            w.Line("    return next;");
            w.Line("}");
            w.Line();
            w.Line($"private void ObserveMap(string name, {TypeRefs.Tensor} map)");
            w.Line("{");
            w.Line("    if (Observer is null) return;");
            if (g.ChannelFirst)
            {
                w.Line("    // the official ln2d model's intermediates are (B, C, H, W)");
                w.Line($"    using var channelFirst = {VMambaOps}.ToChannelFirst(map);");
                w.Line("    Observe(name, channelFirst);");
            }
            else
            {
                w.Line("    Observe(name, map);");
            }
            w.Line("}");
            w.Line();
        }

        /// <summary>The input check: the declared size with a position embedding, else any size of at least one patch.</summary>
        private static string ImageCheck(VMambaGraph g) => g.PosEmbed
                ? $"{TypeRefs.ModelInput}.CheckImages(ModelInfo.Name, x, Device, InChans, ImgSize, ImgSize);"
                : $"{TypeRefs.ModelInput}.CheckImages(ModelInfo.Name, x, Device, InChans, x.Rank == 4 ? {TypeRefs.Math}.Max(x.Shape[2], PatchSize) : ImgSize, x.Rank == 4 ? {TypeRefs.Math}.Max(x.Shape[3], PatchSize) : ImgSize);";

        private static void WriteFeatureMaps(SourceWriter w, VMambaGraph g)
        {
            w.Line("/// <summary>Stage i's output before its downsample: Dims[i] channels, reduction PatchSize · 2^i (nominal with odd sizes).</summary>");
            w.Line($"protected override global::System.Collections.Generic.IReadOnlyList<{TypeRefs.FeatureInfo}> FeatureInfoCore => StageMaps;");
            w.Line();
            w.Line($"private static readonly {TypeRefs.FeatureInfo}[] StageMaps = DescribeStageMaps();");
            w.Line();
            w.Open($"private static {TypeRefs.FeatureInfo}[] DescribeStageMaps()");
            w.Line($"var maps = new {TypeRefs.FeatureInfo}[Depths.Length];");
            w.Line($"for (int i = 0; i < maps.Length; i++) maps[i] = new {TypeRefs.FeatureInfo}(i, $\"layers.{{i}}\", Dims[i], PatchSize << i);");
            w.Line("return maps;");
            w.Close();
            w.Line();
            w.Line("/// <summary>The selected stages' outputs before their downsample, channel-first (B, Dims[i], H_i, W_i), ascending: Backbone_VSSM's maps before its out-norms.</summary>");
            w.Open($"protected override {TypeRefs.TensorList} ForwardFeatureMapsCore({TypeRefs.Tensor} x, {TypeRefs.FeatureSelection} selection)");
            w.Line(ImageCheck(g));
            w.Line("return ForEachImage(x, image => ComputeFeatureMaps(image, selection));");
            w.Close();
            w.Line();
            w.Open($"private {TypeRefs.TensorList} ComputeFeatureMaps({TypeRefs.Tensor} x, {TypeRefs.FeatureSelection} selection)");
            w.Line($"var maps = {TypeRefs.NewTensorList}(selection.Indices.Count);");
            WriteStem(w, g);
            if (g.PosEmbed) w.Line($"{VMambaOps}.AddChannelFirstInPlace(map, _posEmbed.Value);   // + pos_embed, as the classifier");
            w.Line("for (int i = 0; i <= selection.Last; i++)");
            w.Line("{");
            w.Line("    foreach (var block in _blocks[i]) block.ForwardInPlace(map);");
            w.Line($"    if (selection.Contains(i)) maps.Add({VMambaOps}.ToChannelFirst(map));");
            w.Line("    if (i == selection.Last) break;");
            WriteDownsample(w, g);
            w.Line("}");
            w.Line("map.Dispose();");
            w.Line("return maps;");
            w.Close();
        }

        private static void WriteOnnx(SourceWriter w, VMambaGraph g)
        {
            string ops = TypeRefs.OnnxOps, vm = "global::Vim.Runtime.Onnx.OnnxVMamba";
            w.Line("/// <summary>ONNX nodes computing <see cref=\"ForwardCore\"/> on channel-last maps: input <c>images</c> (batch, C, H, W), returns the logits' value name.</summary>");
            w.Open($"protected override string BuildOnnx({TypeRefs.OnnxGraph} g, long batch)");
            w.Line(g.PosEmbed
                ? "var images = g.Input(\"images\", [batch, InChans, ImgSize, ImgSize]);"
                : "// no position embedding: any size of at least one patch, so height and width stay symbolic");
            if (!g.PosEmbed) w.Line("var images = g.Input(\"images\", [batch, InChans, -1, -1], \"batch\", \"height\", \"width\");");
            w.Line("string map;");
            w.Line("using (g.Scope(\"patch_embed\"))");
            w.Line("{");
            w.Line($"    map = {vm}.Conv(g, images, _stemConv0, channelFirstInput: true);");
            if (g.PatchNorm) w.Line($"    map = {ops}.Norm(g, map, _stemNorm2);");
            if (g.PatchEmbedVersion == 1)
            {
                w.Line($"    map = {vm}.Activation(g, map, {Act(1)});");
                w.Line($"    map = {vm}.Conv(g, map, _stemConv5, channelFirstInput: false);");
                if (g.PatchNorm) w.Line($"    map = {ops}.Norm(g, map, _stemNorm7);");
            }
            w.Line("}");
            if (g.PosEmbed) w.Line($"map = {vm}.AddChannelFirst(g, map, _posEmbed);");
            w.Line("for (int i = 0; i < Depths.Length; i++)");
            w.Line("{");
            w.Line("    for (int j = 0; j < _blocks[i].Length; j++)");
            w.Line("    {");
            w.Line("        using (g.Scope($\"layers.{i}.blocks.{j}\")) map = _blocks[i][j].ToOnnx(g, map);");
            w.Line("    }");
            w.Line("    if (i == Depths.Length - 1) break;");
            w.Line("    using (g.Scope($\"layers.{i}.downsample\"))");
            w.Line("    {");
            if (g.DownsampleVersion == 0)
            {
                w.Line($"        map = {ops}.Linear(g, {ops}.Norm(g, {vm}.PatchMerge(g, map), _downNorm[i]), _downReduction[i]);");
            }
            else
            {
                w.Line($"        map = {ops}.Norm(g, {vm}.Conv(g, map, _downConv[i], channelFirstInput: false), _downNorm[i]);");
            }
            w.Line("    }");
            w.Line("}");
            w.Line("string features;");
            w.Line($"using (g.Scope(\"classifier\")) features = {vm}.MeanOverPositions(g, {ops}.Norm(g, map, _classifierNorm));");
            w.Line("if (_head is null) return features;");
            w.Line($"using (g.Scope(\"classifier.head\")) return {ops}.Linear(g, features, _head);");
            w.Close();
            w.Line();
        }

        private static void WriteStem(SourceWriter w, VMambaGraph g)
        {
            if (g.PatchEmbedVersion == 1)
            {
                w.Line("// stem v2: (B, Cin, H, W) → (B, H/2, W/2, C0/2) → norm → GELU → (B, H/4, W/4, C0) → norm");
                w.Line("var map = _stemConv0.Forward(x, channelFirstInput: true);");
                if (g.PatchNorm) w.Line("map = Replace(map, _stemNorm2.Forward(map));");
                w.Line($"{VMambaOps}.ActivationInPlace(map, {Act(1)});");
                w.Line("map = Replace(map, _stemConv5.Forward(map, channelFirstInput: false));");
                if (g.PatchNorm) w.Line("map = Replace(map, _stemNorm7.Forward(map));");
            }
            else
            {
                w.Line("// stem v1: (B, Cin, H, W) → (B, H/p, W/p, C0) → norm");
                w.Line("var map = _stemConv0.Forward(x, channelFirstInput: true);");
                if (g.PatchNorm) w.Line("map = Replace(map, _stemNorm2.Forward(map));");
            }
            if (g.PosEmbed)
            {
                w.Line("// + pos_embed (1, C0, h, w), no interpolation (as upstream's forward)");
                w.Line($"{VMambaOps}.AddChannelFirstInPlace(map, _posEmbed.Value);");
            }
        }

        private static void WriteDownsample(SourceWriter w, VMambaGraph g)
        {
            if (g.DownsampleVersion == 0)
            {
                w.Line("    // PatchMerging2D: [x(2i,2j), x(2i+1,2j), x(2i,2j+1), x(2i+1,2j+1)] (odd sizes zero-padded) → norm(4C) → reduction");
                w.Line($"    map = Replace(map, {VMambaOps}.PatchMerge(map));");
                w.Line("    map = Replace(map, _downNorm[i].Forward(map));");
                w.Line("    map = Replace(map, _downReduction[i].Forward(map));");
            }
            else
            {
                w.Line($"    // conv(k{(g.DownsampleVersion == 2 ? "3, s2, p1) → ⌈H/2⌉" : "2, s2) → ⌊H/2⌋")} × C', then norm");
                w.Line("    map = Replace(map, _downConv[i].Forward(map, channelFirstInput: false));");
                w.Line("    map = Replace(map, _downNorm[i].Forward(map));");
            }
        }

        private static void WriteStageOptions(SourceWriter w, VMambaGraph g)
        {
            w.Line($"/// <summary>Stage i's SS2D, specialised to forward type <c>{XmlEscape(g.ForwardType)}</c> (null: ssm_ratio ≤ 0).</summary>");
            w.Line($"private static {SS2DOptions}? StageOp(int stage) => stage switch");
            w.Line("{");
            string traversals = "[" + Ints(g.Traversals) + "]";
            for (int i = 0; i < g.Stages; i++)
            {
                if (!g.HasSsm(i)) continue;
                w.Line($"    {i} => new(DModel: {Int(g.Dims[i])}, DInner: {Int(g.DInner[i])}, DState: {Int(g.DState)}, DtRank: {Int(g.DtRank[i])}, ConvKernel: {Int(g.SsmConv)}, ConvBias: {Bool(g.SsmConvBias)},");
                w.Line($"        Activation: {Act(g.SsmActLayer)}, HasGate: {Bool(g.HasGate)}, GateActivation: {Bool(g.GateActivation)}, OutNorm: {Ns}OutNorm.{VMambaForwardType.OutNormNames[g.OutNorm]},");
                w.Line($"        OutActivation: {Bool(g.OutActivation)}, Traversals: {traversals}, LegacyOrder: {Bool(g.LegacyOrder)}, Init: global::Vim.Dsl.SsmInit.{Inits[g.SsmInit]}),");
            }
            w.Line("    _ => null,");
            w.Line("};");
            w.Line();
            w.Line("/// <summary>Stage i's MLP: hidden width, activation, gated (null: mlp_ratio ≤ 0).</summary>");
            w.Line($"private static (int Hidden, global::Vim.Dsl.ActLayer Activation, bool Gated)? StageMlp(int stage) => stage switch");
            w.Line("{");
            for (int i = 0; i < g.Stages; i++)
            {
                if (g.HasMlp(i)) w.Line($"    {i} => ({Int(g.MlpHidden[i])}, {Act(g.MlpActLayer)}, {Bool(g.Gmlp)}),");
            }
            w.Line("    _ => null,");
            w.Line("};");
        }
    }
}
