using Vim.Runtime.Modules;

namespace Vim.Runtime.Onnx;

/// <summary>
/// One Mamba branch as ONNX: the depthwise conv and the projections as standard operators, the selective scan as an
/// ONNX <c>Scan</c> over the sequence with the state h (B, E, N) as its carried value (no ONNX operator is the scan).
/// Everything stays in the original token order; a reversed branch reverses its conv's kernel and the Scan's direction.
/// </summary>
public static class OnnxMamba
{
    /// <summary>What the scans of a branch read, each (B, L, ·) in the original order: u = silu(conv(x)), Δ = softplus(dt_proj(·) + bias), B, C.</summary>
    public sealed record Branch(string U, string Delta, string B, string C);

    /// <summary>
    /// u = silu(causal depthwise conv of x) (anti-causal when <paramref name="reverse"/>), x_dbl = u · x_projᵀ,
    /// Δ = softplus(x_dbl[..., :R] · dt_projᵀ + dt_proj.bias), B and C the rest of x_dbl.
    /// </summary>
    public static Branch Prepare(OnnxGraphBuilder g, string x, DepthwiseConv1d conv, Linear xProj, Linear dtProj, int dState, bool reverse)
    {
        int e = conv.Weight.Shape[0], k = conv.Weight.Shape[^1], r = dtProj.Weight.Shape[1];
        // Conv is a cross-correlation over (B, E, L): pads (K − 1, 0) give the causal conv; the anti-causal one of a
        // reversed branch is the kernel reversed with pads (0, K − 1), which equals conv(flip(x)) flipped back.
        var weight = reverse ? OnnxOps.Flip(g, g.Weight(conv.Weight), axis: 2) : g.Weight(conv.Weight);
        var inputs = new List<string> { g.Op("Transpose", [x], OnnxAttribute.Ints("perm", 0, 2, 1)), weight };
        if (conv.Bias is not null) inputs.Add(g.Weight(conv.Bias));
        var convolved = g.Op("Conv", inputs, OnnxAttribute.Int("group", e), OnnxAttribute.Ints("kernel_shape", k),
            OnnxAttribute.Ints("pads", reverse ? 0 : k - 1, reverse ? k - 1 : 0));
        var u = OnnxOps.Silu(g, g.Op("Transpose", [convolved], OnnxAttribute.Ints("perm", 0, 2, 1)));
        var xDbl = g.Op("MatMul", [u, g.WeightTransposed(xProj.Weight)]);
        var dtLow = OnnxOps.Slice(g, xDbl, 2, 0, r);
        var delta = g.Op("Softplus", [g.Op("Add", [g.Op("MatMul", [dtLow, g.WeightTransposed(dtProj.Weight)]), g.Weight(dtProj.Bias!)])]);
        return new Branch(u, delta, OnnxOps.Slice(g, xDbl, 2, r, r + dState), OnnxOps.Slice(g, xDbl, 2, r + dState, r + 2 * dState));
    }

    /// <summary>
    /// The selective scan of a prepared branch, over reversed time when <paramref name="reverse"/>:
    /// h_t = exp(Δ_t A) h_{t−1} + Δ_t B_t u_t, y_t = C_t h_t + D u_t, times silu(z) and <paramref name="scale"/> → (B, L, E).
    /// </summary>
    public static string Scan(OnnxGraphBuilder g, Branch branch, string z, Parameter aLog, Parameter dSkip, bool reverse, float scale)
    {
        var a = g.Op("Neg", [g.Op("Exp", [g.Weight(aLog)])]);                                              // A = −exp(A_log) (E, N)
        var y = SelectiveScan(g, branch, a, g.Weight(dSkip), aLog.Shape[0], aLog.Shape[1], reverse);
        var gated = g.Op("Mul", [y, OnnxOps.Silu(g, z)]);
        return scale == 1f ? gated : OnnxOps.Scale(g, gated, scale);
    }

