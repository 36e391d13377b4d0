using Vim.Dsl;
using Vim.Runtime.Modules;
using Vim.Runtime.Modules.VMamba;

namespace Vim.Runtime.Onnx;

/// <summary>
/// VMamba's operations as ONNX, on channel-last maps (B, H, W, C) as the forward keeps them. H and W may be symbolic:
/// every shape is taken from the graph, so one file takes any image size the model does.
/// </summary>
public static class OnnxVMamba
{
    /// <summary>An elementwise activation (GELU exact, through erf).</summary>
    public static string Activation(OnnxGraphBuilder g, string x, ActLayer activation) => activation switch
    {
        ActLayer.Silu => OnnxOps.Silu(g, x),
        ActLayer.Relu => g.Op("Relu", [x]),
        ActLayer.Sigmoid => g.Op("Sigmoid", [x]),
        ActLayer.Gelu => Gelu(g, x),
        _ => throw new NotSupportedException($"ONNX export: activation {activation} has no exporter."),
    };

    /// <summary>GELU, 0.5 · x · (1 + erf(x / √2)) (ONNX's Gelu operator comes only with opset 20).</summary>
    public static string Gelu(OnnxGraphBuilder g, string x)
    {
        var erf = g.Op("Erf", [g.Op("Mul", [x, g.Scalar((float)(1 / Math.Sqrt(2)))])]);
        return g.Op("Mul", [g.Op("Mul", [x, g.Scalar(0.5f)]), g.Op("Add", [erf, g.Scalar(1f)])]);
    }

    /// <summary>A convolution → a channel-last map (B, Ho, Wo, O); the input is (B, C, H, W) when <paramref name="channelFirstInput"/>, else (B, H, W, C).</summary>
    public static string Conv(OnnxGraphBuilder g, string x, Conv2d conv, bool channelFirstInput)
    {
        int k = conv.Weight.Shape[2], p = conv.Padding;
        var input = channelFirstInput ? x : ToChannelFirst(g, x);
        var inputs = new List<string> { input, g.Weight(conv.Weight) };
        if (conv.Bias is not null) inputs.Add(g.Weight(conv.Bias));
        var y = g.Op("Conv", inputs, OnnxAttribute.Ints("kernel_shape", k, k), OnnxAttribute.Ints("strides", conv.Stride, conv.Stride), OnnxAttribute.Ints("pads", p, p, p, p));
        return ToChannelLast(g, y);
    }

    /// <summary>The depthwise conv (padding (k − 1) / 2) of the first C channels of x (B, H, W, ≥ C) → (B, H, W, C).</summary>
    public static string DepthwiseConv(OnnxGraphBuilder g, string x, DwConv2d conv)
    {
        int c = conv.Weight.Shape[0], k = conv.Weight.Shape[^1], p = (k - 1) / 2;
        var inputs = new List<string> { ToChannelFirst(g, OnnxOps.Slice(g, x, 3, 0, c)), g.Weight(conv.Weight) };
        if (conv.Bias is not null) inputs.Add(g.Weight(conv.Bias));
        var y = g.Op("Conv", inputs, OnnxAttribute.Int("group", c), OnnxAttribute.Ints("kernel_shape", k, k), OnnxAttribute.Ints("pads", p, p, p, p));
        return ToChannelLast(g, y);
    }

    /// <summary>PatchMerging2D's gather: [x(2i, 2j), x(2i+1, 2j), x(2i, 2j+1), x(2i+1, 2j+1)] on channels, odd sizes zero-padded at the bottom and right.</summary>
    public static string PatchMerge(OnnxGraphBuilder g, string x)
    {
        // pads (begin…, end…) over (B, H, W, C): H mod 2 rows and W mod 2 columns at the end
        var hw = g.Op("Slice", [g.Op("Shape", [x]), g.Int64s(1), g.Int64s(3), g.Int64s(0)]);
        var odd = g.Op("Mod", [hw, g.Int64s(2, 2)]);
        var pads = g.Op("Concat", [g.Int64s(0, 0, 0, 0, 0), odd, g.Int64s(0)], OnnxAttribute.Int("axis", 0));
        var padded = g.Op("Pad", [x, pads]);
        string Quadrant(long row, long column) =>
            g.Op("Slice", [padded, g.Int64s(row, column), g.Int64s(long.MaxValue, long.MaxValue), g.Int64s(1, 2), g.Int64s(2, 2)]);
        return g.Op("Concat", [Quadrant(0, 0), Quadrant(1, 0), Quadrant(0, 1), Quadrant(1, 1)], OnnxAttribute.Int("axis", 3));
    }

