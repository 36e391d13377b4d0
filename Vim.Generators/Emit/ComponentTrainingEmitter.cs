using Vim.Generators.Specs;

namespace Vim.Generators.Emit
{
    /// <summary>
    /// Writes the training half of a Mamba mixer and of a Vim block: a forward that keeps what the backward reads (x_dbl
    /// per branch, not u or Δ: the backward recomputes those, as the official kernel recomputes its states), and the
    /// backward graph of that one configuration, its calls in reverse order of the forward's.
    /// </summary>
    internal static class ComponentTrainingEmitter
    {
        public static void WriteMixer(SourceWriter w, MixerSpec m, BimambaKind kind)
        {
            string scale = kind == BimambaKind.V2 && m.DivideOut ? "0.5f" : "1f";
            bool gamma = m.InitLayerScale != 0;
            w.Line("/// <summary>What <see cref=\"ForwardTrain\"/> keeps for <see cref=\"Backward\"/>.</summary>");
            w.Open($"public sealed class Activations : {TypeRefs.ActivationStore}");
            w.Line("/// <summary>The normalised input (B, L, D), for in_proj's weight gradient.</summary>");
            w.Line($"public {TypeRefs.Tensor} Hidden = null!;");
            w.Line();
            w.Line("/// <summary>in_proj's output xz (B, L, 2E): the conv input x and the gate z.</summary>");
            w.Line($"public {TypeRefs.Tensor} Xz = null!;");
            w.Line();
            w.Line(kind == BimambaKind.V1
                ? "/// <summary>The shared branch's x_dbl (B, L, R + 2N); u and Δ are recomputed from it and xz.</summary>"
                : "/// <summary>The forward branch's x_dbl (B, L, R + 2N); u and Δ are recomputed from it and xz.</summary>");
            w.Line($"public {TypeRefs.Tensor} XDbl = null!;");
            w.Line();
            if (kind == BimambaKind.V2)
            {
                w.Line("/// <summary>The backward branch's x_dbl (B, L, R + 2N).</summary>");
                w.Line($"public {TypeRefs.Tensor} XDblB = null!;");
                w.Line();
            }
            w.Line("/// <summary>The scans' gated output y (B, L, E), for out_proj's weight gradient.</summary>");
            w.Line($"public {TypeRefs.Tensor} Y = null!;");
            if (gamma)
            {
                w.Line();
                w.Line("/// <summary>out_proj's output before the layer scale (B, L, D), for gamma's gradient.</summary>");
                w.Line($"public {TypeRefs.Tensor} Projected = null!;");
            }
            w.Close();
            w.Line();

            w.Line("/// <summary><see cref=\"Forward\"/> keeping what <see cref=\"Backward\"/> reads in <paramref name=\"saved\"/>, which takes ownership of <paramref name=\"hidden\"/>.</summary>");
            w.Line("/// <param name=\"hidden\">The normalised block input (B, L, D).</param>");
            w.Line("/// <param name=\"reverse\">Process the sequence as if reversed (bidirectional layer pairs).</param>");
            w.Line("/// <param name=\"saved\">The activations the backward pass reads.</param>");
            w.Open($"public {TypeRefs.Tensor} ForwardTrain({TypeRefs.Tensor} hidden, bool reverse, out Activations saved)");
            w.Line("saved = new Activations();");
            w.Line("saved.Hidden = saved.Keep(hidden);");
            w.Line("var xz = saved.Xz = saved.Keep(_inProj.Forward(hidden));");
            w.Line($"var y = saved.Y = saved.Keep({TypeRefs.MambaOps}.NewOutput(xz, DInner));");
            switch (kind)
            {
                case BimambaKind.None:
                    w.Line($"saved.XDbl = saved.Keep({TypeRefs.MambaOps}.BranchTrain(xz, _conv1d, _xProj, _dtProj, _aLog, _d, DState, reverse, y, accumulate: false, scale: 1f));");
                    break;
                case BimambaKind.V1:
                    w.Line($"using (var branch = {TypeRefs.MambaOps}.Prepare(xz, _conv1d, _xProj, _dtProj, DState, reverse))");
                    w.Open("");
                    w.Line($"{TypeRefs.MambaOps}.Scan(branch, xz, _aLog, _d, _dtProj, reverse, y, accumulate: false, scale: 1f);");
                    w.Line($"{TypeRefs.MambaOps}.Scan(branch, xz, _aBLog, _d, _dtProj, !reverse, y, accumulate: true, scale: 1f);");
                    w.Line("saved.XDbl = saved.Keep(branch.KeepXDbl());");
                    w.Close();
                    break;
                case BimambaKind.V2:
                    w.Line($"saved.XDbl = saved.Keep({TypeRefs.MambaOps}.BranchTrain(xz, _conv1d, _xProj, _dtProj, _aLog, _d, DState, reverse, y, accumulate: false, scale: {scale}));");
                    w.Line($"saved.XDblB = saved.Keep({TypeRefs.MambaOps}.BranchTrain(xz, _conv1dB, _xProjB, _dtProjB, _aBLog, _dB, DState, !reverse, y, accumulate: true, scale: {scale}));");
                    break;
            }
            if (gamma)
            {
                w.Line("var projected = saved.Projected = saved.Keep(_outProj.Forward(y));");
                w.Line($"var output = {TypeRefs.TrainOps}.Copy(projected);");
                w.Line($"{TypeRefs.TensorOps}.MultiplyLastAxisInPlace(output, _gamma.Value);");
                w.Line("return output;");
            }
            else
            {
                w.Line("return _outProj.Forward(y);");
            }
            w.Close();
            w.Line();

            w.Line("/// <summary>Backward of <see cref=\"ForwardTrain\"/>: every parameter of the mixer accumulates its gradient; returns ∂/∂hidden.</summary>");
            w.Line("/// <param name=\"saved\">What the forward kept.</param>");
            w.Line("/// <param name=\"dOutput\">∂loss/∂output (B, L, D).</param>");
            w.Line("/// <param name=\"reverse\">The forward's direction.</param>");
            w.Open($"public {TypeRefs.Tensor} Backward(Activations saved, {TypeRefs.Tensor} dOutput, bool reverse)");
            if (gamma)
            {
                w.Line("// output = out_proj(y) · gamma");
                w.Line($"using var dProjected = {TypeRefs.TensorOps}.MultiplyLastAxisBackward(saved.Projected, dOutput, _gamma);");
                w.Line("using var dY = _outProj.Backward(saved.Y, dProjected)!;");
            }
            else
            {
                w.Line("// output = y · out_projᵀ");
                w.Line("using var dY = _outProj.Backward(saved.Y, dOutput)!;");
            }
            w.Line("// each branch adds the gradients of its conv input x and its gate z into dXz");
            w.Line($"using var dXz = {TypeRefs.Tensor}.Zeros(saved.Xz.Shape, saved.Xz.Device);");
            switch (kind)
            {
                case BimambaKind.None:
                    w.Line($"{TypeRefs.MambaOps}.BranchBackward(saved.Xz, saved.XDbl, _conv1d, _xProj, _dtProj, _aLog, _d, DState, reverse, dY, scale: 1f, dXz);");
                    break;
                case BimambaKind.V1:
                    w.Line("// one branch, two scans: both scans' gradients of u, Δ, B and C meet before dt_proj, x_proj and the conv");
                    w.Line($"using (var branch = {TypeRefs.MambaOps}.BeginBackward(saved.Xz, saved.XDbl, _conv1d, _dtProj, DState, reverse))");
                    w.Open("");
                    w.Line($"{TypeRefs.MambaOps}.ScanBackward(branch, saved.Xz, _aBLog, _d, _dtProj, !reverse, dY, scale: 1f, dXz);");
                    w.Line($"{TypeRefs.MambaOps}.ScanBackward(branch, saved.Xz, _aLog, _d, _dtProj, reverse, dY, scale: 1f, dXz);");
                    w.Line($"{TypeRefs.MambaOps}.PrepareBackward(branch, saved.Xz, _conv1d, _xProj, _dtProj, reverse, dXz);");
                    w.Close();
                    break;
                case BimambaKind.V2:
                    w.Line($"{TypeRefs.MambaOps}.BranchBackward(saved.Xz, saved.XDblB, _conv1dB, _xProjB, _dtProjB, _aBLog, _dB, DState, !reverse, dY, scale: {scale}, dXz);");
                    w.Line($"{TypeRefs.MambaOps}.BranchBackward(saved.Xz, saved.XDbl, _conv1d, _xProj, _dtProj, _aLog, _d, DState, reverse, dY, scale: {scale}, dXz);");
                    break;
            }
            w.Line("// xz = hidden · in_projᵀ");
            w.Line("return _inProj.Backward(saved.Hidden, dXz)!;");
            w.Close();
        }

