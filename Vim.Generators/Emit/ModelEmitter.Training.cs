using Vim.Generators.Graph;
using Vim.Generators.Specs;
using static Vim.Generators.Emit.SourceWriter;

namespace Vim.Generators.Emit
{
    // The model's training half: the forward that keeps what the backward reads, and the reverse-order backward graph,
    // each with every structural option (cls placement, readout, RoPE, bidirectional pairing, drop-path) decided here.
    internal static partial class ModelEmitter
    {
        private static string Ts => TypeRefs.Tensor;

        private static void WriteTraining(SourceWriter w, ModelGraph g)
        {
            w.Line();
            // The official no_weight_decay() names every token any variant has; this variant's own are enough.
            var exempt = new System.Collections.Generic.List<string>();
            if (g.AbsPosEmbed) exempt.Add("\"pos_embed\"");
            if (g.Cls is ClsPlacement.Middle or ClsPlacement.Head) exempt.Add("\"cls_token\"");
            if (g.Cls == ClsPlacement.Double) { exempt.Add("\"cls_token_head\""); exempt.Add("\"cls_token_tail\""); }
            w.Line("/// <summary>The official <c>no_weight_decay()</c> keys this variant has: the position embedding and cls tokens are never decayed.</summary>");
            w.Line("public override global::System.Collections.Generic.IReadOnlySet<string> NoWeightDecay { get; } =");
            w.Line($"    new global::System.Collections.Generic.HashSet<string> {{ {string.Join(", ", exempt)} }};");
            w.Line();
            WriteDropPathRates(w, g);
            w.Line();
            WriteActivations(w, g);
            w.Line();
            WriteForwardTrain(w, g);
            w.Line();
            WriteBackward(w, g);
        }

        private static void WriteDropPathRates(SourceWriter w, ModelGraph g)
        {
            w.Line("/// <summary>");
            w.Line("/// Drop-path rate of the hidden state added into layer i's residual: timm's linspace(0, rate, depth) shifted by one");
            w.Line("/// (layer 0 has no residual to add to, so no layer reaches the full rate; the final norm's input gets it).");
            w.Line("/// </summary>");
            w.Line("private double LayerDropPath(int i) => i == 0 || Depth < 2 ? 0.0 : DropPathRate * (i - 1) / (Depth - 1);");
        }

        private static bool PerToken(ModelGraph g) => g.Cls == ClsPlacement.None && g.Pool is PoolKind.Max or PoolKind.All;

        private static void WriteActivations(SourceWriter w, ModelGraph g)
        {
            w.Line("/// <summary>What <see cref=\"ForwardTrainCore\"/> keeps for <see cref=\"BackwardCore\"/>.</summary>");
            w.Open($"private sealed class Activations : {TypeRefs.ActivationStore}");
            w.Line("/// <summary>The images (B, C, H, W), for the patch embedding's weight gradient (kept by the pass).</summary>");
            w.Line($"public {Ts} Images = null!;");
            w.Line();
            w.Line(g.Bidirectional
                ? "/// <summary>Layer i's residual sum r_i (B, L, D), the input of its norm (the first pair shares r_0).</summary>"
                : "/// <summary>Layer i's residual sum r_i (B, L, D), the input of its norm.</summary>");
            w.Line($"public {Ts}[] Sums = null!;");
            w.Line();
            w.Line("/// <summary>Layer i's mixer activations; null where gradient checkpointing recomputes them.</summary>");
            w.Line($"public {TypeRefs.ActivationStore}?[] Layers = null!;");
            w.Line();
            w.Line("/// <summary>The drop-path scales of the hidden state added into r_i, per sample; null where nothing was dropped.</summary>");
            w.Line("public float[]?[] DropPaths = null!;");
            w.Line();
            w.Line("/// <summary>The drop-path scales of the last hidden state, added in the final norm.</summary>");
            w.Line("public float[]? FinalDropPath;");
            if (g.DropRate > 0)
            {
                w.Line();
                w.Line("/// <summary>pos_drop's mask (with its 1/(1 − p) scale), per element; null where nothing was dropped.</summary>");
                w.Line("public float[]? Dropout;");
            }
            w.Line();
            w.Line("/// <summary>r + drop_path(h), the input of norm_f (B, L, D).</summary>");
            w.Line($"public {Ts} Final = null!;");
            w.Line();
            w.Line(PerToken(g)
                ? "/// <summary>The head's input: every token after norm_f (B, L, D).</summary>"
                : "/// <summary>The head's input (B, D).</summary>");
            w.Line($"public {Ts} Features = null!;");
            if (PerToken(g) && g.Pool == PoolKind.Max)
            {
                w.Line();
                w.Line("/// <summary>The per-token logits (B, L, classes) the maximum is taken over; null without a head.</summary>");
                w.Line($"public {Ts}? TokenLogits;");
            }
            w.Close();
        }

