using Vim.Generators.Graph;

namespace Vim.Generators.Emit
{
    /// <summary>Writes a declared SS2D's, MLP's and VSS block's ONNX builders: the nodes computing their Forward, for one configuration.</summary>
    internal static class VMambaComponentOnnxEmitter
    {
        private const string Vm = "global::Vim.Runtime.Onnx.OnnxVMamba";

        /// <param name="activation">The ssm_act_layer as code (<c>global::Vim.Dsl.ActLayer.Silu</c>).</param>
        public static void WriteMixer(SourceWriter w, VMambaForwardType ft, string activation, int conv)
        {
            string ops = TypeRefs.OnnxOps;
            w.Line("/// <summary>ONNX nodes computing <see cref=\"Forward\"/> on a channel-last map; returns the output's value name.</summary>");
            w.Open($"public string ToOnnx({TypeRefs.OnnxGraph} g, string x)");
            w.Line($"var t = {ops}.Linear(g, x, _inProj);");
            w.Line(conv > 1 ? $"var u = {Vm}.DepthwiseConv(g, t, _conv2d);" : $"var u = {ops}.Slice(g, t, 3, 0, DInner);");
            w.Line($"u = {Vm}.Activation(g, u, {activation});");
            w.Line($"var y = {Vm}.CrossScan(g, u, _xProjWeight, _dtProjsWeight, _dtProjsBias, _aLogs, _ds, DtRank, DState, Traversals);");
            switch (ft.OutNorm)
            {
                case VMambaForwardType.LayerNorm: w.Line($"y = {ops}.Norm(g, y, _outNorm);"); break;
                case VMambaForwardType.Sigmoid: w.Line("y = g.Op(\"Sigmoid\", [y]);"); break;
                case VMambaForwardType.Softmax: w.Line($"y = {Vm}.SpatialSoftmax(g, y, DInner);"); break;
                case VMambaForwardType.DwConv3: w.Line($"y = {Vm}.DepthwiseConv(g, y, _outConv);"); break;
                case VMambaForwardType.CNorm: w.Line($"y = {Vm}.DepthwiseConv(g, {ops}.Norm(g, y, _outNorm), _outConv);"); break;
            }
            if (ft.OutActivation) w.Line($"y = {Vm}.Gelu(g, y);   // _oact");
            if (ft.HasGate)
            {
                w.Line($"var z = {ops}.Slice(g, t, 3, DInner, 2 * DInner);");
                w.Line(ft.GateActivation ? $"y = g.Op(\"Mul\", [y, {Vm}.Activation(g, z, {activation})]);" : "y = g.Op(\"Mul\", [y, z]);   // _nozact");
            }
            w.Line($"return {ops}.Linear(g, y, _outProj);");
            w.Close();
        }

        /// <param name="activation">The mlp_act_layer as code.</param>
        public static void WriteMlp(SourceWriter w, bool gated, string activation)
        {
            string ops = TypeRefs.OnnxOps;
            w.Line("/// <summary>ONNX nodes computing <see cref=\"Forward\"/>.</summary>");
            w.Open($"public string ToOnnx({TypeRefs.OnnxGraph} g, string x)");
            w.Line($"var h = {ops}.Linear(g, x, _fc1);");
            if (gated)
            {
                w.Line("// a · act(g), [a | g] = fc1(x)");
                w.Line($"var gate = {Vm}.Activation(g, {ops}.Slice(g, h, -1, Hidden, 2 * Hidden), {activation});");
                w.Line($"return {ops}.Linear(g, g.Op(\"Mul\", [{ops}.Slice(g, h, -1, 0, Hidden), gate]), _fc2);");
            }
            else
            {
                w.Line($"return {ops}.Linear(g, {Vm}.Activation(g, h, {activation}), _fc2);");
            }
            w.Close();
        }

        public static void WriteBlock(SourceWriter w, bool ssm, bool mlp)
        {
            w.Line("/// <summary>ONNX nodes computing <see cref=\"ForwardInPlace\"/>; returns the new map's value name.</summary>");
            w.Open($"public string ToOnnx({TypeRefs.OnnxGraph} g, string x)");
            if (ssm)
            {
                w.Line("string normed;");
                w.Line($"using (g.Scope(\"norm\")) normed = {TypeRefs.OnnxOps}.Norm(g, x, _norm);");
                w.Line("using (g.Scope(\"op\")) x = g.Op(\"Add\", [x, _op.ToOnnx(g, normed)]);");
            }
            if (mlp)
            {
                w.Line("string normed2;");
                w.Line($"using (g.Scope(\"norm2\")) normed2 = {TypeRefs.OnnxOps}.Norm(g, x, _norm2);");
                w.Line("using (g.Scope(\"mlp\")) x = g.Op(\"Add\", [x, _mlp.ToOnnx(g, normed2)]);");
            }
            w.Line("return x;");
            w.Close();
        }
    }
}
