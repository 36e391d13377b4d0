using Vim.Generators.Graph;
using Vim.Generators.Specs;

namespace Vim.Generators.Emit
{
    /// <summary>The ONNX exporter: the forward graph as ONNX nodes, every layer in full (the export has no row-only last layer).</summary>
    internal static partial class ModelEmitter
    {
        private static void WriteOnnx(SourceWriter w, ModelGraph g)
        {
            string ops = TypeRefs.OnnxOps;
            w.Line("/// <summary>ONNX nodes computing <see cref=\"ForwardCore\"/>: input <c>images</c> (batch, C, H, W), returns the logits' value name.</summary>");
            w.Open($"protected override string BuildOnnx({TypeRefs.OnnxGraph} g, long batch)");
            w.Line("var images = g.Input(\"images\", [batch, Channels, ImgHeight, ImgWidth]);");
            w.Line("string hidden;");
            w.Line($"using (g.Scope(\"patch_embed\")) hidden = {ops}.PatchEmbed(g, images, _patchEmbed);");
            switch (g.Cls)
            {
                case ClsPlacement.Middle:
                    w.Line($"hidden = {ops}.InsertToken(g, hidden, _clsToken, ClsPosition, NumPatches);");
                    break;
                case ClsPlacement.Head:
                    w.Line($"hidden = {ops}.InsertToken(g, hidden, _clsToken, 0, NumPatches);");
                    break;
                case ClsPlacement.Double:
                    w.Line($"hidden = {ops}.InsertToken(g, hidden, _clsTokenHead, 0, NumPatches);");
                    w.Line($"hidden = {ops}.InsertToken(g, hidden, _clsTokenTail, NumPatches + 1, NumPatches + 1);");
                    break;
            }
            if (g.AbsPosEmbed) w.Line("hidden = g.Op(\"Add\", [hidden, g.Weight(_posEmbed)]);");
            string rope = $"{TypeRefs.OnnxMamba}.Rope(g, {{0}}, _rope, SequenceLength)";
            if (g.Rope) w.Line($"hidden = {string.Format(rope, "hidden")};");
            w.Line("var residual = hidden;");
            if (g.Bidirectional)
            {
                w.Line("hidden = MixPairToOnnx(g, 0, ref residual);");
                w.Line("for (int k = 1; k < Depth / 2; k++)");
                w.Line("{");
                WriteOnnxRopeStep(w, g, rope);
                w.Line("    residual = g.Op(\"Add\", [residual, hidden]);");
                w.Line("    hidden = MixPairToOnnx(g, k, ref residual);");
                w.Line("}");
            }
            else
            {
                w.Line("using (g.Scope(\"layers.0\")) hidden = _layers[0].MixToOnnx(g, residual, reverse: false);");
                w.Line("for (int i = 1; i < Depth; i++)");
                w.Line("{");
                WriteOnnxRopeStep(w, g, rope);
                w.Line("    using (g.Scope($\"layers.{i}\")) hidden = _layers[i].ToOnnx(g, hidden, ref residual, reverse: false);");
                w.Line("}");
            }
            w.Line("string normed;");
            w.Line($"using (g.Scope(\"norm_f\")) normed = {ops}.Norm(g, g.Op(\"Add\", [residual, hidden]), _normF);");
            string features = g.Cls switch
            {
                ClsPlacement.Middle or ClsPlacement.Head => $"{ops}.SelectToken(g, normed, ClsPosition)",
                ClsPlacement.Double => $"{ops}.MeanOfTwoTokens(g, normed, 0, NumPatches + 1)",
                _ => g.Pool switch
                {
                    PoolKind.None => $"{ops}.SelectToken(g, normed, SequenceLength - 1)",
                    PoolKind.Mean => $"{ops}.MeanOverTokens(g, normed)",
                    _ => "normed",
                },
            };
            w.Line($"var features = {features};");
            w.Line("if (_head is null) return features;");
            if (g.Cls == ClsPlacement.None && g.Pool == PoolKind.Max)
            {
                w.Line($"using (g.Scope(\"head\")) return {ops}.MaxOverTokens(g, {ops}.Linear(g, features, _head));");
            }
            else
            {
                w.Line($"using (g.Scope(\"head\")) return {ops}.Linear(g, features, _head);");
            }
            w.Close();
            if (g.Bidirectional)
            {
                w.Line();
                w.Line("/// <summary>ONNX nodes of <see cref=\"MixPair\"/>: the pair's two mixes summed, the residual doubled.</summary>");
                w.Open($"private string MixPairToOnnx({TypeRefs.OnnxGraph} g, int k, ref string residual)");
                w.Line("string forward, backward;");
                w.Line("using (g.Scope($\"layers.{2 * k}\")) forward = _layers[2 * k].MixToOnnx(g, residual, reverse: false);");
                w.Line("using (g.Scope($\"layers.{2 * k + 1}\")) backward = _layers[2 * k + 1].MixToOnnx(g, residual, reverse: true);");
                w.Line($"residual = {ops}.Scale(g, residual, 2f);");
                w.Line("return g.Op(\"Add\", [forward, backward]);");
                w.Close();
            }
        }

        /// <summary>RoPE before each layer after the first: on the hidden state, and on the residual where the model rotates it too.</summary>
        private static void WriteOnnxRopeStep(SourceWriter w, ModelGraph g, string rope)
        {
            if (!g.Rope) return;
            w.Line($"    hidden = {string.Format(rope, "hidden")};");
            if (g.RopeResidual) w.Line($"    residual = {string.Format(rope, "residual")};");
        }
    }
}