        private static void WriteForwardTrain(SourceWriter w, ModelGraph g)
        {
            w.Line("/// <inheritdoc/>");
            w.Open($"protected override {Ts} ForwardTrainCore({Ts} x, {TypeRefs.TrainingContext} context, out {TypeRefs.ActivationStore} saved)");
            w.Line($"{TypeRefs.ModelInput}.CheckImages(ModelInfo.Name, x, Device, Channels, ImgHeight, ImgWidth);");
            w.Line("int batch = x.Shape[0];");
            w.Line($"var a = new Activations {{ Images = x, Sums = new {Ts}[Depth], Layers = new {TypeRefs.ActivationStore}?[Depth], DropPaths = new float[]?[Depth] }};");
            w.Line("saved = a;");
            w.Line("bool keep = !context.Checkpointing;");
            WriteTokenAssembly(w);
            if (g.DropRate > 0)
            {
                w.Line("// pos_drop: dropout after the position embedding (training mode only)");
                w.Line("a.Dropout = context.Dropout(DropRate, hidden.Numel);");
                w.Line($"{TypeRefs.TrainOps}.DropoutInPlace(hidden, a.Dropout);");
            }
            if (g.Bidirectional) WriteBidirectionalTrain(w, g);
            else WriteLayersTrain(w, g);
            w.Line("// out = norm_f(r + drop_path(h))                                                            (§4.6)");
            w.Line("a.FinalDropPath = context.DropPath(DropPathRate, batch);");
            w.Line($"{TypeRefs.TrainOps}.DropPathInPlace(hidden, a.FinalDropPath);");
            w.Line($"a.Final = a.Keep({TypeRefs.TrainOps}.Sum(residual, hidden));");
            w.Line("hidden.Dispose();");
            if (g.Bidirectional) w.Line("residual.Dispose();");
            WriteReadoutTrain(w, g);
            w.Close();
        }

        private static void WriteLayersTrain(SourceWriter w, ModelGraph g)
        {
            w.Line("// layer 0 has no incoming residual: r_0 = hidden                                           (§5.1)");
            if (g.Rope) w.Line("_rope.ApplyInPlace(hidden);");
            w.Line("var residual = a.Sums[0] = a.Keep(hidden);");
            w.Line("hidden = _layers[0].MixTrain(residual, reverse: false, keep, out var layer0);");
            w.Line("a.Layers[0] = a.Keep(layer0);");
            w.Line("// r_i = r_{i-1} + drop_path_i(h_{i-1});  h_i = mixer_i(norm_i(r_i))                       (§4.4, §5.4)");
            w.Line("for (int i = 1; i < Depth; i++)");
            w.Line("{");
            if (g.Rope)
            {
                w.Line("    // 2-D RoPE before the layer (odd L: token 0 stays unrotated)                         (§11)");
                w.Line("    _rope.ApplyInPlace(hidden);");
            }
            w.Line("    a.DropPaths[i] = context.DropPath(LayerDropPath(i), batch);");
            w.Line($"    {TypeRefs.TrainOps}.DropPathInPlace(hidden, a.DropPaths[i]);");
            if (g.Rope && g.RopeResidual)
            {
                w.Line("    // the residual is rotated too; r_{i-1} stays as kept, the rotated copy only enters the sum");
                w.Line("    using (var rotated = _rope.Apply(residual))");
                w.Line("    {");
                w.Line($"        residual = a.Sums[i] = a.Keep({TypeRefs.TrainOps}.Sum(rotated, hidden));");
                w.Line("    }");
            }
            else
            {
                w.Line($"    residual = a.Sums[i] = a.Keep({TypeRefs.TrainOps}.Sum(residual, hidden));");
            }
            w.Line("    hidden.Dispose();");
            w.Line("    hidden = _layers[i].MixTrain(residual, reverse: false, keep, out var layer);");
            w.Line("    a.Layers[i] = a.Keep(layer);");
            w.Line("}");
        }

