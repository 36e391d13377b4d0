using Vim.Generators.Graph;
using Vim.Generators.Specs;

namespace Vim.Generators.Emit
{
    internal static partial class ModelEmitter
    {
        private static void WriteForward(SourceWriter w, ModelGraph g)
        {
            WriteEmbedTokens(w, g);
            w.Line();
            WriteForwardFeatures(w, g);
            w.Line();
            WriteForwardLogits(w, g);
            w.Line();
            WriteFeatureMaps(w, g);
            w.Line();
            WriteOnnx(w, g);
        }

        private static void WriteForwardFeatures(SourceWriter w, ModelGraph g)
        {
            bool perToken = g.Cls == ClsPlacement.None && g.Pool is PoolKind.Max or PoolKind.All;
            w.Line(perToken
                ? "/// <summary>Pre-head features: all tokens after norm_f, (B, L, D).</summary>"
                : "/// <summary>Pre-head features (B, D).</summary>");
            w.Line("/// <param name=\"x\">Images (B, C, H, W), normalised.</param>");
            w.Open($"protected override {TypeRefs.Tensor} ForwardFeaturesCore({TypeRefs.Tensor} x)");
            WriteCheckAndSplit(w, "ComputeFeatures");
            w.Close();
            w.Line();
            w.Open($"private {TypeRefs.Tensor} ComputeFeatures({TypeRefs.Tensor} x)");
            w.Line("// x: (B, C, H, W) -> patches: (B, M, D), row-major over the patch grid, -> tokens (B, L, D)   (§4.1, §4.2)");
            WriteTokenAssembly(w);
            if (g.Bidirectional) WriteBidirectionalLayers(w, g);
            else WriteLayers(w, g);
            w.Line("using (residual)");
            w.Line("using (hidden)");
            w.Open("");
            WriteReadout(w, g);
            w.Close();
            w.Close();
        }

        private static void WriteCheckAndSplit(SourceWriter w, string compute)
        {
            w.Line($"{TypeRefs.ModelInput}.CheckImages(ModelInfo.Name, x, Device, Channels, ImgHeight, ImgWidth);");
            w.Line("// on the CPU, a batch runs as one-image passes spread over the cores");
            w.Line($"return ForEachImage(x, {compute});");
        }

        /// <summary>The call every pass starts with (inference, feature maps, training): the embedded tokens.</summary>
        private static void WriteTokenAssembly(SourceWriter w) => w.Line("var hidden = EmbedTokens(x);");

        /// <summary>Patch embedding, cls token(s) and position embedding, written once for all the passes.</summary>
        private static void WriteEmbedTokens(SourceWriter w, ModelGraph g)
        {
            w.Line("/// <summary>Images (B, C, H, W) → tokens (B, L, D): patch embedding, cls token(s), position embedding.</summary>");
            w.Open($"private {TypeRefs.Tensor} EmbedTokens({TypeRefs.Tensor} x)");
            switch (g.Cls)
            {
                case ClsPlacement.Middle:
                    w.Line("using var patches = _patchEmbed.Forward(x);");
                    w.Line("Observe(\"patch_proj\", patches);");
                    w.Line("// insert the cls token at M / 2 -> (B, L, D)                                            (§4.2)");
                    w.Line($"var hidden = {TypeRefs.TokenOps}.InsertToken(patches, _clsToken.Value, ClsPosition);");
                    break;
                case ClsPlacement.Head:
                    w.Line("using var patches = _patchEmbed.Forward(x);");
                    w.Line("Observe(\"patch_proj\", patches);");
                    w.Line("// prepend the cls token -> (B, L, D)                                                     (§4.2)");
                    w.Line($"var hidden = {TypeRefs.TokenOps}.InsertToken(patches, _clsToken.Value, 0);");
                    break;
                case ClsPlacement.Double:
                    w.Line("using var patches = _patchEmbed.Forward(x);");
                    w.Line("Observe(\"patch_proj\", patches);");
                    w.Line("// [cls_head, patches, cls_tail] -> (B, M + 2, D)                                         (§4.2)");
                    w.Line($"using var withHead = {TypeRefs.TokenOps}.InsertToken(patches, _clsTokenHead.Value, 0);");
                    w.Line($"var hidden = {TypeRefs.TokenOps}.InsertToken(withHead, _clsTokenTail.Value, NumPatches + 1);");
                    break;
                default:
                    w.Line("// no cls token: the sequence is the patches, L = M");
                    w.Line("var hidden = _patchEmbed.Forward(x);");
                    w.Line("Observe(\"patch_proj\", hidden);");
                    break;
            }
            if (g.AbsPosEmbed)
            {
                w.Line("// + pos_embed (row j goes to sequence position j; dropout is identity at inference)");
                w.Line($"{TypeRefs.TokenOps}.AddBroadcastInPlace(hidden, _posEmbed.Value);");
            }
            w.Line("Observe(\"patch_embed\", hidden);");
            w.Line("return hidden;");
            w.Close();
        }

