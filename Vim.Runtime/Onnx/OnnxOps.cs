using Vim.Runtime.Modules;

namespace Vim.Runtime.Onnx;

/// <summary>
/// The runtime's operations as ONNX subgraphs, for the generated exporters: each writes the nodes computing what its
/// namesake in <c>TokenOps</c>, <c>MambaOps</c> or a module computes, in the batch-first layout the forward uses.
/// </summary>
public static class OnnxOps
{
    /// <summary>x · Wᵀ + b over the last axis.</summary>
    public static string Linear(OnnxGraphBuilder g, string x, Linear linear)
    {
        var y = g.Op("MatMul", [x, g.WeightTransposed(linear.Weight)]);
        return linear.Bias is null ? y : g.Op("Add", [y, g.Weight(linear.Bias)]);
    }

    /// <summary>RMSNorm over the last axis: x / sqrt(mean(x²) + eps) · w.</summary>
    public static string Norm(OnnxGraphBuilder g, string x, RmsNorm norm)
    {
        var meanSquare = Reduce(g, "ReduceMean", g.Op("Mul", [x, x]), [-1], keepDims: true);
        var rms = g.Op("Sqrt", [g.Op("Add", [meanSquare, g.Scalar(norm.Epsilon)])]);
        return g.Op("Mul", [g.Op("Div", [x, rms]), g.Weight(norm.Weight)]);
    }

    /// <summary>LayerNorm over the last axis (LayerNormalization, opset 17).</summary>
    public static string Norm(OnnxGraphBuilder g, string x, LayerNorm norm) =>
        g.Op("LayerNormalization", [x, g.Weight(norm.Weight), g.Weight(norm.Bias)], OnnxAttribute.Int("axis", -1), OnnxAttribute.Float("epsilon", norm.Epsilon));

    /// <summary>Patch convolution → tokens (B, Gh·Gw, D), row-major over the grid.</summary>
    public static string PatchEmbed(OnnxGraphBuilder g, string images, PatchEmbed patchEmbed)
    {
        var w = patchEmbed.Proj.Weight;
        int d = w.Shape[0], p = w.Shape[2];
        var map = g.Op("Conv", [images, g.Weight(w), g.Weight(patchEmbed.Proj.Bias)],
            OnnxAttribute.Ints("kernel_shape", p, p), OnnxAttribute.Ints("strides", patchEmbed.Stride, patchEmbed.Stride));
        var flat = g.Op("Reshape", [map, g.Int64s(0, d, -1)]);
        return g.Op("Transpose", [flat], OnnxAttribute.Ints("perm", 0, 2, 1));
    }

    /// <summary>Inserts a (1, 1, D) token at <paramref name="position"/> of (B, M, D) → (B, M + 1, D).</summary>
    public static string InsertToken(OnnxGraphBuilder g, string tokens, Parameter token, int position, int length)
    {
        int d = token.Shape[^1];
        var shape = g.Op("Concat", [g.Op("Shape", [tokens], OnnxAttribute.Int("end", 1)), g.Int64s(1, d)], OnnxAttribute.Int("axis", 0));
        var row = g.Op("Expand", [g.Weight(token), shape]);
        var parts = new List<string>();
        if (position > 0) parts.Add(Slice(g, tokens, 1, 0, position));
        parts.Add(row);
        if (position < length) parts.Add(Slice(g, tokens, 1, position, length));
        return g.Op("Concat", parts, OnnxAttribute.Int("axis", 1));
    }

    /// <summary>x[:, position] → (B, D).</summary>
    public static string SelectToken(OnnxGraphBuilder g, string x, int position) =>
        g.Op("Gather", [x, g.Int64Scalar(position)], OnnxAttribute.Int("axis", 1));

    /// <summary>(x[:, i] + x[:, j]) / 2 → (B, D).</summary>
    public static string MeanOfTwoTokens(OnnxGraphBuilder g, string x, int i, int j) =>
        g.Op("Mul", [g.Op("Add", [SelectToken(g, x, i), SelectToken(g, x, j)]), g.Scalar(0.5f)]);

    /// <summary>Mean over tokens → (B, D).</summary>
    public static string MeanOverTokens(OnnxGraphBuilder g, string x) => Reduce(g, "ReduceMean", x, [1], keepDims: false);

    /// <summary>Maximum over tokens → (B, D).</summary>
    public static string MaxOverTokens(OnnxGraphBuilder g, string x) => Reduce(g, "ReduceMax", x, [1], keepDims: false);

    /// <summary>x[..., start:end] along <paramref name="axis"/>.</summary>
    public static string Slice(OnnxGraphBuilder g, string x, int axis, long start, long end) =>
        g.Op("Slice", [x, g.Int64s(start), g.Int64s(end), g.Int64s(axis)]);

    /// <summary>x reversed along <paramref name="axis"/> (the sequence, for reversed scans and bidirectional pairs).</summary>
    public static string Flip(OnnxGraphBuilder g, string x, int axis = 1) =>
        g.Op("Slice", [x, g.Int64s(-1), g.Int64s(long.MinValue), g.Int64s(axis), g.Int64s(-1)]);

    /// <summary>x · sigmoid(x).</summary>
    public static string Silu(OnnxGraphBuilder g, string x) => g.Op("Mul", [x, g.Op("Sigmoid", [x])]);

    /// <summary>x · s for a float scalar.</summary>
    public static string Scale(OnnxGraphBuilder g, string x, float s) => g.Op("Mul", [x, g.Scalar(s)]);

    /// <summary>A reduction over <paramref name="axes"/> (its axes an attribute before opset 18 for Mean and Max, an input from 18, and for Sum from 13).</summary>
    public static string Reduce(OnnxGraphBuilder g, string op, string x, long[] axes, bool keepDims)
    {
        var keep = OnnxAttribute.Int("keepdims", keepDims ? 1 : 0);
        bool axesAsInput = op == "ReduceSum" || g.Opset >= 18;
        return axesAsInput ? g.Op(op, [x, g.Int64s(axes)], keep) : g.Op(op, [x], OnnxAttribute.Ints("axes", axes), keep);
    }
}
