using Vim.Generators.Specs;
using static Vim.Generators.Emit.SourceWriter;

namespace Vim.Generators.Emit
{
    /// <summary>Writes a mixer's and a block's ONNX builders: the nodes computing their Forward, for one configuration.</summary>
    internal static class ComponentOnnxEmitter
    {
        public static void WriteMixer(SourceWriter w, MixerSpec m, BimambaKind kind)
        {
            string g = TypeRefs.OnnxGraph, ops = TypeRefs.OnnxOps, mamba = TypeRefs.OnnxMamba;
            w.Line("/// <summary>ONNX nodes computing <see cref=\"Forward\"/>(hidden, reverse); returns the output's value name.</summary>");
            w.Open($"public string ToOnnx({g} g, string hidden, bool reverse)");
            w.Line($"var xz = {ops}.Linear(g, hidden, _inProj);");
            w.Line($"var x = {ops}.Slice(g, xz, 2, 0, DInner);");
            w.Line($"var z = {ops}.Slice(g, xz, 2, DInner, 2 * DInner);");
            switch (kind)
            {
                case BimambaKind.None:
                    w.Line($"var y = {mamba}.BranchOutput(g, x, z, _conv1d, _xProj, _dtProj, _aLog, _d, DState, reverse, 1f);");
                    break;
                case BimambaKind.V1:
                    w.Line("// v1: one prepared branch, scanned forward with A and over reversed time with A_b");
                    w.Line($"var branch = {mamba}.Prepare(g, x, _conv1d, _xProj, _dtProj, DState, reverse);");
                    w.Line($"var y = g.Op(\"Add\", [{mamba}.Scan(g, branch, z, _aLog, _d, reverse, 1f), {mamba}.Scan(g, branch, z, _aBLog, _d, !reverse, 1f)]);");
                    break;
                case BimambaKind.V2:
                    string scale = m.DivideOut ? "0.5f" : "1f";
                    w.Line(m.DivideOut ? "// v2: (forward branch + backward branch) / 2" : "// v2: forward branch + backward branch");
                    w.Line($"var forward = {mamba}.BranchOutput(g, x, z, _conv1d, _xProj, _dtProj, _aLog, _d, DState, reverse, {scale});");
                    w.Line($"var backward = {mamba}.BranchOutput(g, x, z, _conv1dB, _xProjB, _dtProjB, _aBLog, _dB, DState, !reverse, {scale});");
                    w.Line("var y = g.Op(\"Add\", [forward, backward]);");
                    break;
            }
            if (m.InitLayerScale != 0)
            {
                w.Line("// layer scale: out_proj(y) · gamma");
                w.Line($"return g.Op(\"Mul\", [{ops}.Linear(g, y, _outProj), g.Weight(_gamma)]);");
            }
            else
            {
                w.Line($"return {ops}.Linear(g, y, _outProj);");
            }
            w.Close();
        }

        public static void WriteBlock(SourceWriter w, BlockSpec b)
        {
            string g = TypeRefs.OnnxGraph;
            w.Line("/// <summary>ONNX nodes computing <see cref=\"Forward\"/>: <paramref name=\"residual\"/> becomes residual + hidden (fused or not, the same function).</summary>");
            w.Open($"public string ToOnnx({g} g, string hidden, ref string residual, bool reverse)");
            w.Line("residual = g.Op(\"Add\", [residual, hidden]);");
            w.Line("return MixToOnnx(g, residual, reverse);");
            w.Close();
            w.Line();
            w.Line($"/// <summary>ONNX nodes computing <see cref=\"Mix\"/>: mixer({(b.RmsNorm ? "RMSNorm" : "LayerNorm")}(residual)).</summary>");
            w.Open($"public string MixToOnnx({g} g, string residual, bool reverse)");
            w.Line("string normed;");
            w.Line($"using (g.Scope(\"norm\")) normed = {TypeRefs.OnnxOps}.Norm(g, residual, _norm);");
            w.Line("using (g.Scope(\"mixer\")) return _mixer.ToOnnx(g, normed, reverse);");
            w.Close();
        }
    }
}
