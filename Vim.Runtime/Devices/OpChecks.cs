using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Devices;

/// <summary>
/// The argument checks of the backend operations, shared by <see cref="CpuBackend"/> and <see cref="CudaBackend"/> so
/// that a wrong shape gets the same error on both: the operation, what it was given and what it expected. Without them
/// a wrong shape reaches a kernel, where the CPU reports it in the kernel's terms (a span or a stride) and the GPU reads
/// outside the tensors.
/// </summary>
/// <remarks>Checks that need a kernel's own rules (a GEMM's strides, a scan's span lengths) stay in Vim.Kernels.</remarks>
internal static class OpChecks
{
    /// <summary>Linear: x ends in the weight's input width.</summary>
    public static void Linear(Tensor x, Parameter weight)
    {
        int inF = weight.Shape[1];
        if (x.Rank == 0 || x.Shape[^1] != inF) throw new ArgumentException($"Linear({weight.Name}): input {x.Shape} does not end in {inF}, the weight is {weight.Shape}.");
    }

    /// <summary>PatchEmbed: (B, C, H, W) images with the weight's channels, at least one patch, a positive stride; returns the patch grid.</summary>
    public static (int Rows, int Cols) PatchEmbed(Tensor images, Parameter weight, int stride)
    {
        if (images.Rank != 4) throw new ArgumentException($"PatchEmbed: images {images.Shape} are not (B, C, H, W).");
        int c = images.Shape[1], h = images.Shape[2], w = images.Shape[3];
        int ph = weight.Shape[2], pw = weight.Shape[3];
        if (weight.Shape[1] != c) throw new ArgumentException($"PatchEmbed: images {images.Shape} have {c} channels, the weight {weight.Shape} expects {weight.Shape[1]}.");
        if (stride <= 0) throw new ArgumentException($"PatchEmbed: stride {stride} must be positive.");
        if (h < ph || w < pw) throw new ArgumentException($"PatchEmbed: image {h}x{w} is smaller than the patch {ph}x{pw}.");
        return ((h - ph) / stride + 1, (w - pw) / stride + 1);
    }

    /// <summary>Norm and AddNorm: the weight (and bias) as wide as x's last axis, the residual as large as x.</summary>
    public static void Norm(string operation, Tensor x, Tensor? residual, Parameter weight, Parameter? bias)
    {
        int d = x.Rank == 0 ? 0 : x.Shape[^1];
        if (d == 0) throw new ArgumentException($"{operation}: input {x.Shape} has no last axis to normalise.");
        if (residual is not null && residual.Numel != x.Numel) throw new ArgumentException($"{operation}: hidden {x.Shape} and residual {residual.Shape} differ.");
        if (weight.Shape.Numel != d || (bias is not null && bias.Shape.Numel != d))
            throw new ArgumentException($"{operation}({weight.Name}): {(bias is null ? $"weight {weight.Shape} does" : $"weight {weight.Shape} and bias {bias.Shape} do")} not match the width {d} of {x.Shape}.");
    }

    /// <summary>MambaPrepare: xz is (B, L, 2E); conv1d (E, 1, K); x_proj (R + 2N, E) for dt_proj (E, R).</summary>
    public static void MambaPrepare(Tensor xz, int dInner, Parameter convWeight, Parameter xProjWeight, Parameter dtProjWeight, int dState)
    {
        int e = dInner;
        if (xz.Rank != 3 || xz.Shape[2] != 2 * e) throw new ArgumentException($"MambaPrepare: xz {xz.Shape} is not (B, L, 2·{e}).");
        if (convWeight.Shape.Rank == 0 || convWeight.Shape[0] != e || convWeight.Shape.Numel != (long)e * convWeight.Shape[^1])
            throw new ArgumentException($"MambaPrepare({convWeight.Name}): conv1d weight {convWeight.Shape} is not ({e}, 1, K).");
        if (dtProjWeight.Shape.Rank != 2 || dtProjWeight.Shape[0] != e)
            throw new ArgumentException($"MambaPrepare({dtProjWeight.Name}): dt_proj weight {dtProjWeight.Shape} is not ({e}, R).");
        int r = dtProjWeight.Shape[1];
        if (xProjWeight.Shape.Rank != 2 || xProjWeight.Shape[0] != r + 2 * dState || xProjWeight.Shape[1] != e)
            throw new ArgumentException($"MambaPrepare({xProjWeight.Name}): x_proj weight {xProjWeight.Shape} is not (R + 2N = {r + 2 * dState}, {e}).");
    }