        private static void WriteBidirectionalTrain(SourceWriter w, ModelGraph g)
        {
            w.Line("// Layers run in pairs: 2k on the sequence, 2k+1 on its reverse. Each adds the incoming hidden state into its own");
            w.Line("// residual (with its own drop-path); the pair's residual is the sum of the two, h the sum of the two outputs.  (§4.5)");
            if (g.Rope) w.Line("_rope.ApplyInPlace(hidden);");
            w.Line("// pair 0: both layers read r_0 = hidden, and r = r_0 + r_0");
            w.Line("var first = a.Sums[0] = a.Sums[1] = a.Keep(hidden);");
            w.Line("hidden = _layers[0].MixTrain(first, reverse: false, keep, out var forward0);");
            w.Line("a.Layers[0] = a.Keep(forward0);");
            w.Line("using (var backward0 = _layers[1].MixTrain(first, reverse: true, keep, out var layer1))");
            w.Line("{");
            w.Line("    a.Layers[1] = a.Keep(layer1);");
            w.Line($"    {TypeRefs.TrainOps}.AddInPlace(hidden, backward0);");
            w.Line("}");
            w.Line($"var residual = {TypeRefs.TrainOps}.Sum(first, first);");
            w.Line("for (int k = 1; k < Depth / 2; k++)");
            w.Line("{");
            if (g.Rope)
            {
                w.Line("    _rope.ApplyInPlace(hidden);");
                if (g.RopeResidual) w.Line("    _rope.ApplyInPlace(residual);");
            }
            w.Line("    int f = 2 * k, b = 2 * k + 1;");
            w.Line("    a.DropPaths[f] = context.DropPath(LayerDropPath(f), batch);");
            w.Line("    a.DropPaths[b] = context.DropPath(LayerDropPath(b), batch);");
            w.Line($"    using (var droppedF = {TypeRefs.TrainOps}.DropPath(hidden, a.DropPaths[f])) a.Sums[f] = a.Keep({TypeRefs.TrainOps}.Sum(residual, droppedF));");
            w.Line($"    using (var droppedB = {TypeRefs.TrainOps}.DropPath(hidden, a.DropPaths[b])) a.Sums[b] = a.Keep({TypeRefs.TrainOps}.Sum(residual, droppedB));");
            w.Line("    hidden.Dispose();");
            w.Line("    residual.Dispose();");
            w.Line($"    residual = {TypeRefs.TrainOps}.Sum(a.Sums[f], a.Sums[b]);");
            w.Line("    hidden = _layers[f].MixTrain(a.Sums[f], reverse: false, keep, out var layerF);");
            w.Line("    a.Layers[f] = a.Keep(layerF);");
            w.Line("    using (var backward = _layers[b].MixTrain(a.Sums[b], reverse: true, keep, out var layerB))");
            w.Line("    {");
            w.Line("        a.Layers[b] = a.Keep(layerB);");
            w.Line($"        {TypeRefs.TrainOps}.AddInPlace(hidden, backward);");
            w.Line("    }");
            w.Line("}");
        }

