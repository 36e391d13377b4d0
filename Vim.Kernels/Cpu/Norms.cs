// Row-wise normalisation over rows × D, optionally fused with the residual add of a Mamba block:
//   residual = h + residualIn (or h when residualIn is empty), written to residualOut;
//   RMSNorm:   normed = residual / sqrt(mean(residual²) + eps) · w
//   LayerNorm: normed = (residual − mean) / sqrt(var + eps) · w + b   (biased variance)
// Statistics are accumulated in double (two passes for LayerNorm) so they match a double reference.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vim.Kernels.Cpu;

/// <summary>RMSNorm / LayerNorm, plain or fused with the residual add.</summary>
public static unsafe class Norms
{
    // One image of vim_tiny (197 rows of 192) is 13 tasks, which two threads share 7 : 6; with blocks of 64 rows it was
    // 4 tasks (two of them 64 rows, the others 64 and 5), and it ran on one thread below 2^16 elements anyway.
    private const int RowsPerTask = 16;
    private const long ParallelElements = 1 << 14;

    /// <summary>residualOut = h + residualIn; normed = RMSNorm(residualOut)·w.</summary>
    /// <param name="rows">Number of rows (B·L).</param>
    /// <param name="width">D, row width.</param>
    /// <param name="h">Block output (rows × D).</param>
    /// <param name="residualIn">Incoming residual (rows × D), or empty when there is none (first layer).</param>
    /// <param name="residualOut">Updated residual (rows × D); may be the same memory as residualIn or h.</param>
    /// <param name="weight">Norm weight (D).</param>
    /// <param name="eps">Epsilon added to the mean square.</param>
    /// <param name="normed">Normalised output (rows × D); must not overlap residualOut.</param>
    public static void AddRmsNorm(int rows, int width, ReadOnlySpan<float> h, ReadOnlySpan<float> residualIn, Span<float> residualOut,
        ReadOnlySpan<float> weight, float eps, Span<float> normed)
    {
        const string Name = "Norms.AddRmsNorm";
        CheckAdd(Name, rows, width, h, residualIn, residualOut, normed);
        Guard.Exactly(Name, nameof(weight), weight.Length, width, $"D={width}");
        Run(rows, width, h, residualIn, residualOut, weight, [], eps, normed, layerNorm: false, writeResidual: true);
    }

    /// <summary>residualOut = h + residualIn; normed = LayerNorm(residualOut)·w + b.</summary>
    /// <param name="rows">Number of rows (B·L).</param>
    /// <param name="width">D, row width.</param>
    /// <param name="h">Block output (rows × D).</param>
    /// <param name="residualIn">Incoming residual (rows × D), or empty when there is none (first layer).</param>
    /// <param name="residualOut">Updated residual (rows × D); may be the same memory as residualIn or h.</param>
    /// <param name="weight">Norm weight (D).</param>
    /// <param name="bias">Norm bias (D), or empty for none.</param>
    /// <param name="eps">Epsilon added to the variance.</param>
    /// <param name="normed">Normalised output (rows × D); must not overlap residualOut.</param>
    public static void AddLayerNorm(int rows, int width, ReadOnlySpan<float> h, ReadOnlySpan<float> residualIn, Span<float> residualOut,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, float eps, Span<float> normed)
    {
        const string Name = "Norms.AddLayerNorm";
        CheckAdd(Name, rows, width, h, residualIn, residualOut, normed);
        Guard.Exactly(Name, nameof(weight), weight.Length, width, $"D={width}");
        Guard.OptionalExactly(Name, nameof(bias), bias.Length, width, $"D={width}");
        Run(rows, width, h, residualIn, residualOut, weight, bias, eps, normed, layerNorm: true, writeResidual: true);
    }

    /// <summary>output = RMSNorm(x)·w per row.</summary>
    /// <param name="rows">Number of rows.</param>
    /// <param name="width">D, row width.</param>
    /// <param name="x">Input (rows × D).</param>
    /// <param name="weight">Norm weight (D).</param>
    /// <param name="eps">Epsilon added to the mean square.</param>
    /// <param name="output">Output (rows × D); may be the same memory as x.</param>
    public static void RmsNorm(int rows, int width, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> output)
    {
        const string Name = "Norms.RmsNorm";
        CheckPlain(Name, rows, width, x, output);
        Guard.Exactly(Name, nameof(weight), weight.Length, width, $"D={width}");
        Run(rows, width, x, [], [], weight, [], eps, output, layerNorm: false, writeResidual: false);
    }

    /// <summary>output = LayerNorm(x)·w + b per row (biased variance).</summary>
    /// <param name="rows">Number of rows.</param>
    /// <param name="width">D, row width.</param>
    /// <param name="x">Input (rows × D).</param>
    /// <param name="weight">Norm weight (D).</param>
    /// <param name="bias">Norm bias (D), or empty for none.</param>
    /// <param name="eps">Epsilon added to the variance.</param>
    /// <param name="output">Output (rows × D); may be the same memory as x.</param>
    public static void LayerNorm(int rows, int width, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, float eps, Span<float> output)
    {
        const string Name = "Norms.LayerNorm";
        CheckPlain(Name, rows, width, x, output);
        Guard.Exactly(Name, nameof(weight), weight.Length, width, $"D={width}");
        Guard.OptionalExactly(Name, nameof(bias), bias.Length, width, $"D={width}");
        Run(rows, width, x, [], [], weight, bias, eps, output, layerNorm: true, writeResidual: false);
    }

