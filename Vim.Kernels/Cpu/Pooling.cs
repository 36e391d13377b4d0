// Pooling over tokens: mean and max of x (B, L, D) over L → (B, D). The mean is summed in double;
// max propagates NaN like torch.max.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vim.Kernels.Cpu;

/// <summary>Token pooling (mean / max over the sequence).</summary>
public static unsafe class Pooling
{
    /// <summary>output[b, d] = mean over t of x[b, t, d].</summary>
    /// <param name="batch">B.</param>
    /// <param name="length">L (≥ 1).</param>
    /// <param name="width">D.</param>
    /// <param name="x">Tokens (B, L, D).</param>
    /// <param name="output">Pooled (B, D).</param>
    public static void Mean(int batch, int length, int width, ReadOnlySpan<float> x, Span<float> output)
    {
        Check("Pooling.Mean", batch, length, width, x, output);
        var acc = new double[width];
        for (int b = 0; b < batch; b++)
        {
            Array.Clear(acc);
            ReadOnlySpan<float> xb = x.Slice(b * length * width, length * width);
            for (int t = 0; t < length; t++)
            {
                ReadOnlySpan<float> row = xb.Slice(t * width, width);
                for (int d = 0; d < width; d++)
                {
                    acc[d] += row[d];
                }
            }

            Span<float> ob = output.Slice(b * width, width);
            for (int d = 0; d < width; d++)
            {
                ob[d] = (float)(acc[d] / length);
            }
        }
    }

    /// <summary>output[b, d] = max over t of x[b, t, d].</summary>
    /// <param name="batch">B.</param>
    /// <param name="length">L (≥ 1).</param>
    /// <param name="width">D.</param>
    /// <param name="x">Tokens (B, L, D).</param>
    /// <param name="output">Pooled (B, D).</param>
    public static void Max(int batch, int length, int width, ReadOnlySpan<float> x, Span<float> output)
    {
        Check("Pooling.Max", batch, length, width, x, output);
        fixed (float* px = x)
        fixed (float* po = output)
        {
            for (int b = 0; b < batch; b++)
            {
                float* xb = px + (long)b * length * width;
                float* ob = po + (long)b * width;
                Buffer.MemoryCopy(xb, ob, width * sizeof(float), width * sizeof(float));
                for (int t = 1; t < length; t++)
                {
                    float* row = xb + (long)t * width;
                    int d = 0;
                    if (Simd.IsAvailable)
                    {
                        for (; d <= width - 8; d += 8)
                        {
                            Vector256<float> v = Avx.LoadVector256(row + d);
                            // maxps returns its second operand on NaN: keeps a NaN already in acc,
                            // and the blend brings in a NaN arriving from v.
                            Vector256<float> m = Avx.Max(v, Avx.LoadVector256(ob + d));
                            Avx.Store(ob + d, Avx.BlendVariable(m, v, Avx.CompareUnordered(v, v)));
                        }
                    }

                    for (; d < width; d++)
                    {
                        float v = row[d];
                        if (float.IsNaN(v) || v > ob[d])
                        {
                            ob[d] = float.IsNaN(ob[d]) ? ob[d] : v;
                        }
                    }
                }
            }
        }
    }

    private static void Check(string name, int batch, int length, int width, ReadOnlySpan<float> x, Span<float> output)
    {
        Guard.NonNegative(name, nameof(batch), batch);
        Guard.Positive(name, nameof(length), length);
        Guard.Positive(name, nameof(width), width);
        Guard.Exactly(name, nameof(x), x.Length, (long)batch * length * width, $"(B={batch}, L={length}, D={width})");
        Guard.Exactly(name, nameof(output), output.Length, (long)batch * width, $"(B={batch}, D={width})");
    }
}
