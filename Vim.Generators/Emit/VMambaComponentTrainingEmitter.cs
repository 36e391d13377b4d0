using Vim.Generators.Graph;
using Vim.Generators.Specs;

namespace Vim.Generators.Emit
{
    /// <summary>
    /// The training half of a declared <c>[SS2D]</c>, <c>[VMambaMlp]</c> and <c>[VssBlock]</c>: a forward that keeps each
    /// step's input and the backward of exactly the steps this declaration has, in reverse order.
    /// </summary>
    internal static class VMambaComponentTrainingEmitter
    {
        private const string Ops = "global::Vim.Runtime.Ops.VMambaOps";
        private const string Backends = "global::Vim.Runtime.Devices.Backends";
        private static readonly string[] Acts = { "Silu", "Gelu", "Relu", "Sigmoid" };

        private static string Act(int ordinal) => "global::Vim.Dsl.ActLayer." + Acts[ordinal];

        private static string Ts => TypeRefs.Tensor;

        public static void WriteMixer(SourceWriter w, VMambaForwardType ft, int act, int conv)
        {
            string gate = ft.GateActivation ? Act(act) : "null";
            w.Line("/// <summary>What <see cref=\"ForwardTrain\"/> keeps for <see cref=\"Backward\"/>: each step's input.</summary>");
            w.Open($"public sealed class Activations : {TypeRefs.ActivationStore}");
            w.Line("/// <summary>The block input x, in_proj's output t, the activation's input and u = the scan's input.</summary>");
            w.Line($"public {Ts} X = null!, T = null!, UPre = null!, U = null!;");
            w.Line();
            w.Line("/// <summary>The direction projections and Δraw, and the merged scan output.</summary>");
            w.Line($"public {Ts} Proj = null!, Delta = null!, Scan = null!;");
            if (ft.OutNorm is VMambaForwardType.CNorm or VMambaForwardType.Softmax)
            {
                w.Line();
                w.Line(ft.OutNorm == VMambaForwardType.CNorm ? "/// <summary>out_norm's LayerNorm output (its conv's input).</summary>" : "/// <summary>out_norm's softmax output.</summary>");
                w.Line($"public {Ts} Normed = null!;");
            }
            if (ft.OutActivation)
            {
                w.Line();
                w.Line("/// <summary>The GELU's input.</summary>");
                w.Line($"public {Ts} ActInput = null!;");
            }
            if (ft.HasGate)
            {
                w.Line();
                w.Line("/// <summary>y before the gate.</summary>");
                w.Line($"public {Ts} Ungated = null!;");
            }
            w.Line();
            w.Line("/// <summary>out_proj's input.</summary>");
            w.Line($"public {Ts} Y = null!;");
            w.Close();
            w.Line();

            w.Line("/// <summary><see cref=\"Forward\"/> keeping what <see cref=\"Backward\"/> reads; <paramref name=\"saved\"/> takes ownership of <paramref name=\"x\"/>.</summary>");
            w.Open($"public {Ts} ForwardTrain({Ts} x, out Activations saved)");
            w.Line($"var backend = {Backends}.For(x.Device);");
            w.Line("var s = saved = new Activations();");
            w.Line("s.X = s.Keep(x);");
            w.Line("s.T = s.Keep(_inProj.Forward(x));");
            w.Line(conv > 1 ? "s.UPre = s.Keep(_conv2d.Forward(s.T));" : "s.UPre = s.Keep(backend.SliceChannels(s.T, 0, DInner));");
            w.Line($"s.U = s.Keep({Ops}.Activation(s.UPre, {Act(act)}));");
            w.Line("var (proj, delta) = backend.DirectionProjections(s.U, _xProjWeight, _dtProjsWeight);");
            w.Line("s.Proj = s.Keep(proj);");
            w.Line("s.Delta = s.Keep(delta);");
            w.Line("s.Scan = s.Keep(backend.CrossScan(s.U, proj, delta, _dtProjsBias, _aLogs, _ds, DtRank, DState, Traversals));");
            switch (ft.OutNorm)
            {
                case VMambaForwardType.LayerNorm:
                    w.Line("var y = s.Keep(_outNorm.Forward(s.Scan));");
                    break;
                case VMambaForwardType.Sigmoid:
                    w.Line($"var y = s.Keep({Ops}.Activation(s.Scan, {Act(3)}));");
                    break;
                case VMambaForwardType.Softmax:
                    w.Line($"var y = s.Normed = s.Keep({TypeRefs.TrainOps}.Copy(s.Scan));");
                    w.Line("backend.SpatialSoftmaxInPlace(y);");
                    break;
                case VMambaForwardType.DwConv3:
                    w.Line("var y = s.Keep(_outConv.Forward(s.Scan));");
                    break;
                case VMambaForwardType.CNorm:
                    w.Line("s.Normed = s.Keep(_outNorm.Forward(s.Scan));");
                    w.Line("var y = s.Keep(_outConv.Forward(s.Normed));");
                    break;
                default:
                    w.Line("var y = s.Scan;");
                    break;
            }
            if (ft.OutActivation)
            {
                w.Line("s.ActInput = y;");
                w.Line($"y = s.Keep({Ops}.Activation(y, {Act(1)}));");
            }
            if (ft.HasGate)
            {
                w.Line("s.Ungated = y;");
                w.Line($"y = s.Keep({TypeRefs.TrainOps}.Copy(y));");
                w.Line($"backend.GateInPlace(y, s.T, DInner, {gate});");
            }
            w.Line("s.Y = y;");
            w.Line("return _outProj.Forward(y);");
            w.Close();
            w.Line();

            w.Line("/// <summary>Backward of <see cref=\"ForwardTrain\"/>: every parameter of the mixer accumulates its gradient; returns ∂/∂x.</summary>");
            w.Open($"public {Ts} Backward(Activations s, {Ts} dOutput)");
            w.Line($"var backend = {Backends}.For(dOutput.Device);");
            w.Line($"using var dT = {Ts}.Zeros(s.T.Shape, s.T.Device);");
            w.Line("var dY = _outProj.Backward(s.Y, dOutput)!;");
            if (ft.HasGate) w.Line($"backend.GateBackward(s.Ungated, s.T, DInner, {gate}, dY, dT);");
            if (ft.OutActivation) w.Line($"using (var previous = dY) dY = {Ops}.ActivationBackward(s.ActInput, previous, {Act(1)});");
            switch (ft.OutNorm)
            {
                case VMambaForwardType.LayerNorm:
                    w.Line($"{Ts} dScan;");
                    w.Line("using (dY) dScan = _outNorm.Backward(s.Scan, dY);");
                    break;
                case VMambaForwardType.Sigmoid:
                    w.Line($"{Ts} dScan;");
                    w.Line($"using (dY) dScan = {Ops}.ActivationBackward(s.Scan, dY, {Act(3)});");
                    break;
                case VMambaForwardType.Softmax:
                    w.Line($"{Ts} dScan;");
                    w.Line("using (dY) dScan = backend.SpatialSoftmaxBackward(s.Normed, dY);");
                    break;
                case VMambaForwardType.DwConv3:
                    w.Line($"var dScan = {Ts}.Zeros(s.Scan.Shape, s.Scan.Device);");
                    w.Line("using (dY) _outConv.Backward(s.Scan, dY, dScan);");
                    break;
                case VMambaForwardType.CNorm:
                    w.Line($"{Ts} dScan;");
                    w.Line($"using (var dNormed = {Ts}.Zeros(s.Normed.Shape, s.Normed.Device))");
                    w.Line("{");
                    w.Line("    using (dY) _outConv.Backward(s.Normed, dY, dNormed);");
                    w.Line("    dScan = _outNorm.Backward(s.Scan, dNormed);");
                    w.Line("}");
                    break;
                default:
                    w.Line("var dScan = dY;");
                    break;
            }
            w.Line("// four selective scans, then the projections that fed them: both add into ∂/∂u");
            w.Line("var (dU, dProj, dDelta) = backend.CrossScanBackward(s.U, s.Proj, s.Delta, _dtProjsBias, _aLogs, _ds, DtRank, DState, Traversals, dScan);");
            w.Line("dScan.Dispose();");
            w.Line("using (dProj)");
            w.Line("using (dDelta)");
            w.Line("{");
            w.Line("    backend.DirectionProjectionsBackward(s.U, s.Proj, dProj, dDelta, _xProjWeight, _dtProjsWeight, dU);");
            w.Line("}");
            w.Line("using (dU)");
            w.Line($"using (var dUPre = {Ops}.ActivationBackward(s.UPre, dU, {Act(act)}))");
            w.Line("{");
            w.Line(conv > 1 ? "    _conv2d.Backward(s.T, dUPre, dT);" : "    backend.AddChannelsInPlace(dT, dUPre, 0);");
            w.Line("}");
            w.Line("return _inProj.Backward(s.X, dT)!;");
            w.Close();
        }

