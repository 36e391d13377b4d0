using Vim.Runtime.Onnx;

namespace Vim.Runtime.Modules.VMamba;

public sealed partial class Mlp
{
    /// <summary>ONNX nodes computing <see cref="Forward"/>.</summary>
    public string ToOnnx(OnnxGraphBuilder g, string x)
    {
        var h = OnnxOps.Linear(g, x, _fc1);
        if (!Gated) return OnnxOps.Linear(g, OnnxVMamba.Activation(g, h, Activation), _fc2);
        // gMlp: a · act(g) with [a | g] = fc1(x)
        var a = OnnxOps.Slice(g, h, -1, 0, Hidden);
        var gate = OnnxOps.Slice(g, h, -1, Hidden, 2 * Hidden);
        return OnnxOps.Linear(g, g.Op("Mul", [a, OnnxVMamba.Activation(g, gate, Activation)]), _fc2);
    }
}