        private static void WriteRope(SourceWriter w, ModelGraph g, bool withResidual)
        {
            w.Line("// 2-D RoPE before the layer (odd L: token 0 stays unrotated)                             (§11)");
            w.Line("_rope.ApplyInPlace(hidden);");
            if (withResidual && g.RopeResidual) w.Line("_rope.ApplyInPlace(residual);");
        }

        private static void WriteLayers(SourceWriter w, ModelGraph g)
        {
            w.Line("// layer 0 has no incoming residual: residual = hidden                                   (§5.1)");
            if (g.Rope) WriteRope(w, g, withResidual: false);
            w.Line("var residual = hidden;");
            w.Line("hidden = _layers[0].Mix(residual, reverse: false);");
            w.Line("Observe(\"layer0_hidden\", hidden);");
            w.Line("Observe(\"layer0_residual\", residual);");
            w.Line("// r_{i+1} = r_i + h_i ;  h_{i+1} = Mixer_i(Norm_i(r_{i+1}))                                (§4.4)");
            string? token = ReadoutToken(g);
            w.Line(token is null ? "for (int i = 1; i < Depth; i++)" : "for (int i = 1; i < Depth - 1; i++)");
            w.Line("{");
            WriteLayerStep(w, g, "_layers[i].Forward(previous, residual, reverse: false)");
            w.Line("}");
            if (token is not null)
            {
                w.Line("// the last layer: only its row at the read-out token is used, so it computes that row alone -> (B, D)");
                w.Line("{");
                WriteLayerStep(w, g, $"_layers[Depth - 1].ForwardAt(previous, residual, {token})");
                w.Line("}");
            }
        }

        private static void WriteLayerStep(SourceWriter w, ModelGraph g, string call)
        {
            w.Line("    var previous = hidden;");
            if (g.Rope)
            {
                w.Line("    _rope.ApplyInPlace(previous);");
                if (g.RopeResidual) w.Line("    _rope.ApplyInPlace(residual);");
            }
            w.Line($"    hidden = {call};");
            w.Line("    previous.Dispose();");
        }

        /// <summary>
        /// The one token a model with the plain layer loop reads out (its cls token, or the last token without cls or
        /// pooling), whose row alone the last layer then computes; null when features need more rows, or with one layer.
        /// </summary>
        private static string? ReadoutToken(ModelGraph g)
        {
            if (g.Bidirectional || g.Depth < 2) return null;
            return g.Cls switch
            {
                ClsPlacement.Middle or ClsPlacement.Head => "ClsPosition",
                ClsPlacement.None when g.Pool == PoolKind.None => "SequenceLength - 1",
                _ => null,
            };
        }

        private static void WriteBidirectionalLayers(SourceWriter w, ModelGraph g)
        {
            w.Line("// Layers run in pairs: 2k on the sequence, 2k+1 on its reverse (processed in place, no flipped copies).");
            w.Line("// Both see the same residual sum, so upstream's residual = r_f + flip(r_b) doubles it every pair. (§4.5)");
            if (g.Rope) WriteRope(w, g, withResidual: false);
            w.Line("var residual = hidden;");
            w.Line("hidden = MixPair(0, residual);");
            w.Line("for (int k = 1; k < Depth / 2; k++)");
            w.Line("{");
            WritePairStep(w, g);
            w.Line("}");
        }

        /// <summary>The body of the pair loop after pair 0: the residual takes the previous pair's output, then pair k mixes.</summary>
        private static void WritePairStep(SourceWriter w, ModelGraph g)
        {
            w.Line("    var previous = hidden;");
            if (g.Rope)
            {
                w.Line("    _rope.ApplyInPlace(previous);");
                if (g.RopeResidual) w.Line("    _rope.ApplyInPlace(residual);");
            }
            w.Line($"    {TypeRefs.TensorOps}.AddInPlace(residual, previous);");
            w.Line("    previous.Dispose();");
            w.Line("    hidden = MixPair(k, residual);");
        }

