// Backward of the row-wise RMSNorm / LayerNorm of Norms.cs, per row of D values with x̂ = (x − mean)·r,
// r = 1/sqrt(mean((x − mean)²) + eps) (mean = 0 for RMSNorm) and g = dy·w:
//   RMSNorm:   dx = r·(g − x̂·mean(g·x̂))
//   LayerNorm: dx = r·(g − mean(g) − x̂·mean(g·x̂))
//   dw += Σ_rows dy·x̂,  db += Σ_rows dy
// The statistics are recomputed from x exactly as the forward computes them (in double). Row blocks are fixed, and
// their dw/db partials are summed in block order, so the result does not depend on the thread count.
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vim.Kernels.Cpu;

/// <summary>Gradients of RMSNorm and LayerNorm.</summary>
public static unsafe class NormGrad
{
    private const int RowsPerTask = 32;

    /// <summary>dx (= or +=) ∂/∂x and dw, db += ∂/∂w, ∂/∂b of Σ dy·Norm(x); see the file header.</summary>
    /// <param name="rows">Number of rows.</param>
    /// <param name="width">D, row width.</param>
    /// <param name="x">The norm's input (rows × D).</param>
    /// <param name="weight">Norm weight (D).</param>
    /// <param name="eps">Epsilon of the forward.</param>
    /// <param name="layerNorm">LayerNorm (subtract the mean) rather than RMSNorm.</param>
    /// <param name="dy">Gradient of the norm's output (rows × D).</param>
    /// <param name="dx">Gradient of its input (rows × D); may not overlap dy unless it is dy itself.</param>
    /// <param name="accumulate">Add to dx instead of overwriting it.</param>
    /// <param name="dWeight">Weight gradient (D), accumulated.</param>
    /// <param name="dBias">Bias gradient (D), accumulated; empty when the norm has no bias.</param>
    public static void Backward(int rows, int width, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, bool layerNorm,
        ReadOnlySpan<float> dy, Span<float> dx, bool accumulate, Span<float> dWeight, Span<float> dBias)
    {
        const string Name = "NormGrad.Backward";
        Guard.NonNegative(Name, nameof(rows), rows);
        Guard.Positive(Name, nameof(width), width);
        string shape = $"(rows={rows}, D={width})";
        Guard.Exactly(Name, nameof(x), x.Length, (long)rows * width, shape);
        Guard.Exactly(Name, nameof(dy), dy.Length, (long)rows * width, shape);
        Guard.Exactly(Name, nameof(dx), dx.Length, (long)rows * width, shape);
        Guard.Exactly(Name, nameof(weight), weight.Length, width, $"D={width}");
        Guard.Exactly(Name, nameof(dWeight), dWeight.Length, width, $"D={width}");
        Guard.OptionalExactly(Name, nameof(dBias), dBias.Length, width, $"D={width}");
        if (rows == 0)
        {
            return;
        }

        int tasks = (rows + RowsPerTask - 1) / RowsPerTask;
        // Per task: Σ dy·x̂ and Σ dy, in double; pooled, as the backward pass calls this twice per block every step.
        int partialLength = tasks * 2 * width;
        double[] partial = ArrayPool<double>.Shared.Rent(partialLength);
        partial.AsSpan(0, partialLength).Clear();
        try
        {
            Reduce(rows, width, x, weight, eps, layerNorm, dy, dx, accumulate, dWeight, dBias, tasks, partial);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(partial);
        }
    }

    private static void Reduce(int rows, int width, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, bool layerNorm,
        ReadOnlySpan<float> dy, Span<float> dx, bool accumulate, Span<float> dWeight, Span<float> dBias, int tasks, double[] partial)
    {
        fixed (float* px = x)
        fixed (float* pw = weight)
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        fixed (double* pp = partial)
        {
            nint xp = (nint)px, wp = (nint)pw, dyp = (nint)pdy, dxp = (nint)pdx, parts = (nint)pp;
            KernelThreading.For(tasks, (long)rows * width >= 1 << 14, task =>
            {
                double* dwSum = (double*)parts + (long)task * 2 * width;
                double* dbSum = dwSum + width;
                float* xhat = stackalloc float[width];
                int r1 = Math.Min(rows, (task + 1) * RowsPerTask);
                for (int r = task * RowsPerTask; r < r1; r++)
                {
                    long off = (long)r * width;
                    Row((float*)xp + off, (float*)wp, (float*)dyp + off, (float*)dxp + off, width, eps, layerNorm, accumulate, xhat, dwSum, dbSum);
                }
            });

            for (int j = 0; j < width; j++)
            {
                double w = 0, b = 0;
                for (int t = 0; t < tasks; t++)
                {
                    w += pp[(long)t * 2 * width + j];
                    b += pp[(long)t * 2 * width + width + j];
                }

                dWeight[j] = (float)(dWeight[j] + w);
                if (!dBias.IsEmpty)
                {
                    dBias[j] = (float)(dBias[j] + b);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row(float* x, float* w, float* dy, float* dx, int n, float eps, bool layerNorm, bool accumulate, float* xhat, double* dwSum, double* dbSum)
    {
        // The forward's statistics, to the bit: mean and mean square in double, then r rounded to float.
        double mean = 0;
        if (layerNorm)
        {
            for (int i = 0; i < n; i++)
            {
                mean += x[i];
            }

            mean /= n;
        }

        double meanSquare = 0;
        for (int i = 0; i < n; i++)
        {
            double d = x[i] - mean;
            meanSquare += d * d;
        }

        float inv = (float)(1.0 / Math.Sqrt(meanSquare / n + eps));
        float m = (float)mean;
        double sumG = 0, sumGX = 0;
        for (int i = 0; i < n; i++)
        {
            float xh = (x[i] - m) * inv;
            xhat[i] = xh;
            double g = (double)dy[i] * w[i];
            sumG += g;
            sumGX += g * xh;
            dwSum[i] += (double)dy[i] * xh;
            dbSum[i] += dy[i];
        }

        float meanG = layerNorm ? (float)(sumG / n) : 0f;
        float meanGX = (float)(sumGX / n);
        int j = 0;
        if (Simd.IsAvailable)
        {
            Vector256<float> vInv = Vector256.Create(inv), vG = Vector256.Create(meanG), vGX = Vector256.Create(meanGX);
            for (; j <= n - 8; j += 8)
            {
                Vector256<float> g = Avx.Multiply(Avx.LoadVector256(dy + j), Avx.LoadVector256(w + j));
                Vector256<float> v = Avx.Multiply(vInv, Fma.MultiplyAddNegated(Avx.LoadVector256(xhat + j), vGX, Avx.Subtract(g, vG)));
                Avx.Store(dx + j, accumulate ? Avx.Add(Avx.LoadVector256(dx + j), v) : v);
            }
        }

        for (; j < n; j++)
        {
            float v = inv * (dy[j] * w[j] - meanG - xhat[j] * meanGX);
            dx[j] = accumulate ? dx[j] + v : v;
        }
    }
}