    private static void CheckAdd(string name, int rows, int width, ReadOnlySpan<float> h, ReadOnlySpan<float> residualIn, Span<float> residualOut, Span<float> normed)
    {
        CheckPlain(name, rows, width, h, normed);
        string shape = $"(rows={rows}, D={width})";
        Guard.OptionalExactly(name, nameof(residualIn), residualIn.Length, (long)rows * width, shape);
        Guard.Exactly(name, nameof(residualOut), residualOut.Length, (long)rows * width, shape);
    }

    private static void CheckPlain(string name, int rows, int width, ReadOnlySpan<float> x, Span<float> output)
    {
        Guard.NonNegative(name, nameof(rows), rows);
        Guard.Positive(name, nameof(width), width);
        string shape = $"(rows={rows}, D={width})";
        Guard.Exactly(name, "input", x.Length, (long)rows * width, shape);
        Guard.Exactly(name, nameof(output), output.Length, (long)rows * width, shape);
    }

    private static void Run(int rows, int width, ReadOnlySpan<float> h, ReadOnlySpan<float> residualIn, Span<float> residualOut,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, float eps, Span<float> normed, bool layerNorm, bool writeResidual)
    {
        fixed (float* ph = h)
        fixed (float* pr = residualIn)
        fixed (float* pro = residualOut)
        fixed (float* pw = weight)
        fixed (float* pb = bias)
        fixed (float* pn = normed)
        {
            nint hp = (nint)ph, rp = (nint)pr, rop = (nint)pro, wp = (nint)pw, bp = (nint)pb, np = (nint)pn;
            int tasks = (rows + RowsPerTask - 1) / RowsPerTask;
            KernelThreading.For(tasks, (long)rows * width >= ParallelElements, task =>
            {
                int r1 = Math.Min(rows, (task + 1) * RowsPerTask);
                for (int r = task * RowsPerTask; r < r1; r++)
                {
                    long off = (long)r * width;
                    float* src = (float*)hp + off;
                    if (writeResidual)
                    {
                        // Residual first, then normalise from it: residualOut may alias h or residualIn.
                        float* dst = (float*)rop + off;
                        if (rp != 0)
                        {
                            AddRow(src, (float*)rp + off, dst, width);
                        }
                        else if (dst != src)
                        {
                            Buffer.MemoryCopy(src, dst, width * sizeof(float), width * sizeof(float));
                        }

                        src = dst;
                    }

                    NormRow(src, (float*)np + off, width, (float*)wp, (float*)bp, eps, layerNorm);
                }
            });
        }
    }

    private static void AddRow(float* a, float* b, float* o, int n)
    {
        int i = 0;
        if (Simd.IsAvailable)
        {
            for (; i <= n - 8; i += 8)
            {
                Avx.Store(o + i, Avx.Add(Avx.LoadVector256(a + i), Avx.LoadVector256(b + i)));
            }
        }

        for (; i < n; i++)
        {
            o[i] = a[i] + b[i];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void NormRow(float* x, float* o, int n, float* w, float* b, float eps, bool layerNorm)
    {
        double mean = layerNorm ? Sum(x, n, 0.0, squares: false) / n : 0.0;
        double meanSquare = Sum(x, n, mean, squares: true) / n;
        float inv = (float)(1.0 / Math.Sqrt(meanSquare + eps));
        float m = (float)mean;
        int i = 0;
        if (Simd.IsAvailable)
        {
            Vector256<float> vm = Vector256.Create(m), vi = Vector256.Create(inv);
            for (; i <= n - 8; i += 8)
            {
                Vector256<float> y = Avx.Multiply(Avx.Multiply(Avx.Subtract(Avx.LoadVector256(x + i), vm), vi), Avx.LoadVector256(w + i));
                if (b != null)
                {
                    y = Avx.Add(y, Avx.LoadVector256(b + i));
                }

                Avx.Store(o + i, y);
            }
        }

        for (; i < n; i++)
        {
            float y = (x[i] - m) * inv * w[i];
            o[i] = b != null ? y + b[i] : y;
        }
    }

    /// <summary>Σ x (or Σ (x − shift)² when <paramref name="squares"/>) in double, four lanes at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Sum(float* x, int n, double shift, bool squares)
    {
        int i = 0;
        double total = 0;
        if (Simd.IsAvailable)
        {
            Vector256<double> acc0 = Vector256<double>.Zero, acc1 = Vector256<double>.Zero, vs = Vector256.Create(shift);
            for (; i <= n - 8; i += 8)
            {
                Vector256<double> lo = Avx.Subtract(Avx.ConvertToVector256Double(Sse.LoadVector128(x + i)), vs);
                Vector256<double> hi = Avx.Subtract(Avx.ConvertToVector256Double(Sse.LoadVector128(x + i + 4)), vs);
                if (squares)
                {
                    acc0 = Fma.MultiplyAdd(lo, lo, acc0);
                    acc1 = Fma.MultiplyAdd(hi, hi, acc1);
                }
                else
                {
                    acc0 = Avx.Add(acc0, lo);
                    acc1 = Avx.Add(acc1, hi);
                }
            }

            total = Vector256.Sum(Avx.Add(acc0, acc1));
        }

        for (; i < n; i++)
        {
            double d = x[i] - shift;
            total += squares ? d * d : d;
        }

        return total;
    }
}