    /// <summary>MambaScan: the tokens to scan, 0..L (all L when null).</summary>
    public static int ScanSteps(int? steps, int length)
    {
        int t = steps ?? length;
        if (t < 0 || t > length) throw new ArgumentOutOfRangeException(nameof(steps), $"MambaScan: steps {t} outside 0..L={length}.");
        return t;
    }

    /// <summary>InsertToken: a (B, M, D) sequence, a token of D values, a position 0..M.</summary>
    public static void InsertToken(Tensor tokens, Tensor token, int position)
    {
        if (tokens.Rank != 3) throw new ArgumentException($"InsertToken: tokens {tokens.Shape} are not (B, M, D).");
        int m = tokens.Shape[1], d = tokens.Shape[2];
        if (token.Numel != d) throw new ArgumentException($"InsertToken: token {token.Shape} does not have width {d}.");
        if ((uint)position > (uint)m) throw new ArgumentOutOfRangeException(nameof(position), $"InsertToken: position {position} outside 0..{m}.");
    }

    /// <summary>AddBroadcastInPlace: the addend tiles x exactly; returns its length.</summary>
    public static long AddBroadcast(Tensor x, Tensor addend)
    {
        long inner = addend.Numel;
        if (inner == 0 || x.Numel % inner != 0) throw new ArgumentException($"AddBroadcast: {addend.Shape} does not broadcast over {x.Shape}.");
        return inner;
    }

    /// <summary>AddInPlace: a and b of one size.</summary>
    public static void AddInPlace(Tensor a, Tensor b)
    {
        if (a.Numel != b.Numel) throw new ArgumentException($"AddInPlace: shapes {a.Shape} and {b.Shape} differ.");
    }

    /// <summary>MultiplyLastAxisInPlace: v as long as a's last axis; returns that length.</summary>
    public static int MultiplyLastAxis(Tensor a, Tensor v)
    {
        int d = (int)v.Numel;
        if (d == 0 || a.Rank == 0 || a.Shape[^1] != d) throw new ArgumentException($"MultiplyLastAxis: {v.Shape} does not match the last axis of {a.Shape}.");
        return d;
    }

    /// <summary>SelectToken, MeanOfTwoTokens and the token pools: a (B, L, D) sequence and positions 0..L−1.</summary>
    public static void Tokens(string operation, Tensor x, params ReadOnlySpan<int> positions)
    {
        if (x.Rank != 3) throw new ArgumentException($"{operation}: input {x.Shape} is not (B, L, D).");
        int l = x.Shape[1];
        foreach (int p in positions)
        {
            if ((uint)p >= (uint)l) throw new ArgumentOutOfRangeException(nameof(positions), $"{operation}: token {p} outside 0..{l - 1} of {x.Shape}.");
        }
    }

    /// <summary>
    /// Tokens to a patch grid: (B, L, D) with L = gridHeight · gridWidth + the skipped rows, which are distinct
    /// positions of the sequence.
    /// </summary>
    public static void PatchGrid(Tensor tokens, int gridHeight, int gridWidth, ReadOnlySpan<int> skip)
    {
        Tokens("ToPatchGrid", tokens, skip);
        for (int i = 0; i < skip.Length; i++)
        {
            for (int j = 0; j < i; j++)
            {
                if (skip[i] == skip[j]) throw new ArgumentException($"ToPatchGrid: token {skip[i]} is skipped twice.");
            }
        }
        if (gridHeight < 1 || gridWidth < 1 || (long)gridHeight * gridWidth + skip.Length != tokens.Shape[1])
        {
            throw new ArgumentException($"ToPatchGrid: {tokens.Shape} less {skip.Length} skipped token(s) is not a {gridHeight}x{gridWidth} grid.");
        }
    }