        private static void WriteReadoutTrain(SourceWriter w, ModelGraph g)
        {
            string norm = g.Block.RmsNorm ? "RMSNorm" : "LayerNorm";
            if (PerToken(g))
            {
                w.Line($"// features = every token after norm_f ({norm}) -> (B, L, D)                                  (§4.7)");
                w.Line("a.Features = a.Keep(_normF.Forward(a.Final));");
                if (g.Pool == PoolKind.Max)
                {
                    w.Line($"if (_head is null) return {TypeRefs.TrainOps}.Copy(a.Features);");
                    w.Line("// per-token logits (B, L, classes), then the maximum over tokens -> (B, classes)");
                    w.Line("a.TokenLogits = a.Keep(_head.Forward(a.Features));");
                    w.Line($"return {TypeRefs.TokenOps}.MaxOverTokens(a.TokenLogits);");
                }
                else
                {
                    w.Line($"return _head is null ? {TypeRefs.TrainOps}.Copy(a.Features) : _head.Forward(a.Features);");
                }
                return;
            }

            w.Line($"using var normed = _normF.Forward(a.Final);");
            switch (g.Cls)
            {
                case ClsPlacement.Middle:
                case ClsPlacement.Head:
                    w.Line("// features = the cls token's row -> (B, D)                                                (§4.7)");
                    w.Line($"a.Features = a.Keep({TypeRefs.TokenOps}.SelectToken(normed, ClsPosition));");
                    break;
                case ClsPlacement.Double:
                    w.Line("// features = (out[:, 0] + out[:, M + 1]) / 2 -> (B, D)                                    (§4.7)");
                    w.Line($"a.Features = a.Keep({TypeRefs.TokenOps}.MeanOfTwoTokens(normed, 0, NumPatches + 1));");
                    break;
                default:
                    if (g.Pool == PoolKind.None)
                    {
                        w.Line("// features = the last token -> (B, D)                                                    (§4.7)");
                        w.Line($"a.Features = a.Keep({TypeRefs.TokenOps}.SelectToken(normed, SequenceLength - 1));");
                    }
                    else
                    {
                        w.Line("// features = mean over tokens -> (B, D)                                                  (§4.7)");
                        w.Line($"a.Features = a.Keep({TypeRefs.TokenOps}.MeanOverTokens(normed));");
                    }
                    break;
            }
            w.Line($"return _head is null ? {TypeRefs.TrainOps}.Copy(a.Features) : _head.Forward(a.Features);");
        }

        private static void WriteBackward(SourceWriter w, ModelGraph g)
        {
            w.Line("/// <inheritdoc/>");
            w.Open($"protected override {Ts}? BackwardCore({TypeRefs.ActivationStore} saved, {Ts} dLogits, bool inputGradient)");
            w.Line("var a = (Activations)saved;");
            WriteReadoutBackward(w, g);
            w.Line("// out = norm_f(r + drop_path(h)): ∂/∂r, and ∂/∂h through the drop-path scales");
            w.Line($"var dSum = {Ts}.Empty(a.Final.Shape, a.Final.Device);");
            w.Line("_normF.Backward(a.Final, dNormed, dSum, accumulate: false);");
            w.Line($"var dHidden = {TypeRefs.TrainOps}.DropPath(dSum, a.FinalDropPath);");
            if (g.Bidirectional) WriteBidirectionalBackward(w, g);
            else WriteLayersBackward(w, g);
            if (g.DropRate > 0)
            {
                w.Line("// pos_drop: the same mask on the gradient");
                w.Line($"{TypeRefs.TrainOps}.DropoutInPlace(dSum, a.Dropout);");
            }
            WriteTokenAssemblyBackward(w, g);
            w.Close();
        }

