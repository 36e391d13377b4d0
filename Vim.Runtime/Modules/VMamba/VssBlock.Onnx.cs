using Vim.Runtime.Onnx;

namespace Vim.Runtime.Modules.VMamba;

public sealed partial class VssBlock
{
    /// <summary>ONNX nodes computing <see cref="ForwardInPlace"/>: x + op(norm(x)), then + mlp(norm2(x)); returns the new map's value name.</summary>
    public string ToOnnx(OnnxGraphBuilder g, string x)
    {
        if (_op is not null)
        {
            string normed;
            using (g.Scope("norm")) normed = OnnxOps.Norm(g, x, _norm!);
            using (g.Scope("op")) x = g.Op("Add", [x, _op.ToOnnx(g, normed)]);
        }
        if (_mlp is not null)
        {
            string normed;
            using (g.Scope("norm2")) normed = OnnxOps.Norm(g, x, _norm2!);
            using (g.Scope("mlp")) x = g.Op("Add", [x, _mlp.ToOnnx(g, normed)]);
        }
        return x;
    }
}
