using Vim.Generators.Graph;
using static Vim.Generators.Emit.SourceWriter;

namespace Vim.Generators.Emit
{
    // The VMamba model's training half: the forward that keeps each module's input, and the reverse-order backward
    // through classifier, stages (blocks and downsamples) and stem, with this declaration's stem, downsample and head.
    internal static partial class VMambaEmitter
    {
        private static string Ts => TypeRefs.Tensor;

        private static void WriteTraining(SourceWriter w, VMambaGraph g)
        {
            string block = BlockType(g);
            w.Line("/// <summary>The official <c>no_weight_decay()</c>: the position embedding is never decayed.</summary>");
            w.Line("public override global::System.Collections.Generic.IReadOnlySet<string> NoWeightDecay { get; } =");
            w.Line($"    new global::System.Collections.Generic.HashSet<string> {{ {(g.PosEmbed ? "\"pos_embed\"" : "")} }};");
            w.Line();
            w.Line("/// <summary>Drop-path rate of block j of all blocks in order: linspace(0, rate, Σ depths), as upstream.</summary>");
            w.Line("private double BlockDropPath(int j, int blocks) => blocks < 2 ? 0.0 : DropPathRate * j / (blocks - 1);");
            w.Line();
            w.Line("/// <summary>What <see cref=\"ForwardTrainCore\"/> keeps for <see cref=\"BackwardCore\"/>: each module's input.</summary>");
            w.Open($"private sealed class Activations : {TypeRefs.ActivationStore}");
            w.Line("/// <summary>The images (B, C, H, W), kept by the pass.</summary>");
            w.Line($"public {Ts} Images = null!;");
            w.Line();
            if (g.PatchEmbedVersion == 1)
            {
                w.Line("/// <summary>The stem's intermediates: conv 0's output, the GELU's input, conv 5's input and output.</summary>");
                w.Line($"public {Ts} Stem0 = null!, GeluInput = null!, Stem5Input = null!, Stem5 = null!;");
            }
            else if (g.PatchNorm)
            {
                w.Line("/// <summary>The stem conv's output (the stem norm's input).</summary>");
                w.Line($"public {Ts} Stem0 = null!;");
            }
            w.Line();
            w.Line("/// <summary>Each block's activations, all blocks in order.</summary>");
            w.Line($"public {block}.Activations[] Blocks = null!;");
            w.Line();
            w.Line("/// <summary>Each stage's map size (H, W), for the readout's and the merge's gradients.</summary>");
            w.Line("public (int Height, int Width)[] Sizes = null!;");
            w.Line();
            w.Line(g.DownsampleVersion == 0
                ? "/// <summary>Per downsample: the merged map (the norm's input) and the normed map (the reduction's input).</summary>"
                : "/// <summary>Per downsample: the conv's input and output (the norm's input).</summary>");
            w.Line($"public {Ts}[] DownIn = null!, DownMid = null!;");
            w.Line();
            w.Line("/// <summary>The last stage's output (classifier.norm's input) and the pooled features (the head's input).</summary>");
            w.Line($"public {Ts} Last = null!, Features = null!;");
            w.Close();
            w.Line();
            WriteForwardTrain(w, g);
            w.Line();
            WriteBackward(w, g);
            w.Line();
        }

        private static void WriteForwardTrain(SourceWriter w, VMambaGraph g)
        {
            string block = BlockType(g);
            w.Line("/// <inheritdoc/>");
            w.Open($"protected override {Ts} ForwardTrainCore({Ts} x, {TypeRefs.TrainingContext} context, out {TypeRefs.ActivationStore} saved)");
            w.Line(g.PosEmbed
                ? $"{TypeRefs.ModelInput}.CheckImages(ModelInfo.Name, x, Device, InChans, ImgSize, ImgSize);"
                : $"{TypeRefs.ModelInput}.CheckImages(ModelInfo.Name, x, Device, InChans, x.Rank == 4 ? {TypeRefs.Math}.Max(x.Shape[2], PatchSize) : ImgSize, x.Rank == 4 ? {TypeRefs.Math}.Max(x.Shape[3], PatchSize) : ImgSize);");
            w.Line("int batch = x.Shape[0], blocks = 0;");
            w.Line("foreach (int depth in Depths) blocks += depth;");
            w.Line($"var a = new Activations {{ Images = x, Blocks = new {block}.Activations[blocks], Sizes = new (int, int)[Depths.Length],");
            w.Line($"    DownIn = new {Ts}[Depths.Length - 1], DownMid = new {Ts}[Depths.Length - 1] }};");
            w.Line("saved = a;");
            w.Line("bool keep = !context.Checkpointing;");
            if (g.PatchEmbedVersion == 1)
            {
                w.Line("// stem v2: conv → norm → GELU → conv → norm, each step's input kept");
                w.Line("a.Stem0 = a.Keep(_stemConv0.Forward(x, channelFirstInput: true));");
                w.Line(g.PatchNorm ? "a.GeluInput = a.Keep(_stemNorm2.Forward(a.Stem0));" : "a.GeluInput = a.Stem0;");
                w.Line($"a.Stem5Input = a.Keep({VMambaOps}.Activation(a.GeluInput, {Act(1)}));");
                if (g.PatchNorm)
                {
                    w.Line("a.Stem5 = a.Keep(_stemConv5.Forward(a.Stem5Input, channelFirstInput: false));");
                    w.Line("var map = _stemNorm7.Forward(a.Stem5);");
                }
                else
                {
                    w.Line("var map = _stemConv5.Forward(a.Stem5Input, channelFirstInput: false);");
                }
            }
            else if (g.PatchNorm)
            {
                w.Line("// stem v1: conv → norm");
                w.Line("a.Stem0 = a.Keep(_stemConv0.Forward(x, channelFirstInput: true));");
                w.Line("var map = _stemNorm2.Forward(a.Stem0);");
            }
            else
            {
                w.Line("// stem v1: conv");
                w.Line("var map = _stemConv0.Forward(x, channelFirstInput: true);");
            }
            if (g.PosEmbed) w.Line($"{VMambaOps}.AddChannelFirstInPlace(map, _posEmbed.Value);");
            w.Line("int index = 0;");
            w.Line("for (int i = 0; i < Depths.Length; i++)");
            w.Line("{");
            w.Line("    a.Sizes[i] = (map.Shape[1], map.Shape[2]);");
            w.Line("    // x = x + drop_path(op(norm(x))); x = x + drop_path(mlp(norm2(x))): each block keeps its input      (§6)");
            w.Line("    foreach (var block in _blocks[i])");
            w.Line("    {");
            w.Line("        double rate = BlockDropPath(index, blocks);");
            w.Line("        map = block.ForwardTrain(map, context.DropPath(rate, batch), context.DropPath(rate, batch), keep, out var kept);");
            w.Line("        a.Blocks[index++] = a.Keep(kept);");
            w.Line("    }");
            w.Line("    if (i == Depths.Length - 1) break;");
            if (g.DownsampleVersion == 0)
            {
                w.Line("    // PatchMerging2D → norm(4C) → reduction");
                w.Line($"    a.DownIn[i] = a.Keep({VMambaOps}.PatchMerge(map));");
                w.Line("    map.Dispose();");
                w.Line("    a.DownMid[i] = a.Keep(_downNorm[i].Forward(a.DownIn[i]));");
                w.Line("    map = _downReduction[i].Forward(a.DownMid[i]);");
            }
            else
            {
                w.Line("    // conv → norm");
                w.Line("    a.DownIn[i] = a.Keep(map);");
                w.Line("    a.DownMid[i] = a.Keep(_downConv[i].Forward(map, channelFirstInput: false));");
                w.Line("    map = _downNorm[i].Forward(a.DownMid[i]);");
            }
            w.Line("}");
            w.Line("// classifier: norm → mean over positions → head                                               (§8)");
            w.Line("a.Last = a.Keep(map);");
            w.Line("using (var normed = _classifierNorm.Forward(map))");
            w.Line("{");
            w.Line($"    a.Features = a.Keep({VMambaOps}.MeanOverPositions(normed));");
            w.Line("}");
            w.Line($"return _head is null ? {TypeRefs.TrainOps}.Copy(a.Features) : _head.Forward(a.Features);");
            w.Close();
        }

        private static void WriteBackward(SourceWriter w, VMambaGraph g)
        {
            w.Line("/// <inheritdoc/>");
            w.Open($"protected override {Ts}? BackwardCore({TypeRefs.ActivationStore} saved, {Ts} dLogits, bool inputGradient)");
            w.Line("var a = (Activations)saved;");
            w.Line("// logits = head(mean over positions of classifier.norm(map))");
            w.Line($"using var dFeatures = _head is null ? {TypeRefs.TrainOps}.Copy(dLogits) : _head.Backward(a.Features, dLogits)!;");
            w.Line("var (height, width) = a.Sizes[^1];");
            w.Line($"{Ts} dMap;");
            w.Line($"using (var dNormed = {VMambaOps}.MeanOverPositionsBackward(dFeatures, height, width))");
            w.Line("{");
            w.Line("    dMap = _classifierNorm.Backward(a.Last, dNormed);");
            w.Line("}");
            w.Line("int index = a.Blocks.Length;");
            w.Line("for (int i = Depths.Length - 1; i >= 0; i--)");
            w.Line("{");
            w.Line("    if (i < Depths.Length - 1)");
            w.Line("    {");
            if (g.DownsampleVersion == 0)
            {
                w.Line("        // downsample: merge → norm → reduction, backwards");
                w.Line("        using var dNormed = _downReduction[i].Backward(a.DownMid[i], dMap)!;");
                w.Line("        dMap.Dispose();");
                w.Line("        using var dMerged = _downNorm[i].Backward(a.DownIn[i], dNormed);");
                w.Line("        var (h, wd) = a.Sizes[i];");
                w.Line($"        dMap = {VMambaOps}.PatchMergeBackward(dMerged, h, wd);");
            }
            else
            {
                w.Line("        // downsample: conv → norm, backwards");
                w.Line("        using var dConv = _downNorm[i].Backward(a.DownMid[i], dMap);");
                w.Line("        dMap.Dispose();");
                w.Line("        dMap = _downConv[i].Backward(a.DownIn[i], dConv, channelFirstInput: false)!;");
            }
            w.Line("    }");
            w.Line("    for (int j = _blocks[i].Length - 1; j >= 0; j--)");
            w.Line("    {");
            w.Line("        var previous = dMap;");
            w.Line("        var kept = a.Blocks[--index];");
            w.Line("        using (kept) dMap = _blocks[i][j].Backward(kept, previous);");
            w.Line("        previous.Dispose();");
            w.Line("    }");
            w.Line("}");
            if (g.PosEmbed) w.Line($"{VMambaOps}.AddChannelFirstBackward(dMap, _posEmbed);");
            if (g.PatchEmbedVersion == 1)
            {
                w.Line("// stem v2, backwards");
                if (g.PatchNorm)
                {
                    w.Line("using var dStem5 = _stemNorm7.Backward(a.Stem5, dMap);");
                    w.Line("dMap.Dispose();");
                    w.Line("using var dGelu = _stemConv5.Backward(a.Stem5Input, dStem5, channelFirstInput: false)!;");
                }
                else
                {
                    w.Line("using var dGelu = _stemConv5.Backward(a.Stem5Input, dMap, channelFirstInput: false)!;");
                    w.Line("dMap.Dispose();");
                }
                w.Line($"using var dNormed2 = {VMambaOps}.ActivationBackward(a.GeluInput, dGelu, {Act(1)});");
                if (g.PatchNorm)
                {
                    w.Line("using var dStem0 = _stemNorm2.Backward(a.Stem0, dNormed2);");
                    w.Line("return _stemConv0.Backward(a.Images, dStem0, channelFirstInput: true, inputGradient);");
                }
                else
                {
                    w.Line("return _stemConv0.Backward(a.Images, dNormed2, channelFirstInput: true, inputGradient);");
                }
            }
            else if (g.PatchNorm)
            {
                w.Line("// stem v1, backwards");
                w.Line("using var dStem0 = _stemNorm2.Backward(a.Stem0, dMap);");
                w.Line("dMap.Dispose();");
                w.Line("return _stemConv0.Backward(a.Images, dStem0, channelFirstInput: true, inputGradient);");
            }
            else
            {
                w.Line("using (dMap) return _stemConv0.Backward(a.Images, dMap, channelFirstInput: true, inputGradient);");
            }
            w.Close();
        }
    }
}