        private static void WriteReadoutBackward(SourceWriter w, ModelGraph g)
        {
            if (PerToken(g))
            {
                if (g.Pool == PoolKind.Max)
                {
                    w.Line("// logits = max over tokens of head(features): each maximum's token gets the gradient");
                    w.Line($"using var dTokenLogits = _head is null ? null : {TypeRefs.TokenOps}.MaxOverTokensBackward(a.TokenLogits!, dLogits);");
                    w.Line($"using var dNormed = _head is null ? {TypeRefs.TrainOps}.Copy(dLogits) : _head.Backward(a.Features, dTokenLogits!)!;");
                }
                else
                {
                    w.Line("// logits = head(features) per token");
                    w.Line($"using var dNormed = _head is null ? {TypeRefs.TrainOps}.Copy(dLogits) : _head.Backward(a.Features, dLogits)!;");
                }
                return;
            }

            w.Line("// logits = head(features)");
            w.Line($"using var dFeatures = _head is null ? {TypeRefs.TrainOps}.Copy(dLogits) : _head.Backward(a.Features, dLogits)!;");
            switch (g.Cls)
            {
                case ClsPlacement.Middle:
                case ClsPlacement.Head:
                    w.Line("// features = out[:, cls] -> zero but the cls row (B, L, D)");
                    w.Line($"using var dNormed = {TypeRefs.TokenOps}.SelectTokenBackward(dFeatures, ClsPosition, SequenceLength);");
                    break;
                case ClsPlacement.Double:
                    w.Line("// features = (out[:, 0] + out[:, M + 1]) / 2 -> half the gradient at each cls row");
                    w.Line($"using var dNormed = {TypeRefs.TokenOps}.MeanOfTwoTokensBackward(dFeatures, 0, NumPatches + 1, SequenceLength);");
                    break;
                default:
                    w.Line(g.Pool == PoolKind.None
                        ? $"using var dNormed = {TypeRefs.TokenOps}.SelectTokenBackward(dFeatures, SequenceLength - 1, SequenceLength);"
                        : $"using var dNormed = {TypeRefs.TokenOps}.MeanOverTokensBackward(dFeatures, SequenceLength);");
                    break;
            }
        }

        private static void WriteLayersBackward(SourceWriter w, ModelGraph g)
        {
            w.Line("for (int i = Depth - 1; i >= 1; i--)");
            w.Line("{");
            w.Line("    // h_i = mixer_i(norm_i(r_i)) adds its gradient to ∂/∂r_i");
            w.Line("    _layers[i].MixBackward(a.Sums[i], a.Layers[i], reverse: false, dHidden, dSum);");
            w.Line("    dHidden.Dispose();");
            w.Line("    // r_i = r_{i-1} + drop_path_i(h_{i-1}): r_{i-1} gets ∂/∂r_i, h_{i-1} the same through its drop-path scale");
            w.Line($"    dHidden = {TypeRefs.TrainOps}.DropPath(dSum, a.DropPaths[i]);");
            if (g.Rope)
            {
                w.Line("    // the rotation before layer i, transposed");
                w.Line("    _rope.BackwardInPlace(dHidden);");
                if (g.RopeResidual) w.Line("    _rope.BackwardInPlace(dSum);");
            }
            w.Line("}");
            w.Line("// h_0 = mixer_0(norm_0(r_0)), r_0 = the embedded tokens");
            w.Line("_layers[0].MixBackward(a.Sums[0], a.Layers[0], reverse: false, dHidden, dSum);");
            w.Line("dHidden.Dispose();");
            if (g.Rope) w.Line("_rope.BackwardInPlace(dSum);");
        }