    /// <summary>
    /// y_t = C_t h_t + D u_t with h_t = exp(Δ_t A) h_{t−1} + Δ_t B_t u_t, h_{−1} = 0, over reversed time when
    /// <paramref name="reverse"/>; <paramref name="a"/> is A (E, N), <paramref name="dSkip"/> is D (E) → (B, L, E) in the original order.
    /// </summary>
    public static string SelectiveScan(OnnxGraphBuilder g, Branch branch, string a, string dSkip, int e, int n, bool reverse)
    {
        var deltaA = g.Op("Exp", [g.Op("Mul", [g.Op("Unsqueeze", [branch.Delta, g.Int64s(3)]), a])]);      // (B, L, E, N)
        var deltaU = g.Op("Unsqueeze", [g.Op("Mul", [branch.Delta, branch.U]), g.Int64s(3)]);            // (B, L, E, 1)
        var deltaBu = g.Op("Mul", [deltaU, g.Op("Unsqueeze", [branch.B, g.Int64s(2)])]);                 // (B, L, E, N)
        var stateShape = g.Op("Concat", [g.Op("Shape", [branch.U], OnnxAttribute.Int("end", 1)), g.Int64s(e, n)], OnnxAttribute.Int("axis", 0));
        var h0 = g.Op("ConstantOfShape", [stateShape], OnnxAttribute.FloatTensor("value", 0f));

        var body = g.Subgraph("selective_scan_step");
        string h = body.Input(body.NewName("h"), null), da = body.Input(body.NewName("dA_t"), null);
        string dbu = body.Input(body.NewName("dBu_t"), null), c = body.Input(body.NewName("C_t"), null);
        var next = body.Op("Add", [body.Op("Mul", [da, h]), dbu]);                                             // h_t (B, E, N)
        var y = OnnxOps.Reduce(body, "ReduceSum", body.Op("Mul", [next, body.Op("Unsqueeze", [c, body.Int64s(1)])]), [2], keepDims: false);
        body.Output(next, body.NewName("h_out"), null);
        body.Output(y, body.NewName("y_t"), null);

        var direction = reverse ? 1L : 0L;
        var outputs = g.Op("Scan", [h0, deltaA, deltaBu, branch.C], 2,
            OnnxAttribute.Graph("body", body), OnnxAttribute.Int("num_scan_inputs", 3),
            OnnxAttribute.Ints("scan_input_axes", 1, 1, 1), OnnxAttribute.Ints("scan_input_directions", direction, direction, direction),
            OnnxAttribute.Ints("scan_output_axes", 1), OnnxAttribute.Ints("scan_output_directions", direction));
        return g.Op("Add", [outputs[1], g.Op("Mul", [branch.U, dSkip])]);
    }

    /// <summary>Prepare and scan one branch (its own conv, projections, A and D).</summary>
    public static string BranchOutput(OnnxGraphBuilder g, string x, string z, DepthwiseConv1d conv, Linear xProj, Linear dtProj, Parameter aLog, Parameter dSkip,
        int dState, bool reverse, float scale) =>
        Scan(g, Prepare(g, x, conv, xProj, dtProj, dState, reverse), z, aLog, dSkip, reverse, scale);

    /// <summary>Vim's 2-D RoPE on (B, L, D): t·cos + rotate_half(t)·sin per interleaved pair; with odd L token 0 (the cls token) stays as it is.</summary>
    public static string Rope(OnnxGraphBuilder g, string x, RotaryEmbedding2d rope, int length)
    {
        int d = rope.FreqsCos.Shape[1], skip = length % 2, rows = length - skip;
        var t = skip == 0 ? x : OnnxOps.Slice(g, x, 1, skip, length);
        var pairs = g.Op("Reshape", [t, g.Int64s(0, 0, d / 2, 2)]);
        var rotatedPairs = g.Op("Concat", [g.Op("Neg", [OnnxOps.Slice(g, pairs, 3, 1, 2)]), OnnxOps.Slice(g, pairs, 3, 0, 1)], OnnxAttribute.Int("axis", 3));
        var rotateHalf = g.Op("Reshape", [rotatedPairs, g.Int64s(0, 0, d)]);
        var cos = OnnxOps.Slice(g, g.Weight(rope.FreqsCos), 0, 0, rows);
        var sin = OnnxOps.Slice(g, g.Weight(rope.FreqsSin), 0, 0, rows);
        var y = g.Op("Add", [g.Op("Mul", [t, cos]), g.Op("Mul", [rotateHalf, sin])]);
        return skip == 0 ? y : g.Op("Concat", [OnnxOps.Slice(g, x, 1, 0, skip), y], OnnxAttribute.Int("axis", 1));
    }
}