        public static void WriteMlp(SourceWriter w, VMambaMlpSpec m)
        {
            w.Line("/// <summary>What <see cref=\"ForwardTrain\"/> keeps for <see cref=\"Backward\"/>.</summary>");
            w.Open($"public sealed class Activations : {TypeRefs.ActivationStore}");
            w.Line("/// <summary>The input, fc1's output and fc2's input.</summary>");
            w.Line($"public {Ts} X = null!, H = null!, Y = null!;");
            if (m.Gmlp)
            {
                w.Line();
                w.Line("/// <summary>a before the gate.</summary>");
                w.Line($"public {Ts} Ungated = null!;");
            }
            w.Close();
            w.Line();
            w.Line("/// <summary><see cref=\"Forward\"/> keeping what <see cref=\"Backward\"/> reads; <paramref name=\"saved\"/> takes ownership of <paramref name=\"x\"/>.</summary>");
            w.Open($"public {Ts} ForwardTrain({Ts} x, out Activations saved)");
            w.Line("var s = saved = new Activations();");
            w.Line("s.X = s.Keep(x);");
            w.Line("s.H = s.Keep(_fc1.Forward(x));");
            if (m.Gmlp)
            {
                w.Line($"var backend = {Backends}.For(x.Device);");
                w.Line("s.Ungated = s.Keep(backend.SliceChannels(s.H, 0, Hidden));");
                w.Line($"s.Y = s.Keep({TypeRefs.TrainOps}.Copy(s.Ungated));");
                w.Line($"backend.GateInPlace(s.Y, s.H, Hidden, {Act(m.MlpActLayer)});");
            }
            else
            {
                w.Line($"s.Y = s.Keep({Ops}.Activation(s.H, {Act(m.MlpActLayer)}));");
            }
            w.Line("return _fc2.Forward(s.Y);");
            w.Close();
            w.Line();
            w.Line("/// <summary>Backward of <see cref=\"ForwardTrain\"/>: fc1's and fc2's gradients accumulate; returns ∂/∂x.</summary>");
            w.Open($"public {Ts} Backward(Activations s, {Ts} dOutput)");
            w.Line("using var dY = _fc2.Backward(s.Y, dOutput)!;");
            if (m.Gmlp)
            {
                w.Line($"var backend = {Backends}.For(dOutput.Device);");
                w.Line("// y = a · act(g): g's gradient to the second half of dH, a's to the first");
                w.Line($"using var dH = {Ts}.Zeros(s.H.Shape, s.H.Device);");
                w.Line($"backend.GateBackward(s.Ungated, s.H, Hidden, {Act(m.MlpActLayer)}, dY, dH);");
                w.Line("backend.AddChannelsInPlace(dH, dY, 0);");
            }
            else
            {
                w.Line($"using var dH = {Ops}.ActivationBackward(s.H, dY, {Act(m.MlpActLayer)});");
            }
            w.Line("return _fc1.Backward(s.X, dH)!;");
            w.Close();
        }

