using Vim.Generators.Graph;
using Vim.Generators.Specs;

namespace Vim.Generators.Emit
{
    /// <summary>The backbone pass: block outputs on the patch grid, as the official detection and segmentation backbones take them.</summary>
    internal static partial class ModelEmitter
    {
        private static void WriteFeatureMaps(SourceWriter w, ModelGraph g)
        {
            WriteFeatureInfo(w, g);
            w.Line();
            w.Line("/// <summary>The selected blocks' maps (B, D, GridHeight, GridWidth), ascending by index.</summary>");
            w.Open($"protected override {TypeRefs.TensorList} ForwardFeatureMapsCore({TypeRefs.Tensor} x, {TypeRefs.FeatureSelection} selection)");
            w.Line($"{TypeRefs.ModelInput}.CheckImages(ModelInfo.Name, x, Device, Channels, ImgHeight, ImgWidth);");
            w.Line("return ForEachImage(x, image => ComputeFeatureMaps(image, selection));");
            w.Close();
            w.Line();
            w.Open($"private {TypeRefs.TensorList} ComputeFeatureMaps({TypeRefs.Tensor} x, {TypeRefs.FeatureSelection} selection)");
            w.Line($"var maps = {TypeRefs.NewTensorList}(selection.Indices.Count);");
            WriteTokenAssembly(w);
            if (g.Rope) WriteRope(w, g, withResidual: false);
            w.Line("var residual = hidden;");
            if (g.Bidirectional)
            {
                w.Line("// every block runs in full (the classifier's last layer computes only its read-out row); pair k is map 2k + 1");
                w.Line("hidden = MixPair(0, residual);");
                w.Line("TakeFeatureMap(1, hidden, residual, selection, maps);");
                w.Line("for (int k = 1; 2 * k + 1 <= selection.Last; k++)");
                w.Line("{");
                WritePairStep(w, g);
                w.Line("    TakeFeatureMap(2 * k + 1, hidden, residual, selection, maps);");
                w.Line("}");
            }
            else
            {
                w.Line("// every block runs in full (the classifier's last layer computes only its read-out row), up to the deepest map asked for");
                w.Line("hidden = _layers[0].Mix(residual, reverse: false);");
                w.Line("TakeFeatureMap(0, hidden, residual, selection, maps);");
                w.Line("for (int i = 1; i <= selection.Last; i++)");
                w.Line("{");
                WriteLayerStep(w, g, "_layers[i].Forward(previous, residual, reverse: false)");
                w.Line("    TakeFeatureMap(i, hidden, residual, selection, maps);");
                w.Line("}");
            }
            w.Line("hidden.Dispose();");
            w.Line("residual.Dispose();");
            w.Line("return maps;");
            w.Close();
            w.Line();
            WriteTakeFeatureMap(w, g);
        }

        private static void WriteFeatureInfo(SourceWriter w, ModelGraph g)
        {
            string blocks = g.Bidirectional ? "each layer pair's (2k, 2k + 1) sum, as map 2k + 1" : "each block's output";
            w.Line($"/// <summary>Maps of {blocks}: D channels on the patch grid, reduction = the patch stride.</summary>");
            w.Line($"protected override global::System.Collections.Generic.IReadOnlyList<{TypeRefs.FeatureInfo}> FeatureInfoCore => BlockMaps;");
            w.Line();
            w.Line($"private static readonly {TypeRefs.FeatureInfo}[] BlockMaps = DescribeBlockMaps();");
            w.Line();
            w.Open($"private static {TypeRefs.FeatureInfo}[] DescribeBlockMaps()");
            w.Line($"var maps = new {TypeRefs.FeatureInfo}[{(g.Bidirectional ? "Depth / 2" : "Depth")}];");
            w.Line("for (int k = 0; k < maps.Length; k++)");
            w.Line("{");
            w.Line(g.Bidirectional ? "    int i = 2 * k + 1;" : "    int i = k;");
            w.Line($"    maps[k] = new {TypeRefs.FeatureInfo}(i, $\"layers.{{i}}\", EmbedDim, Stride);");
            w.Line("}");
            w.Line("return maps;");
            w.Close();
            w.Line();
            w.Line("/// <summary>timm's default for token models: the last three maps.</summary>");
            w.Line("protected override int DefaultFeatureCount => 3;");
            w.Line();
            w.Line("/// <inheritdoc/>");
            w.Line("public override bool HasResidualStream => true;");
        }

        private static void WriteTakeFeatureMap(SourceWriter w, ModelGraph g)
        {
            string cls = g.Cls switch
            {
                ClsPlacement.Middle or ClsPlacement.Head => ", ClsPosition",
                ClsPlacement.Double => ", 0, NumPatches + 1",
                _ => "",
            };
            w.Line("/// <summary>Adds map <paramref name=\"index\"/> when selected: tokens → (B, D, GridHeight, GridWidth)" + (cls.Length > 0 ? ", cls token(s) dropped" : "") + ".</summary>");
            w.Open($"private void TakeFeatureMap(int index, {TypeRefs.Tensor} hidden, {TypeRefs.Tensor} residual, {TypeRefs.FeatureSelection} selection, global::System.Collections.Generic.List<{TypeRefs.Tensor}> maps)");
            w.Line("if (!selection.Contains(index)) return;");
            w.Line($"if (selection.Source == {TypeRefs.FeatureSource}.Residual)");
            w.Line("{");
            w.Line("    // the residual stream the next block normalises: r_i + h_i");
            w.Line($"    using var sum = {TypeRefs.TensorOps}.Add(residual, hidden);");
            w.Line($"    maps.Add({TypeRefs.TokenOps}.ToPatchGrid(sum, GridHeight, GridWidth{cls}));");
            w.Line("    return;");
            w.Line("}");
            w.Line($"maps.Add({TypeRefs.TokenOps}.ToPatchGrid(hidden, GridHeight, GridWidth{cls}));");
            w.Close();
        }
    }
}
