// GEMM against a double-precision triple loop: many ragged shapes, strided A/C, bias, accumulate,
// NaN-poisoned outputs, untouched gaps between strided C rows, threading and k blocking.
using Vim.Kernels.Cpu;

namespace Vim.Kernels.Tests;

[Collection(GlobalThreadingCollection.Name)]
public class GemmTests
{
    private const float Sentinel = 12345f;

    private static double[] Reference(int m, int n, int k, float[] a, int lda, float[] b, int ldb, float[]? bias, float[]? c0, int ldc)
    {
        var r = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = bias is null ? 0 : bias[j];
                for (int p = 0; p < k; p++)
                {
                    s += (double)a[i * lda + p] * b[j * ldb + p];
                }

                r[i * n + j] = (c0 is null ? 0 : c0[i * ldc + j]) + s;
            }
        }

        return r;
    }

    private static void RunCase(int m, int n, int k, int lda, int ldb, int ldc, bool withBias, bool accumulate, bool packed, int seed)
    {
        float[] a = TestData.Random(Math.Max(1, (m - 1) * lda + k), seed);
        float[] b = TestData.Random((n - 1) * ldb + k, seed + 1);
        float[]? bias = withBias ? TestData.Random(n, seed + 2) : null;
        float[] c = new float[(m - 1) * ldc + n];
        Array.Fill(c, Sentinel);
        float[]? c0 = null;
        if (accumulate)
        {
            float[] init = TestData.Random(c.Length, seed + 3);
            for (int i = 0; i < m; i++)
            {
                init.AsSpan(i * ldc, n).CopyTo(c.AsSpan(i * ldc));
            }

            c0 = (float[])c.Clone();
        }
        else
        {
            for (int i = 0; i < m; i++)
            {
                c.AsSpan(i * ldc, n).Fill(float.NaN);
            }
        }

        double[] expected = Reference(m, n, k, a, lda, b, ldb, bias, c0, ldc);
        if (packed)
        {
            Gemm.Multiply(m, a, lda, Gemm.Pack(b, n, k, ldb), c, ldc, bias ?? [], accumulate);
        }
        else
        {
            Gemm.Multiply(m, n, k, a, lda, b, ldb, c, ldc, bias ?? [], accumulate);
        }

        string what = $"gemm m={m} n={n} k={k} lda={lda} ldc={ldc} bias={withBias} acc={accumulate}";
        Close.CheckStrided(expected, m, n, c, ldc, 2e-6 * (k + 1), 1e-5, what);
        for (int i = 0; i + 1 < m; i++)
        {
            for (int j = n; j < ldc; j++)
            {
                Assert.True(c[i * ldc + j] == Sentinel, $"{what}: gap element row {i} col {j} was overwritten");
            }
        }
    }

    [Fact]
    public void RaggedShapesMatchReference()
    {
        int[] ms = [1, 2, 3, 7, 8, 9, 17, 31, 33, 65, 130];
        int[] ns = [1, 3, 8, 15, 16, 17, 33, 44, 65];
        int[] ks = [1, 3, 12, 31, 64, 257];
        int seed = 0;
        foreach (int m in ms)
        {
            foreach (int n in ns)
            {
                foreach (int k in ks)
                {
                    seed++;
                    bool strided = seed % 3 == 0;
                    RunCase(m, n, k, strided ? k + 5 : k, strided ? k + 2 : k, strided ? n + 3 : n,
                        withBias: seed % 2 == 0, accumulate: seed % 5 < 2, packed: seed % 7 != 0, seed);
                }
            }
        }
    }

    [Theory]
    [InlineData(1, 10, 64)]
    [InlineData(197, 44, 384)]
    [InlineData(197, 192, 768)]
    [InlineData(8, 1000, 192)]
    [InlineData(200, 100, 600)]
    [InlineData(301, 768, 192)]
    public void ModelShapesMatchReference(int m, int n, int k)
    {
        RunCase(m, n, k, k, k, n, withBias: true, accumulate: false, packed: true, seed: m + n + k);
        RunCase(m, n, k, k + 1, k, n + 7, withBias: false, accumulate: true, packed: true, seed: m * n + k);
    }

    [Theory]
    [InlineData(5, 17, 9)]
    [InlineData(64, 33, 40)]
    public void PooledTransposedPackMatchesAnExplicitTranspose_AndIsUnusableOnceDisposed(int m, int rows, int cols)
    {
        // src is rows×cols (row stride cols + 2); C = A · src with A m×rows.
        int ld = cols + 2;
        float[] src = TestData.Random(rows * ld, 1), a = TestData.Random(m * rows, 2);
        var transposed = new float[cols * rows];
        for (int p = 0; p < rows; p++) for (int j = 0; j < cols; j++) transposed[j * rows + p] = src[p * ld + j];
        var expected = new float[m * cols];
        Gemm.Multiply(m, a, rows, Gemm.Pack(transposed, cols, rows, rows), expected, cols, [], accumulate: false);

        // Leave poisoned arrays in the pool, so the pooled pack starts from garbage.
        for (int i = 0; i < 3; i++)
        {
            var dirty = PinnedArrayPool.Shared.Rent(16 * ((cols + 15) / 16) * rows + 8);
            Array.Fill(dirty, float.NaN);
            PinnedArrayPool.Shared.Return(dirty);
        }

        var pooled = Gemm.PackTransposed(src, rows, cols, ld, pooled: true);
        var c = new float[m * cols];
        Gemm.Multiply(m, a, rows, pooled, c, cols, [], accumulate: false);
        Assert.Equal(expected, c);
        pooled.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Gemm.Multiply(m, a, rows, pooled, c, cols, [], accumulate: false));

        var kept = Gemm.PackTransposed(src, rows, cols, ld);
        kept.Dispose();
        Gemm.Multiply(m, a, rows, kept, c, cols, [], accumulate: false);
        Assert.Equal(expected, c);
    }

    [Fact]
    public void DtProjReadsStridedSliceOfXdbl()
    {
        // dt_proj: A = first R=12 columns of x_dbl rows of width 44.
        RunCase(197 * 2, 384, 12, 44, 12, 384, withBias: true, accumulate: false, packed: true, seed: 7);
    }

    [Theory]
    [InlineData(150, 70, 300, 2)]   // more rows than columns: row blocks spread over the threads
    [InlineData(197, 768, 192, 2)]  // in_proj at one image: whole column stripes per thread
    [InlineData(197, 768, 192, 3)]  // 48 panels over 3 threads
    [InlineData(40, 200, 64, 3)]    // 13 panels, a ragged last stripe
    [InlineData(8, 1000, 192, 2)]   // the classifier head
    public void SingleThreadMatchesMultiThread(int m, int n, int k, int threads)
    {
        float[] a = TestData.Random(m * k, 1), b = TestData.Random(n * k, 2), bias = TestData.Random(n, 3);
        var p = Gemm.Pack(b, n, k, k);
        float[] c1 = TestData.Poisoned(m * n), c2 = TestData.Poisoned(m * n);
        int saved = KernelThreading.MaxDegreeOfParallelism;
        try
        {
            KernelThreading.MaxDegreeOfParallelism = threads;
            Gemm.Multiply(m, a, k, p, c1, n, bias, false);
            KernelThreading.MaxDegreeOfParallelism = 1;
            Gemm.Multiply(m, a, k, p, c2, n, bias, false);
        }
        finally
        {
            KernelThreading.MaxDegreeOfParallelism = saved;
        }

        Assert.Equal(c2, c1);
    }

    [Fact]
    public void ScalarPathMatchesReference()
    {
        int m = 9, n = 17, k = 33;
        float[] a = TestData.Random(m * k, 4), b = TestData.Random(n * k, 5), bias = TestData.Random(n, 6);
        float[] c = TestData.Poisoned(m * n);
        Gemm.MultiplyScalar(m, n, k, a, k, Gemm.Pack(b, n, k, k), c, n, bias, false);
        Close.Check(Reference(m, n, k, a, k, b, k, bias, null, n), c, 1e-5, 1e-5, "scalar gemm");
    }

    [Fact]
    public void DegenerateSizes()
    {
        // k = 0: C = bias (or C += bias); m = 0: nothing is touched.
        var p = Gemm.Pack([], 3, 0, 0);
        float[] c = TestData.Poisoned(6);
        Gemm.Multiply(2, [], 0, p, c, 3, new float[] { 1, 2, 3 }, false);
        Assert.Equal(new float[] { 1, 2, 3, 1, 2, 3 }, c);
        Gemm.Multiply(2, [], 0, p, c, 3, new float[] { 1, 2, 3 }, true);
        Assert.Equal(new float[] { 2, 4, 6, 2, 4, 6 }, c);
        float[] untouched = [7f];
        Gemm.Multiply(0, [], 4, Gemm.Pack(new float[4], 1, 4, 4), untouched, 1, [], false);
        Assert.Equal(7f, untouched[0]);
    }

    [Fact]
    public void BadShapesThrowWithKernelName()
    {
        var p = Gemm.Pack(new float[6], 2, 3, 3);
        var ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(2, new float[5], 3, p, new float[4], 2, [], false));
        Assert.Contains("Gemm.Multiply", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(2, new float[6], 3, p, new float[4], 2, new float[3], false));
        Assert.Contains("bias", ex.Message);
    }
}
