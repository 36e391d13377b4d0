// Depthwise causal conv1d over tokens followed by SiLU. x: (B, L, ·) with row stride ldx and batch
// stride L·ldx (the first E columns of the (B, L, 2E) in_proj output); weight (E, K); bias (E) or
// empty; output u: (B, L, E) contiguous.
//   forward: u[t,c] = silu(bias[c] + Σ_k w[c,k] · x[t−(K−1)+k, c])
//   reverse: u[t,c] = silu(bias[c] + Σ_k w[c,k] · x[t+(K−1)−k, c])  (the conv of the token-flipped
//            sequence, stored back at original positions), x outside [0, L) reads as 0.
using System.Buffers;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

using System.Runtime.CompilerServices;

namespace Vim.Kernels.Cpu;

/// <summary>Mamba's causal depthwise convolution + SiLU, forward or on the reversed sequence.</summary>
public static unsafe class CausalConv1d
{
    // 197 tokens make 13 tasks, which two threads share 7 : 6 (with 32 tokens, 7 tasks shared 4 : 3).
    private const int TokensPerTask = 16;

    /// <summary>Computes u = silu(causal_conv1d(x)) per channel; see the file header for the exact indices.</summary>
    /// <param name="batch">B.</param>
    /// <param name="length">L, tokens per sequence.</param>
    /// <param name="channels">E, channels (the conv is depthwise).</param>
    /// <param name="x">Input rows of at least E values, row stride <paramref name="ldx"/>, batch stride L·ldx.</param>
    /// <param name="ldx">Row stride of x (≥ E).</param>
    /// <param name="weight">Weight (E, K), PyTorch's (E, 1, K) flattened.</param>
    /// <param name="kernelSize">K.</param>
    /// <param name="bias">Bias (E), or empty for none.</param>
    /// <param name="output">u, (B, L, E) contiguous.</param>
    /// <param name="reverse">Convolve the token-reversed sequence, storing at original positions.</param>
    public static void Forward(int batch, int length, int channels, ReadOnlySpan<float> x, int ldx, ReadOnlySpan<float> weight, int kernelSize,
        ReadOnlySpan<float> bias, Span<float> output, bool reverse)
    {
        const string Name = "CausalConv1d.Forward";
        Guard.NonNegative(Name, nameof(batch), batch);
        Guard.NonNegative(Name, nameof(length), length);
        Guard.Positive(Name, nameof(channels), channels);
        Guard.Positive(Name, nameof(kernelSize), kernelSize);
        Guard.Matrix(Name, nameof(x), x.Length, batch * length, channels, ldx);
        Guard.Exactly(Name, nameof(weight), weight.Length, (long)channels * kernelSize, $"(E={channels}, K={kernelSize})");
        Guard.OptionalExactly(Name, nameof(bias), bias.Length, channels, $"E={channels}");
        Guard.AtLeast(Name, nameof(output), output.Length, (long)batch * length * channels, $"(B={batch}, L={length}, E={channels})");
        if (batch == 0 || length == 0)
        {
            return;
        }

        // Transposed weight (K, E) and a dense bias so a vector of 8 channels is one load.
        float[] wt = ArrayPool<float>.Shared.Rent(kernelSize * channels + channels);
        try
        {
            fixed (float* px = x)
            fixed (float* pw = wt)
            fixed (float* po = output)
            fixed (float* pwsrc = weight)
            fixed (float* pbias = bias)
            {
                for (int c = 0; c < channels; c++)
                {
                    for (int k = 0; k < kernelSize; k++)
                    {
                        pw[k * channels + c] = pwsrc[c * kernelSize + k];
                    }

                    pw[kernelSize * channels + c] = pbias != null ? pbias[c] : 0f;
                }

                nint xp = (nint)px, wp = (nint)pw, op = (nint)po;
                int chunks = (length + TokensPerTask - 1) / TokensPerTask;
                bool parallel = (long)batch * length * channels >= 1 << 16;
                int e = channels, kk = kernelSize, l = length;
                KernelThreading.For(batch * chunks, parallel, task =>
                {
                    int b = task / chunks;
                    int t0 = task % chunks * TokensPerTask;
                    int t1 = Math.Min(l, t0 + TokensPerTask);
                    float* xb = (float*)xp + (long)b * l * ldx;
                    float* ob = (float*)op + (long)b * l * e;
                    Range(xb, ldx, (float*)wp, kk, e, l, ob, t0, t1, reverse);
                });
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(wt);
        }
    }

    /// <summary>
    /// One token with K = 4, every tap inside the sequence: x0 is the token's own row and step the distance to
    /// the row one tap further back in the (possibly reversed) sequence, so tap k reads x0 + (3 − k)·step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interior4(float* x0, nint step, float* wt, float* bias, int channels, float* orow)
    {
        float* x1 = x0 + step, x2 = x1 + step, x3 = x2 + step;
        float* w0 = wt, w1 = wt + channels, w2 = w1 + channels, w3 = w2 + channels;
        for (int c = 0; c < channels; c += 8)
        {
            Vector256<float> acc = Fma.MultiplyAdd(Avx.LoadVector256(w0 + c), Avx.LoadVector256(x3 + c), Avx.LoadVector256(bias + c));
            acc = Fma.MultiplyAdd(Avx.LoadVector256(w1 + c), Avx.LoadVector256(x2 + c), acc);
            acc = Fma.MultiplyAdd(Avx.LoadVector256(w2 + c), Avx.LoadVector256(x1 + c), acc);
            acc = Fma.MultiplyAdd(Avx.LoadVector256(w3 + c), Avx.LoadVector256(x0 + c), acc);
            Avx.Store(orow + c, VecMath.Silu(acc));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Range(float* x, int ldx, float* wt, int kernelSize, int channels, int length, float* output, int t0, int t1, bool reverse)
    {
        float* bias = wt + kernelSize * channels;
        int vectorEnd = Simd.IsAvailable ? channels & ~7 : 0;
        for (int t = t0; t < t1; t++)
        {
            float* orow = output + (long)t * channels;
            // Mamba's d_conv = 4 away from the sequence ends: all four taps exist, so the taps are unrolled
            // with no bounds checks (this halves the kernel's time against the general loop below).
            bool interior = reverse ? t + 3 < length : t >= 3;
            if (kernelSize == 4 && interior && vectorEnd == channels)
            {
                Interior4(x + (long)t * ldx, reverse ? ldx : -ldx, wt, bias, channels, orow);
                continue;
            }

            for (int c = 0; c < vectorEnd; c += 8)
            {
                Vector256<float> acc = Avx.LoadVector256(bias + c);
                for (int k = 0; k < kernelSize; k++)
                {
                    int src = reverse ? t + (kernelSize - 1) - k : t - (kernelSize - 1) + k;
                    if ((uint)src < (uint)length)
                    {
                        acc = Fma.MultiplyAdd(Avx.LoadVector256(wt + k * channels + c), Avx.LoadVector256(x + (long)src * ldx + c), acc);
                    }
                }

                Avx.Store(orow + c, VecMath.Silu(acc));
            }

            for (int c = vectorEnd; c < channels; c++)
            {
                float acc = bias[c];
                for (int k = 0; k < kernelSize; k++)
                {
                    int src = reverse ? t + (kernelSize - 1) - k : t - (kernelSize - 1) + k;
                    if ((uint)src < (uint)length)
                    {
                        acc += wt[k * channels + c] * x[(long)src * ldx + c];
                    }
                }

                orow[c] = ScalarMath.Silu(acc);
            }
        }
    }
}