    /// <summary>Conv2d: a rank-4 map with the weight's input channels, stride ≥ 1, padding ≥ 0, at least one output; returns the output size.</summary>
    public static (int Height, int Width) Conv2d(Tensor x, bool channelFirstInput, Parameter weight, int stride, int padding)
    {
        int c = weight.Shape[1], kh = weight.Shape[2], kw = weight.Shape[3];
        int xc = x.Rank != 4 ? -1 : channelFirstInput ? x.Shape[1] : x.Shape[3];
        if (xc != c) throw new ArgumentException($"Conv2d({weight.Name}): input {x.Shape} ({(channelFirstInput ? "B, C, H, W" : "B, H, W, C")}) does not have the weight's {c} input channels, weight {weight.Shape}.");
        int h = channelFirstInput ? x.Shape[2] : x.Shape[1], w = channelFirstInput ? x.Shape[3] : x.Shape[2];
        if (stride <= 0 || padding < 0) throw new ArgumentException($"Conv2d({weight.Name}): stride {stride} and padding {padding} must be positive and non-negative.");
        if (h + 2 * padding < kh || w + 2 * padding < kw) throw new ArgumentException($"Conv2d({weight.Name}): input {h}x{w} is too small for kernel {kh}x{kw} with padding {padding}.");
        return ((h + 2 * padding - kh) / stride + 1, (w + 2 * padding - kw) / stride + 1);
    }

    /// <summary>DepthwiseConv2d: a (B, H, W, ≥ C) map for a weight of C channels.</summary>
    public static void DepthwiseConv2d(Tensor x, Parameter weight)
    {
        int c = weight.Shape[0];
        if (x.Rank != 4 || x.Shape[3] < c) throw new ArgumentException($"DepthwiseConv2d({weight.Name}): input {x.Shape} is not (B, H, W, ≥ {c}).");
    }

    /// <summary>SliceChannels: a non-empty channel range inside x's last axis.</summary>
    public static void SliceChannels(Tensor x, int start, int width)
    {
        int ld = x.Rank == 0 ? 0 : x.Shape[^1];
        if (start < 0 || width <= 0 || start + width > ld) throw new ArgumentException($"SliceChannels: channels {start}..{start + width} outside {x.Shape}.");
    }

    /// <summary>GateInPlace: x has y's rows, and channels start..start + D of each.</summary>
    public static void GateInPlace(Tensor y, Tensor x, int start)
    {
        int d = y.Rank == 0 ? 0 : y.Shape[^1], ld = x.Rank == 0 ? 0 : x.Shape[^1];
        if (d == 0 || ld == 0 || x.Numel / ld != y.Numel / d || start < 0 || start + d > ld)
            throw new ArgumentException($"GateInPlace: gate {x.Shape} from channel {start} does not cover {y.Shape}.");
    }

    /// <summary>CrossScan: four traversals; proj, Δraw and the parameters sized for u (B, H, W, D).</summary>
    public static void CrossScan(Tensor u, Tensor proj, Tensor deltaRaw, Parameter dtBias, Parameter aLogs, Parameter ds, int dtRank, int dState, IReadOnlyList<int> traversals)
    {
        ArgumentNullException.ThrowIfNull(traversals);
        if (traversals.Count != 4) throw new ArgumentException($"CrossScan: expected 4 traversals, got {traversals.Count}.", nameof(traversals));
        if (u.Rank != 4) throw new ArgumentException($"CrossScan: u {u.Shape} is not (B, H, W, D).");
        int d = u.Shape[3];
        long rows = u.Numel / Math.Max(1, d);
        int projWidth = 4 * (dtRank + 2 * dState);
        if (proj.Numel != rows * projWidth) throw new ArgumentException($"CrossScan: proj {proj.Shape} is not (B, H, W, 4(R+2N) = {projWidth}) for u {u.Shape}.");
        if (deltaRaw.Numel != rows * 4 * d) throw new ArgumentException($"CrossScan: Δraw {deltaRaw.Shape} is not (B, H, W, 4D = {4 * d}) for u {u.Shape}.");
        if (dtBias.Shape.Numel != 4L * d || ds.Shape.Numel != 4L * d || aLogs.Shape.Numel != 4L * d * dState)
            throw new ArgumentException($"CrossScan: dt bias {dtBias.Shape}, Ds {ds.Shape} or A_logs {aLogs.Shape} do not match 4D = {4 * d}, N = {dState}.");
    }

