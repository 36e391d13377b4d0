using Vim.Dsl;
using Vim.Runtime.Onnx;

namespace Vim.Runtime.Modules.VMamba;

public sealed partial class SS2D
{
    /// <summary>ONNX nodes computing <see cref="Forward"/> on a channel-last map; returns the output's value name.</summary>
    public string ToOnnx(OnnxGraphBuilder g, string x)
    {
        var o = Options;
        var t = OnnxOps.Linear(g, x, _inProj);
        var u = _conv is not null ? OnnxVMamba.DepthwiseConv(g, t, _conv) : OnnxOps.Slice(g, t, 3, 0, o.DInner);
        u = OnnxVMamba.Activation(g, u, o.Activation);
        var y = OnnxVMamba.CrossScan(g, u, XProjWeight, DtProjsWeight, DtProjsBias, ALogs, Ds, o.DtRank, o.DState, o.Traversals);
        y = o.OutNorm switch
        {
            OutNorm.LayerNorm => OnnxOps.Norm(g, y, _outNorm!),
            OutNorm.Sigmoid => g.Op("Sigmoid", [y]),
            OutNorm.Softmax => OnnxVMamba.SpatialSoftmax(g, y, o.DInner),
            OutNorm.DwConv3 => OnnxVMamba.DepthwiseConv(g, y, _outConv!),
            OutNorm.CNorm => OnnxVMamba.DepthwiseConv(g, OnnxOps.Norm(g, y, _outNorm!), _outConv!),
            _ => y,
        };
        if (o.OutActivation) y = OnnxVMamba.Gelu(g, y);
        if (o.HasGate)
        {
            var z = OnnxOps.Slice(g, t, 3, o.DInner, 2 * o.DInner);
            y = g.Op("Mul", [y, o.GateActivation ? OnnxVMamba.Activation(g, z, o.Activation) : z]);
        }
        return OnnxOps.Linear(g, y, _outProj);
    }
}