    /// <summary>(B, 1·C, H, W) position embedding added to a channel-last map.</summary>
    public static string AddChannelFirst(OnnxGraphBuilder g, string map, Parameter pos) => g.Op("Add", [map, ToChannelLast(g, g.Weight(pos))]);

    /// <summary>Mean over the H·W positions → (B, C).</summary>
    public static string MeanOverPositions(OnnxGraphBuilder g, string map) => OnnxOps.Reduce(g, "ReduceMean", map, [1, 2], keepDims: false);

    /// <summary>
    /// The four-direction selective scan with its cross-merge: direction k walks the map row-major (traversal 0),
    /// column-major (1) or either reversed (2, 3) with its own projections, A and D; each direction's outputs go back
    /// to their grid positions and the four are summed → (B, H, W, D).
    /// </summary>
    public static string CrossScan(OnnxGraphBuilder g, string u, Parameter xProjWeight, Parameter dtProjsWeight, Parameter dtProjsBias, Parameter aLogs, Parameter ds,
        int dtRank, int dState, IReadOnlyList<int> traversals)
    {
        int d = xProjWeight.Shape[2];
        var rowMajor = g.Op("Reshape", [u, g.Int64s(0, -1, d)]);                                     // (B, H·W, D)
        var transposed = g.Op("Transpose", [u], OnnxAttribute.Ints("perm", 0, 2, 1, 3));             // (B, W, H, D)
        var columnMajor = g.Op("Reshape", [transposed, g.Int64s(0, -1, d)]);
        var a = g.Op("Neg", [g.Op("Exp", [g.Weight(aLogs)])]);                                         // A (4D, N)
        string? sum = null;
        for (int k = 0; k < 4; k++)
        {
            using var scope = g.Scope($"direction{k}");
            int traversal = traversals[k];
            var sequence = (traversal & 1) == 0 ? rowMajor : columnMajor;
            var xProj = g.Op("Transpose", [g.Op("Gather", [g.Weight(xProjWeight), g.Int64Scalar(k)], OnnxAttribute.Int("axis", 0))], OnnxAttribute.Ints("perm", 1, 0));
            var proj = g.Op("MatMul", [sequence, xProj]);                                               // (B, L, R + 2N)
            var dtProj = g.Op("Transpose", [g.Op("Gather", [g.Weight(dtProjsWeight), g.Int64Scalar(k)], OnnxAttribute.Int("axis", 0))], OnnxAttribute.Ints("perm", 1, 0));
            var dtBias = g.Op("Gather", [g.Weight(dtProjsBias), g.Int64Scalar(k)], OnnxAttribute.Int("axis", 0));
            var delta = g.Op("Softplus", [g.Op("Add", [g.Op("MatMul", [OnnxOps.Slice(g, proj, 2, 0, dtRank), dtProj]), dtBias])]);
            var branch = new OnnxMamba.Branch(sequence, delta, OnnxOps.Slice(g, proj, 2, dtRank, dtRank + dState), OnnxOps.Slice(g, proj, 2, dtRank + dState, dtRank + 2 * dState));
            var y = OnnxMamba.SelectiveScan(g, branch, OnnxOps.Slice(g, a, 0, k * d, (k + 1) * d), OnnxOps.Slice(g, g.Weight(ds), 0, k * d, (k + 1) * d), d, dState, reverse: traversal >= 2);
            // back to row-major positions: a column-major sequence is the transposed map's rows
            var merged = (traversal & 1) == 0 ? y
                : g.Op("Reshape", [g.Op("Transpose", [g.Op("Reshape", [y, g.Op("Shape", [transposed])])], OnnxAttribute.Ints("perm", 0, 2, 1, 3)), g.Int64s(0, -1, d)]);
            sum = sum is null ? merged : g.Op("Add", [sum, merged]);
        }
        return g.Op("Reshape", [sum!, g.Op("Shape", [u])]);
    }

    /// <summary>Softmax over the H·W positions, per image and channel.</summary>
    public static string SpatialSoftmax(OnnxGraphBuilder g, string map, int channels)
    {
        var flat = g.Op("Reshape", [map, g.Int64s(0, -1, channels)]);
        return g.Op("Reshape", [g.Op("Softmax", [flat], OnnxAttribute.Int("axis", 1)), g.Op("Shape", [map])]);
    }

    private static string ToChannelFirst(OnnxGraphBuilder g, string x) => g.Op("Transpose", [x], OnnxAttribute.Ints("perm", 0, 3, 1, 2));

    private static string ToChannelLast(OnnxGraphBuilder g, string x) => g.Op("Transpose", [x], OnnxAttribute.Ints("perm", 0, 2, 3, 1));
}
