// GEMM for Linear layers: C (m×n) = A (m×k) · Bᵀ + bias, B stored n×k row-major like a PyTorch
// weight [out, in]. A, B, C are strided 2-D views (lda, ldb, ldc ≥ row width). Optional bias (n) and
// accumulate (C += instead of C =). B is packed into 16-wide panels (PackedMatrix); A is read in place.
using System.Buffers;
using System.Runtime.CompilerServices;

namespace Vim.Kernels.Cpu;

/// <summary>Single-precision matrix multiply against a (packed) Linear weight.</summary>
public static unsafe partial class Gemm
{
    /// <summary>Number of output columns per packed panel.</summary>
    internal const int PanelWidth = GemmKernel.Cols;

    // k is cut into equal blocks of at most 384 steps: 384 k-steps of a 16-wide panel is 24 KiB, so the B
    // micro-panel stays in the 32 KiB L1 while a row block of A (≤ 120×384 floats) stays in L2. Against blocks of
    // 256, the k = 384 GEMMs of vim_tiny (out_proj, x_proj) run 3–5 % faster: C is loaded and stored once, not twice.
    private const int MaxKBlock = 384;
    private const int MaxRowBlock = 120;

    // A packed weight up to this size (128 KiB) is cheap to read once per row block from L2.
    private const long SmallWeightFloats = 32 * 1024;

    // Below this many multiply-adds Parallel.For's start-up costs more than it saves.
    private const long ParallelThreshold = 1L << 18;

    /// <summary>Packs a weight B (n×k, row stride <paramref name="ldb"/>) for repeated multiplication.</summary>
    /// <param name="b">The weight, row-major [out, in].</param>
    /// <param name="n">Rows of B (output features).</param>
    /// <param name="k">Columns of B (input features).</param>
    /// <param name="ldb">Row stride of B (≥ k).</param>
    public static PackedMatrix Pack(ReadOnlySpan<float> b, int n, int k, int ldb)
    {
        Guard.Positive("Gemm.Pack", nameof(n), n);
        Guard.NonNegative("Gemm.Pack", nameof(k), k);
        Guard.Matrix("Gemm.Pack", nameof(b), b.Length, n, k, ldb);
        var packed = new PackedMatrix(n, k);
        Span<float> dst = packed.Data;
        for (int panel = 0; panel < packed.Panels; panel++)
        {
            Span<float> pd = dst.Slice(panel * PanelWidth * k, PanelWidth * k);
            int j0 = panel * PanelWidth;
            int width = Math.Min(PanelWidth, n - j0);
            if (width < PanelWidth)
            {
                pd.Clear();
            }

            for (int j = 0; j < width; j++)
            {
                ReadOnlySpan<float> row = b.Slice((j0 + j) * ldb, k);
                for (int p = 0; p < k; p++)
                {
                    pd[p * PanelWidth + j] = row[p];
                }
            }
        }

        return packed;
    }

    /// <summary>C (m×n) = A (m×k) · Bᵀ + bias (or C += … when <paramref name="accumulate"/>), with B pre-packed.</summary>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="a">A, m rows of k = <paramref name="b"/>.K values spaced <paramref name="lda"/> apart.</param>
    /// <param name="lda">Row stride of A (≥ k).</param>
    /// <param name="b">The packed weight (n×k).</param>
    /// <param name="c">C, m rows of n values spaced <paramref name="ldc"/> apart.</param>
    /// <param name="ldc">Row stride of C (≥ n).</param>
    /// <param name="bias">Bias of length n, or empty for none.</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    public static void Multiply(int m, ReadOnlySpan<float> a, int lda, PackedMatrix b, Span<float> c, int ldc, ReadOnlySpan<float> bias, bool accumulate)
    {
        ArgumentNullException.ThrowIfNull(b);
        const string Name = "Gemm.Multiply";
        Guard.NonNegative(Name, nameof(m), m);
        int n = b.N, k = b.K;
        Guard.Matrix(Name, nameof(a), a.Length, m, k, lda);
        Guard.Matrix(Name, nameof(c), c.Length, m, n, ldc);
        Guard.OptionalExactly(Name, nameof(bias), bias.Length, n, $"n={n}");
        if (m == 0)
        {
            return;
        }

        if (!Simd.IsAvailable || k == 0)
        {
            MultiplyScalar(m, n, k, a, lda, b, c, ldc, bias, accumulate);
            return;
        }

        fixed (float* pa = a)
        fixed (float* pc = c)
        fixed (float* pbias = bias)
        fixed (float* pstore = b.Storage)
        {
            Run(m, n, k, pa, lda, pstore + b.Offset, b.Panels, pc, ldc, pbias, accumulate);
        }
    }