        private static void WriteReadout(SourceWriter w, ModelGraph g)
        {
            string norm = g.Block.RmsNorm ? "RMSNorm" : "LayerNorm";
            // Per-token features are returned as they are, so only the pooled readouts dispose the normed tokens.
            bool perToken = g.Cls == ClsPlacement.None && g.Pool is PoolKind.Max or PoolKind.All;
            string declare = perToken ? "var" : "using var";
            if (ReadoutToken(g) is string token)
            {
                // hidden holds the last layer's row at the token alone.
                w.Line($"// out = norm_f(residual + hidden) at the read-out token, {norm}: the features (B, D)      (§4.6, §4.7)");
                w.Line($"using var residualRow = {TypeRefs.TokenOps}.SelectToken(residual, {token});");
                if (g.Block.FusedAddNorm)
                {
                    w.Line("return _normF.AddForward(hidden, residualRow);");
                }
                else
                {
                    w.Line($"{TypeRefs.TensorOps}.AddInPlace(residualRow, hidden);");
                    w.Line("return _normF.Forward(residualRow);");
                }

                return;
            }

            w.Line($"// out = norm_f(residual + hidden), {norm}                                                (§4.6)");
            if (g.Block.FusedAddNorm)
            {
                w.Line($"{declare} normed = _normF.AddForward(hidden, residual);");
            }
            else
            {
                w.Line($"{TypeRefs.TensorOps}.AddInPlace(residual, hidden);");
                w.Line($"{declare} normed = _normF.Forward(residual);");
            }
            switch (g.Cls)
            {
                case ClsPlacement.Middle:
                case ClsPlacement.Head:
                    w.Line("// features = the cls token's row -> (B, D)                                              (§4.7)");
                    w.Line($"return {TypeRefs.TokenOps}.SelectToken(normed, ClsPosition);");
                    break;
                case ClsPlacement.Double:
                    w.Line("// features = (out[:, 0] + out[:, M + 1]) / 2 -> (B, D)                                  (§4.7)");
                    w.Line($"return {TypeRefs.TokenOps}.MeanOfTwoTokens(normed, 0, NumPatches + 1);");
                    break;
                default:
                    switch (g.Pool)
                    {
                        case PoolKind.None:
                            w.Line("// features = the last token -> (B, D)                                                  (§4.7)");
                            w.Line($"return {TypeRefs.TokenOps}.SelectToken(normed, SequenceLength - 1);");
                            break;
                        case PoolKind.Mean:
                            w.Line("// features = mean over tokens -> (B, D)                                                (§4.7)");
                            w.Line($"return {TypeRefs.TokenOps}.MeanOverTokens(normed);");
                            break;
                        default:
                            w.Line("// features = every token -> (B, L, D)                                                  (§4.7)");
                            w.Line("return normed;");
                            break;
                    }
                    break;
            }
        }

        private static void WriteForwardLogits(SourceWriter w, ModelGraph g)
        {
            bool perToken = g.Cls == ClsPlacement.None && g.Pool is PoolKind.Max or PoolKind.All;
            w.Line(g.Cls == ClsPlacement.None && g.Pool == PoolKind.All
                ? "/// <summary>Per-token logits (B, L, classes); features when the model has no head.</summary>"
                : "/// <summary>Logits (B, classes); features when the model has no head.</summary>");
            w.Line("/// <param name=\"x\">Images (B, C, H, W), normalised.</param>");
            w.Open($"protected override {TypeRefs.Tensor} ForwardCore({TypeRefs.Tensor} x)");
            WriteCheckAndSplit(w, "ComputeLogits");
            w.Close();
            w.Line();
            w.Open($"private {TypeRefs.Tensor} ComputeLogits({TypeRefs.Tensor} x)");
            w.Line("if (_head is null) return ComputeFeatures(x);");
            w.Line("using var features = ComputeFeatures(x);");
            if (perToken && g.Pool == PoolKind.Max)
            {
                w.Line("// per-token logits (B, L, classes), then the maximum over tokens -> (B, classes)        (§4.7)");
                w.Line("using var tokenLogits = _head.Forward(features);");
                w.Line($"return {TypeRefs.TokenOps}.MaxOverTokens(tokenLogits);");
            }
            else
            {
                w.Line("// logits = head(features)");
                w.Line("return _head.Forward(features);");
            }
            w.Close();
            if (g.Bidirectional)
            {
                w.Line();
                w.Line("/// <summary>Runs layer pair k on a residual that holds the sum, doubling the residual as upstream does.</summary>");
                w.Open($"private {TypeRefs.Tensor} MixPair(int k, {TypeRefs.Tensor} residual)");
                w.Line("var forward = _layers[2 * k].Mix(residual, reverse: false);");
                w.Line("if (k == 0)");
                w.Line("{");
                w.Line("    // the fixtures' layer 0 is the forward-direction layer of the first pair");
                w.Line("    Observe(\"layer0_hidden\", forward);");
                w.Line("    Observe(\"layer0_residual\", residual);");
                w.Line("}");
                w.Line("using var backward = _layers[2 * k + 1].Mix(residual, reverse: true);");
                w.Line($"{TypeRefs.TensorOps}.AddInPlace(forward, backward);");
                w.Line($"{TypeRefs.TensorOps}.ScaleInPlace(residual, 2f);");
                w.Line("return forward;");
                w.Close();
            }
        }
    }
}