        private static void WriteBidirectionalBackward(SourceWriter w, ModelGraph g)
        {
            w.Line("for (int k = Depth / 2 - 1; k >= 1; k--)");
            w.Line("{");
            w.Line("    int f = 2 * k, b = 2 * k + 1;");
            w.Line("    // r = r_f + r_b and h = h_f + h_b: each layer's sum gets ∂/∂r plus its own mixer's gradient");
            w.Line($"    var dSumB = {TypeRefs.TrainOps}.Copy(dSum);");
            w.Line("    _layers[b].MixBackward(a.Sums[b], a.Layers[b], reverse: true, dHidden, dSumB);");
            w.Line("    _layers[f].MixBackward(a.Sums[f], a.Layers[f], reverse: false, dHidden, dSum);");
            w.Line("    dHidden.Dispose();");
            w.Line("    // r_f = r + drop_path_f(h), r_b = r + drop_path_b(h)");
            w.Line($"    dHidden = {TypeRefs.TrainOps}.DropPath(dSum, a.DropPaths[f]);");
            w.Line($"    using (var dHiddenB = {TypeRefs.TrainOps}.DropPath(dSumB, a.DropPaths[b])) {TypeRefs.TrainOps}.AddInPlace(dHidden, dHiddenB);");
            w.Line($"    {TypeRefs.TrainOps}.AddInPlace(dSum, dSumB);");
            w.Line("    dSumB.Dispose();");
            if (g.Rope)
            {
                w.Line("    _rope.BackwardInPlace(dHidden);");
                if (g.RopeResidual) w.Line("    _rope.BackwardInPlace(dSum);");
            }
            w.Line("}");
            w.Line("// pair 0: r = r_0 + r_0, h = mixer_0(norm_0(r_0)) + mixer_1(norm_1(r_0)) reversed");
            w.Line($"using (var dFirstB = {TypeRefs.TrainOps}.Copy(dSum))");
            w.Line("{");
            w.Line("    _layers[1].MixBackward(a.Sums[0], a.Layers[1], reverse: true, dHidden, dFirstB);");
            w.Line("    _layers[0].MixBackward(a.Sums[0], a.Layers[0], reverse: false, dHidden, dSum);");
            w.Line($"    {TypeRefs.TrainOps}.AddInPlace(dSum, dFirstB);");
            w.Line("}");
            w.Line("dHidden.Dispose();");
            if (g.Rope) w.Line("_rope.BackwardInPlace(dSum);");
        }

        private static void WriteTokenAssemblyBackward(SourceWriter w, ModelGraph g)
        {
            if (g.AbsPosEmbed)
            {
                w.Line("// r_0 = tokens + pos_embed: its gradient is ∂/∂r_0 summed over the batch");
                w.Line($"{TypeRefs.TokenOps}.AddBroadcastBackward(dSum, _posEmbed);");
            }
            switch (g.Cls)
            {
                case ClsPlacement.Middle:
                    w.Line("// the cls token was inserted at M / 2: its row goes to cls_token, the others to the patches");
                    w.Line($"using var dPatches = {TypeRefs.TokenOps}.InsertTokenBackward(dSum, _clsToken, ClsPosition);");
                    w.Line("dSum.Dispose();");
                    break;
                case ClsPlacement.Head:
                    w.Line("// the cls token was prepended: row 0 goes to cls_token, the others to the patches");
                    w.Line($"using var dPatches = {TypeRefs.TokenOps}.InsertTokenBackward(dSum, _clsToken, 0);");
                    w.Line("dSum.Dispose();");
                    break;
                case ClsPlacement.Double:
                    w.Line("// [cls_head, patches, cls_tail]: the tail was inserted last, so it comes off first");
                    w.Line($"using var dWithHead = {TypeRefs.TokenOps}.InsertTokenBackward(dSum, _clsTokenTail, NumPatches + 1);");
                    w.Line("dSum.Dispose();");
                    w.Line($"using var dPatches = {TypeRefs.TokenOps}.InsertTokenBackward(dWithHead, _clsTokenHead, 0);");
                    break;
                default:
                    w.Line("// no cls token: the sequence is the patches");
                    w.Line("using var dPatches = dSum;");
                    break;
            }
            w.Line("// patches = patch_embed(x)");
            w.Line("return _patchEmbed.Backward(a.Images, dPatches, inputGradient);");
        }
    }
}