    /// <summary>AddChannelFirstInPlace: pos holds C·H·W values for the (B, H, W, C) map.</summary>
    public static void AddChannelFirst(Tensor x, Tensor pos)
    {
        if (x.Rank != 4 || pos.Numel != (long)x.Shape[3] * x.Shape[1] * x.Shape[2])
            throw new ArgumentException($"AddChannelFirst: {pos.Shape} does not match the map {x.Shape}.");
    }

    /// <summary>DirectionProjections: u ends in D of x_proj (K, R + 2N, D); dt_projs is (K, D, R ≤ R + 2N).</summary>
    public static void DirectionProjections(Tensor u, Parameter xProjWeight, Parameter dtProjsWeight)
    {
        int k = xProjWeight.Shape[0], width = xProjWeight.Shape[1], d = xProjWeight.Shape[2];
        if (u.Rank == 0 || u.Shape[^1] != d) throw new ArgumentException($"DirectionProjections({xProjWeight.Name}): input {u.Shape} does not end in d_inner {d}.");
        if (dtProjsWeight.Shape.Rank != 3 || dtProjsWeight.Shape[0] != k || dtProjsWeight.Shape[1] != d || dtProjsWeight.Shape[2] > width)
            throw new ArgumentException($"DirectionProjections({dtProjsWeight.Name}): {dtProjsWeight.Shape} is not ({k}, {d}, R ≤ {width}).");
    }

    /// <summary>A gradient (or a tensor that must share its layout) has the shape of what it belongs to.</summary>
    public static void Gradient(string operation, Tensor gradient, Shape expected)
    {
        if (gradient.Shape != expected) throw new ArgumentException($"{operation}: gradient {gradient.Shape} does not have the shape {expected} it belongs to.");
    }

    /// <summary>LinearBackward: x ends in the weight's input width, dy in its output width, with x's rows; returns the row count.</summary>
    public static int LinearBackward(Tensor x, Tensor dy, Parameter weight)
    {
        Linear(x, weight);
        int outF = weight.Shape[0], inF = weight.Shape[1];
        long rows = x.Numel / inF;
        if (dy.Rank == 0 || dy.Shape[^1] != outF || dy.Numel / outF != rows)
            throw new ArgumentException($"LinearBackward({weight.Name}): gradient {dy.Shape} does not match the output ({string.Join(", ", x.Shape.Dims[..^1].ToArray())}, {outF}) of input {x.Shape}.");
        return (int)rows;
    }

    /// <summary>The backward of a token readout: dRow is (B, D) and the positions fit the sequence of length L; returns B.</summary>
    public static int Rows(string operation, Tensor dRow, int position, int length)
    {
        if (dRow.Rank != 2) throw new ArgumentException($"{operation}: gradient {dRow.Shape} is not (B, D).");
        if ((uint)position >= (uint)length) throw new ArgumentOutOfRangeException(nameof(position), $"{operation}: token {position} outside 0..{length - 1}.");
        return dRow.Shape[0];
    }

    /// <summary>ScaleSamplesInPlace: one scale per sample of x's leading axis; returns the sample count.</summary>
    public static int Samples(string operation, Tensor x, float[] scales)
    {
        ArgumentNullException.ThrowIfNull(scales);
        if (x.Rank == 0 || x.Shape[0] != scales.Length) throw new ArgumentException($"{operation}: {scales.Length} per-sample scales for {x.Shape}.");
        return scales.Length;
    }
}
