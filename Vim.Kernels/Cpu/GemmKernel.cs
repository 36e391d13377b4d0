// The GEMM register tile: C[6×16] (+)= A[6×kc] · Bpanel[kc×16] (+ bias[16]), with A read in place
// through its row stride and B from a packed panel. 12 accumulators + 2 B vectors + 1 broadcast
// fit the 16 ymm registers, giving 12 FMAs per 8 loads per k step.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vim.Kernels.Cpu;

internal static unsafe class GemmKernel
{
    public const int Rows = 6;
    public const int Cols = 16;

    /// <param name="a">Row 0 of the A tile at the first k of this block.</param>
    /// <param name="lda">Row stride of A.</param>
    /// <param name="b">Packed panel at the first k of this block (16 floats per k).</param>
    /// <param name="kc">k steps in this block.</param>
    /// <param name="c">Top-left of the C tile.</param>
    /// <param name="ldc">Row stride of C.</param>
    /// <param name="rows">Valid rows (1..6); missing rows re-read row 0 and are not stored.</param>
    /// <param name="cols">Valid columns (1..16).</param>
    /// <param name="loadC">Add the existing C (accumulate, or a later k block).</param>
    /// <param name="bias">Bias for these 16 columns, or null.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(float* a, nint lda, float* b, int kc, float* c, nint ldc, int rows, int cols, bool loadC, float* bias)
    {
        float* a0 = a;
        float* a1 = rows > 1 ? a + lda : a;
        float* a2 = rows > 2 ? a + 2 * lda : a;
        float* a3 = rows > 3 ? a + 3 * lda : a;
        float* a4 = rows > 4 ? a + 4 * lda : a;
        float* a5 = rows > 5 ? a + 5 * lda : a;

        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;

        for (nint p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Avx.LoadAlignedVector256(b);
            Vector256<float> b1 = Avx.LoadAlignedVector256(b + 8);
            b += Cols;
            Vector256<float> x = Vector256.Create(a0[p]);
            c00 = Fma.MultiplyAdd(x, b0, c00);
            c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Vector256.Create(a1[p]);
            c10 = Fma.MultiplyAdd(x, b0, c10);
            c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Vector256.Create(a2[p]);
            c20 = Fma.MultiplyAdd(x, b0, c20);
            c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Vector256.Create(a3[p]);
            c30 = Fma.MultiplyAdd(x, b0, c30);
            c31 = Fma.MultiplyAdd(x, b1, c31);
            x = Vector256.Create(a4[p]);
            c40 = Fma.MultiplyAdd(x, b0, c40);
            c41 = Fma.MultiplyAdd(x, b1, c41);
            x = Vector256.Create(a5[p]);
            c50 = Fma.MultiplyAdd(x, b0, c50);
            c51 = Fma.MultiplyAdd(x, b1, c51);
        }

        if (bias != null)
        {
            Vector256<float> bb0 = Avx.LoadVector256(bias);
            Vector256<float> bb1 = Avx.LoadVector256(bias + 8);
            c00 = Avx.Add(c00, bb0); c01 = Avx.Add(c01, bb1);
            c10 = Avx.Add(c10, bb0); c11 = Avx.Add(c11, bb1);
            c20 = Avx.Add(c20, bb0); c21 = Avx.Add(c21, bb1);
            c30 = Avx.Add(c30, bb0); c31 = Avx.Add(c31, bb1);
            c40 = Avx.Add(c40, bb0); c41 = Avx.Add(c41, bb1);
            c50 = Avx.Add(c50, bb0); c51 = Avx.Add(c51, bb1);
        }

        if (rows == Rows && cols == Cols)
        {
            Store(c, c00, c01, loadC);
            Store(c + ldc, c10, c11, loadC);
            Store(c + 2 * ldc, c20, c21, loadC);
            Store(c + 3 * ldc, c30, c31, loadC);
            Store(c + 4 * ldc, c40, c41, loadC);
            Store(c + 5 * ldc, c50, c51, loadC);
            return;
        }

        // Edge tile: masked stores for ragged columns and only the valid rows, so C outside the
        // m×n view (which may be another tensor's memory) is never touched.
        Vector256<int> lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        Vector256<float> m0 = Avx2.CompareGreaterThan(Vector256.Create(cols), lane).AsSingle();
        Vector256<float> m1 = Avx2.CompareGreaterThan(Vector256.Create(cols - 8), lane).AsSingle();
        StoreMasked(c, c00, c01, m0, m1, loadC);
        if (rows > 1) StoreMasked(c + ldc, c10, c11, m0, m1, loadC);
        if (rows > 2) StoreMasked(c + 2 * ldc, c20, c21, m0, m1, loadC);
        if (rows > 3) StoreMasked(c + 3 * ldc, c30, c31, m0, m1, loadC);
        if (rows > 4) StoreMasked(c + 4 * ldc, c40, c41, m0, m1, loadC);
        if (rows > 5) StoreMasked(c + 5 * ldc, c50, c51, m0, m1, loadC);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreMasked(float* c, Vector256<float> v0, Vector256<float> v1, Vector256<float> m0, Vector256<float> m1, bool loadC)
    {
        // vmaskmov never faults on masked-off lanes, so reading past the row end is safe.
        if (loadC)
        {
            v0 = Avx.Add(v0, Avx.MaskLoad(c, m0));
            v1 = Avx.Add(v1, Avx.MaskLoad(c + 8, m1));
        }

        Avx.MaskStore(c, m0, v0);
        Avx.MaskStore(c + 8, m1, v1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector256<float> v0, Vector256<float> v1, bool loadC)
    {
        if (loadC)
        {
            v0 = Avx.Add(v0, Avx.LoadVector256(c));
            v1 = Avx.Add(v1, Avx.LoadVector256(c + 8));
        }

        Avx.Store(c, v0);
        Avx.Store(c + 8, v1);
    }
}