        public static void WriteBlock(SourceWriter w, BlockSpec b, string mixerType)
        {
            string norm = b.RmsNorm ? "RMSNorm" : "LayerNorm";
            w.Line("/// <summary>");
            w.Line("/// mixer(norm(sum)) for the block's residual sum r (B, L, D), keeping the mixer's activations in <paramref name=\"saved\"/>, or");
            w.Line("/// none with gradient checkpointing (<paramref name=\"keep\"/> false): <see cref=\"MixBackward\"/> then recomputes them from r.");
            w.Line(b.FusedAddNorm
                ? "/// The fused add + norm is one function in fp32; the training forward forms r itself and keeps it."
                : "/// The training forward forms r itself and keeps it.");
            w.Line("/// </summary>");
            w.Line("/// <param name=\"sum\">The residual sum r, not modified (the caller keeps it).</param>");
            w.Line("/// <param name=\"reverse\">Run the mixer on the reversed sequence.</param>");
            w.Line("/// <param name=\"keep\">Keep the mixer's activations (false: gradient checkpointing).</param>");
            w.Line("/// <param name=\"saved\">The mixer's activations, or null when not kept.</param>");
            w.Open($"public {TypeRefs.Tensor} MixTrain({TypeRefs.Tensor} sum, bool reverse, bool keep, out {TypeRefs.ActivationStore}? saved)");
            w.Line($"// the mixer keeps the normalised input ({norm})");
            w.Line($"var output = _mixer.ForwardTrain(_norm.Forward(sum), reverse, out var kept);");
            w.Line("if (!keep) kept.Dispose();");
            w.Line("saved = keep ? kept : null;");
            w.Line("return output;");
            w.Close();
            w.Line();
            w.Line("/// <summary>Backward of <see cref=\"MixTrain\"/>: the mixer's and the norm's gradients accumulate, ∂/∂r is added to <paramref name=\"dSum\"/>; gives back <paramref name=\"saved\"/>.</summary>");
            w.Line("/// <param name=\"sum\">The residual sum r the forward read.</param>");
            w.Line("/// <param name=\"saved\">What the forward kept, or null to recompute it (gradient checkpointing).</param>");
            w.Line("/// <param name=\"reverse\">The forward's direction.</param>");
            w.Line("/// <param name=\"dOutput\">∂loss/∂output (B, L, D).</param>");
            w.Line("/// <param name=\"dSum\">∂loss/∂r, accumulated.</param>");
            w.Open($"public void MixBackward({TypeRefs.Tensor} sum, {TypeRefs.ActivationStore}? saved, bool reverse, {TypeRefs.Tensor} dOutput, {TypeRefs.Tensor} dSum)");
            w.Line("if (saved is null) MixTrain(sum, reverse, keep: true, out saved).Dispose();");
            w.Line("using (saved)");
            w.Open("");
            w.Line($"using var dNormed = _mixer.Backward(({mixerType}.Activations)saved!, dOutput, reverse);");
            w.Line("_norm.Backward(sum, dNormed, dSum, accumulate: true);");
            w.Close();
            w.Close();
        }
    }
}