        public static void WriteBlock(SourceWriter w, VssBlockSpec b, bool ssm, bool mlp, string mixer, string mlpType)
        {
            string trainOps = TypeRefs.TrainOps;
            w.Line("/// <summary>What <see cref=\"ForwardTrain\"/> keeps: the input, the map between the branches, each branch's activations and drop-path scales.</summary>");
            w.Open($"public sealed class Activations : {TypeRefs.ActivationStore}");
            w.Line("/// <summary>The block's input.</summary>");
            w.Line($"public {Ts} X = null!;");
            if (ssm && mlp)
            {
                w.Line();
                w.Line("/// <summary>x + drop_path(op(norm(x))), the MLP branch's input.</summary>");
                w.Line($"public {Ts}? Mid;");
            }
            if (ssm)
            {
                w.Line();
                w.Line("/// <summary>The mixer's activations (null with gradient checkpointing) and its drop-path scales.</summary>");
                w.Line($"public {mixer}.Activations? Op;");
                w.Line("public float[]? DropOp;");
            }
            if (mlp)
            {
                w.Line();
                w.Line("/// <summary>The MLP's activations (null with gradient checkpointing) and its drop-path scales.</summary>");
                w.Line($"public {mlpType}.Activations? Mlp;");
                w.Line("public float[]? DropMlp;");
            }
            w.Line();
            w.Line("/// <summary>Whether the branches' activations were kept.</summary>");
            w.Line("public bool Complete;");
            w.Close();
            w.Line();
            w.Line("/// <summary>The training forward as a new map; <paramref name=\"saved\"/> takes ownership of <paramref name=\"x\"/> (and keeps only it without <paramref name=\"keep\"/>).</summary>");
            w.Open($"public {Ts} ForwardTrain({Ts} x, float[]? dropOp, float[]? dropMlp, bool keep, out Activations saved)");
            w.Line($"var s = saved = new Activations {{ {(ssm ? "DropOp = dropOp, " : "")}{(mlp ? "DropMlp = dropMlp, " : "")}Complete = keep }};");
            w.Line("s.X = s.Keep(x);");
            if (!ssm && !mlp)
            {
                w.Line($"return {trainOps}.Copy(x);");
                w.Close();
            }
            else
            {
                if (ssm)
                {
                    w.Line("// x = x + drop_path(op(norm(x)))");
                    w.Line($"{Ts} current;");
                    w.Line("using (var mixed = _op.ForwardTrain(_norm.Forward(x), out var op))");
                    w.Line("{");
                    w.Line("    if (keep) s.Op = s.Keep(op); else op.Dispose();");
                    w.Line($"    {trainOps}.DropPathInPlace(mixed, dropOp);");
                    w.Line($"    current = {trainOps}.Sum(x, mixed);");
                    w.Line("}");
                }
                else
                {
                    w.Line("var current = x;");
                }
                if (mlp)
                {
                    if (ssm) w.Line("if (keep) s.Mid = s.Keep(current);");
                    w.Line("// x = x + drop_path(mlp(norm2(x)))");
                    w.Line("using (var hidden = _mlp.ForwardTrain(_norm2.Forward(current), out var mlp))");
                    w.Line("{");
                    w.Line("    if (keep) s.Mlp = s.Keep(mlp); else mlp.Dispose();");
                    w.Line($"    {trainOps}.DropPathInPlace(hidden, dropMlp);");
                    w.Line($"    var next = {trainOps}.Sum(current, hidden);");
                    if (ssm) w.Line("    if (!keep) current.Dispose();");
                    w.Line("    return next;");
                    w.Line("}");
                }
                else
                {
                    w.Line("return current;");
                }
                w.Close();
            }
            w.Line();
            w.Line("/// <summary>Backward of <see cref=\"ForwardTrain\"/>: every parameter of the block accumulates its gradient; returns ∂/∂x.</summary>");
            w.Open($"public {Ts} Backward(Activations s, {Ts} dOutput)");
            w.Line("if (!s.Complete)");
            w.Line("{");
            w.Line("    // gradient checkpointing: run the forward again, keeping everything");
            w.Line($"    ForwardTrain({trainOps}.Copy(s.X), {(ssm ? "s.DropOp" : "null")}, {(mlp ? "s.DropMlp" : "null")}, keep: true, out var full).Dispose();");
            w.Line("    using (full) return Backward(full, dOutput);");
            w.Line("}");
            w.Line($"var dX = {trainOps}.Copy(dOutput);");
            if (mlp)
            {
                w.Line($"using (var dHidden = {trainOps}.DropPath(dX, s.DropMlp))");
                w.Line("using (var dNormed = _mlp.Backward(s.Mlp!, dHidden))");
                w.Line("{");
                w.Line($"    _norm2.Backward({(ssm ? "s.Mid!" : "s.X")}, dNormed, dX, accumulate: true);");
                w.Line("}");
            }
            if (ssm)
            {
                w.Line($"using (var dMixed = {trainOps}.DropPath(dX, s.DropOp))");
                w.Line("using (var dNormed = _op.Backward(s.Op!, dMixed))");
                w.Line("{");
                w.Line("    _norm.Backward(s.X, dNormed, dX, accumulate: true);");
                w.Line("}");
            }
            w.Line("return dX;");
            w.Close();
        }
    }
}