    /// <summary>C (m×n) = A (m×k) · Bᵀ + bias (or C += …) with B given unpacked (n×k, row stride <paramref name="ldb"/>); packs B on every call.</summary>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Rows of B, columns of C.</param>
    /// <param name="k">Columns of A and B.</param>
    /// <param name="a">A (m×k, row stride <paramref name="lda"/>).</param>
    /// <param name="lda">Row stride of A.</param>
    /// <param name="b">B (n×k, row stride <paramref name="ldb"/>).</param>
    /// <param name="ldb">Row stride of B.</param>
    /// <param name="c">C (m×n, row stride <paramref name="ldc"/>).</param>
    /// <param name="ldc">Row stride of C.</param>
    /// <param name="bias">Bias of length n, or empty for none.</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    public static void Multiply(int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, ReadOnlySpan<float> bias, bool accumulate)
    {
        Guard.Positive("Gemm.Multiply", nameof(n), n);
        Multiply(m, a, lda, Pack(b, n, k, ldb), c, ldc, bias, accumulate);
    }

    private static void Run(int m, int n, int k, float* a, int lda, float* packed, int panels, float* c, int ldc, float* bias, bool accumulate)
    {
        int threads = KernelThreading.CurrentDegree;
        bool parallel = threads > 1 && (long)m * n * k >= ParallelThreshold;
        nint pa = (nint)a, pp = (nint)packed, pc = (nint)c, pb = (nint)bias;

        // The weight is the larger operand (n ≥ m, e.g. in_proj at one image: 590 KB of B against 151 KB of A):
        // each thread takes whole columns, so it streams only its share of B and reads A, which stays in L2,
        // in full. Split by rows, every thread would stream all of B from the shared L3.
        if (parallel && n >= m && panels >= threads)
        {
            // Four stripes per thread rather than one, so that a thread slowed down by the host hands its last
            // stripes to the other: each panel is still read by one thread only.
            int stripes = Math.Min(panels, 4 * threads);
            int perThread = (panels + stripes - 1) / stripes;
            KernelThreading.For((panels + perThread - 1) / perThread, parallel: true, task =>
            {
                int j0 = task * perThread, j1 = Math.Min(panels, j0 + perThread);
                for (int i0 = 0; i0 < m; i0 += MaxRowBlock)
                {
                    Block((float*)pa, lda, (float*)pp, n, k, (float*)pc, ldc, (float*)pb, accumulate, i0, Math.Min(m, i0 + MaxRowBlock), j0, j1);
                }
            });
            return;
        }

        // Row blocks: a multiple of 6 rows, at most MaxRowBlock, and when threading enough blocks (several per thread)
        // that the dynamic scheduler can balance a ragged last block or a thread the host slows down. Each block reads
        // all of B, so a small B (x_proj's 44 × 384) gets four blocks per thread and a larger one two: at one image on
        // two threads x_proj ran ≈ 8 % faster than in two blocks of 102 and 95 rows, and the whole pass 1–3 % faster
        // with out_proj and the patch embedding in four blocks.
        int rowBlock = MaxRowBlock;
        if (parallel)
        {
            int perThread = (long)panels * k * PanelWidth <= SmallWeightFloats ? 4 : 2;
            int wanted = threads * Math.Max(perThread, (m + threads * MaxRowBlock - 1) / (threads * MaxRowBlock));
            rowBlock = Math.Min(MaxRowBlock, RoundUp((m + wanted - 1) / wanted, GemmKernel.Rows));
        }

        int rowBlocks = (m + rowBlock - 1) / rowBlock;

        // Few rows (e.g. the classifier head) would leave threads idle: split columns as well.
        int colBlocks = 1;
        if (parallel && rowBlocks < 2 * threads)
        {
            colBlocks = Math.Min(panels, (2 * threads + rowBlocks - 1) / rowBlocks);
        }

        int panelsPerBlock = (panels + colBlocks - 1) / colBlocks;
        colBlocks = (panels + panelsPerBlock - 1) / panelsPerBlock;

        KernelThreading.For(rowBlocks * colBlocks, parallel, task =>
        {
            int rb = task / colBlocks, cb = task % colBlocks;
            int i0 = rb * rowBlock, i1 = Math.Min(m, i0 + rowBlock);
            int j0 = cb * panelsPerBlock, j1 = Math.Min(panels, j0 + panelsPerBlock);
            Block((float*)pa, lda, (float*)pp, n, k, (float*)pc, ldc, (float*)pb, accumulate, i0, i1, j0, j1);
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block(float* a, nint lda, float* packed, int n, int k, float* c, nint ldc, float* bias, bool accumulate, int i0, int i1, int panel0, int panel1)
    {
        float* biasTail = stackalloc float[PanelWidth];
        int kBlocks = Math.Max(1, (k + MaxKBlock - 1) / MaxKBlock);
        int kBlock = (k + kBlocks - 1) / kBlocks;
        for (int p0 = 0; p0 < k; p0 += kBlock)
        {
            int kc = Math.Min(kBlock, k - p0);
            bool first = p0 == 0;
            bool loadC = accumulate || !first;
            for (int panel = panel0; panel < panel1; panel++)
            {
                int j0 = panel * PanelWidth;
                int cols = Math.Min(PanelWidth, n - j0);
                float* bp = packed + ((long)panel * k + p0) * PanelWidth;
                float* pbias = null;
                if (first && bias != null)
                {
                    if (cols == PanelWidth)
                    {
                        pbias = bias + j0;
                    }
                    else
                    {
                        // The kernel always reads 16 bias values; pad the ragged last panel.
                        new Span<float>(biasTail, PanelWidth).Clear();
                        new ReadOnlySpan<float>(bias + j0, cols).CopyTo(new Span<float>(biasTail, PanelWidth));
                        pbias = biasTail;
                    }
                }

                for (int i = i0; i < i1; i += GemmKernel.Rows)
                {
                    int rows = Math.Min(GemmKernel.Rows, i1 - i);
                    GemmKernel.Tile(a + i * lda + p0, lda, bp, kc, c + i * ldc + j0, ldc, rows, cols, loadC, pbias);
                }
            }
        }
    }

    /// <summary>Reference-order scalar path (no SIMD, or k = 0).</summary>
    internal static void MultiplyScalar(int m, int n, int k, ReadOnlySpan<float> a, int lda, PackedMatrix b, Span<float> c, int ldc, ReadOnlySpan<float> bias, bool accumulate)
    {
        ReadOnlySpan<float> data = b.Data;
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<float> arow = a.Slice(i * lda, k);
            Span<float> crow = c.Slice(i * ldc, n);
            for (int j = 0; j < n; j++)
            {
                ReadOnlySpan<float> panel = data.Slice(j / PanelWidth * PanelWidth * k);
                int jj = j % PanelWidth;
                float s = bias.IsEmpty ? 0f : bias[j];
                for (int p = 0; p < k; p++)
                {
                    s += arow[p] * panel[p * PanelWidth + jj];
                }

                crow[j] = accumulate ? crow[j] + s : s;
            }
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
}
