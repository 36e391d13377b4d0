// Backward of CausalConv1d.Forward (depthwise causal conv over tokens, then SiLU), with pre = the conv output
// before SiLU (recomputed from x here, not stored by the forward) and src(t, k) the row tap k reads:
//   forward: src = t − (K−1) + k;  reverse: src = t + (K−1) − k   (rows outside [0, L) read as 0)
//   dpre[t,c] = du[t,c] · silu'(pre[t,c]),  silu'(p) = σ(p)·(1 + p·(1 − σ(p)))
//   dx[src(t,k), c] += w[c,k] · dpre[t,c];  dw[c,k] += Σ_{b,t} dpre[t,c] · x[src(t,k), c];  dbias[c] += Σ_{b,t} dpre[t,c]
// A task owns 8 channels over every batch and token, so the weight sums need no partials: results do not depend on
// the thread count.
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vim.Kernels.Cpu;

/// <summary>Gradients of Mamba's causal depthwise conv + SiLU.</summary>
public static unsafe class CausalConv1dGrad
{
    /// <summary>dx += ∂/∂x; dw, dbias += ∂/∂w, ∂/∂bias for the output gradient du; see the file header.</summary>
    /// <param name="batch">B.</param>
    /// <param name="length">L.</param>
    /// <param name="channels">E.</param>
    /// <param name="x">The forward's input, row stride <paramref name="ldx"/>, batch stride L·ldx.</param>
    /// <param name="ldx">Row stride of x.</param>
    /// <param name="weight">Weight (E, K).</param>
    /// <param name="kernelSize">K.</param>
    /// <param name="bias">Bias (E), or empty.</param>
    /// <param name="du">Gradient of u = silu(pre), (B, L, E) contiguous.</param>
    /// <param name="dx">Input gradient, same layout as x with row stride <paramref name="lddx"/>, accumulated.</param>
    /// <param name="lddx">Row stride of dx.</param>
    /// <param name="dWeight">Weight gradient (E, K), accumulated.</param>
    /// <param name="dBias">Bias gradient (E), accumulated; empty when there is no bias.</param>
    /// <param name="reverse">The forward ran on the reversed sequence.</param>
    public static void Backward(int batch, int length, int channels, ReadOnlySpan<float> x, int ldx, ReadOnlySpan<float> weight, int kernelSize,
        ReadOnlySpan<float> bias, ReadOnlySpan<float> du, Span<float> dx, int lddx, Span<float> dWeight, Span<float> dBias, bool reverse)
    {
        const string Name = "CausalConv1dGrad.Backward";
        Guard.NonNegative(Name, nameof(batch), batch);
        Guard.NonNegative(Name, nameof(length), length);
        Guard.Positive(Name, nameof(channels), channels);
        Guard.Positive(Name, nameof(kernelSize), kernelSize);
        string shape = $"(B={batch}, L={length}, E={channels})";
        Guard.Matrix(Name, nameof(x), x.Length, batch * length, channels, ldx);
        Guard.Matrix(Name, nameof(dx), dx.Length, batch * length, channels, lddx);
        Guard.AtLeast(Name, nameof(du), du.Length, (long)batch * length * channels, shape);
        Guard.Exactly(Name, nameof(weight), weight.Length, (long)channels * kernelSize, $"(E={channels}, K={kernelSize})");
        Guard.Exactly(Name, nameof(dWeight), dWeight.Length, (long)channels * kernelSize, $"(E={channels}, K={kernelSize})");
        Guard.OptionalExactly(Name, nameof(bias), bias.Length, channels, $"E={channels}");
        Guard.OptionalExactly(Name, nameof(dBias), dBias.Length, channels, $"E={channels}");
        if (batch == 0 || length == 0)
        {
            return;
        }

        fixed (float* px = x)
        fixed (float* pw = weight)
        fixed (float* pb = bias)
        fixed (float* pdu = du)
        fixed (float* pdx = dx)
        fixed (float* pdw = dWeight)
        fixed (float* pdb = dBias)
        {
            var a = new Args
            {
                Batch = batch, Length = length, Channels = channels, K = kernelSize, Ldx = ldx, Lddx = lddx, Reverse = reverse,
                X = px, W = pw, Bias = pb, Du = pdu, Dx = pdx, DW = pdw, DBias = pdb,
            };
            int groups = Simd.IsAvailable ? channels / 8 : 0;
            int tasks = groups + (channels > groups * 8 ? 1 : 0);
            KernelThreading.For(tasks, (long)batch * length * channels >= 1 << 15, task =>
            {
                if (task < groups)
                {
                    Group8(a, task * 8);
                }
                else
                {
                    for (int c = groups * 8; c < a.Channels; c++)
                    {
                        Channel(a, c);
                    }
                }
            });
        }
    }

    private struct Args
    {
        public int Batch, Length, Channels, K, Ldx, Lddx;
        public bool Reverse;
        public float* X, W, Bias, Du, Dx, DW, DBias;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Source(in Args a, int t, int k) => a.Reverse ? t + (a.K - 1) - k : t - (a.K - 1) + k;

    /// <summary>Eight channels c0..c0+7 over every batch and token.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Group8(in Args a, int c0)
    {
        int l = a.Length, kk = a.K, e = a.Channels;
        float[] buffer = ArrayPool<float>.Shared.Rent(l * 8 + kk * 16 + 16);
        try
        {
            fixed (float* pbuf = buffer)
            {
                float* dpre = pbuf;
                float* w = dpre + l * 8;        // w[k·8 + lane]
                float* dw = w + kk * 8;         // running Σ for the weight, per tap
                for (int k = 0; k < kk; k++)
                {
                    for (int lane = 0; lane < 8; lane++)
                    {
                        w[k * 8 + lane] = a.W[(c0 + lane) * kk + k];
                    }

                    Avx.Store(dw + k * 8, Vector256<float>.Zero);
                }

                Vector256<float> vb = a.Bias != null ? Avx.LoadVector256(a.Bias + c0) : Vector256<float>.Zero;
                Vector256<float> db = Vector256<float>.Zero;
                Vector256<float> one = Vector256.Create(1f);
                for (int b = 0; b < a.Batch; b++)
                {
                    float* xb = a.X + (long)b * l * a.Ldx + c0;
                    float* dxb = a.Dx + (long)b * l * a.Lddx + c0;
                    float* dub = a.Du + (long)b * l * e + c0;
                    for (int t = 0; t < l; t++)
                    {
                        Vector256<float> pre = vb;
                        for (int k = 0; k < kk; k++)
                        {
                            int src = Source(a, t, k);
                            if ((uint)src < (uint)l)
                            {
                                pre = Fma.MultiplyAdd(Avx.LoadVector256(w + k * 8), Avx.LoadVector256(xb + (long)src * a.Ldx), pre);
                            }
                        }

                        Vector256<float> s = VecMath.Sigmoid(pre);
                        Vector256<float> slope = Avx.Multiply(s, Fma.MultiplyAdd(pre, Avx.Subtract(one, s), one));
                        Vector256<float> g = Avx.Multiply(Avx.LoadVector256(dub + (long)t * e), slope);
                        Avx.Store(dpre + t * 8, g);
                        db = Avx.Add(db, g);
                        for (int k = 0; k < kk; k++)
                        {
                            int src = Source(a, t, k);
                            if ((uint)src < (uint)l)
                            {
                                Avx.Store(dw + k * 8, Fma.MultiplyAdd(g, Avx.LoadVector256(xb + (long)src * a.Ldx), Avx.LoadVector256(dw + k * 8)));
                            }
                        }
                    }

                    // dx[s] += Σ_k w[k] · dpre[t] over the taps whose row is s: t = s + (K−1) − k (forward) or s − (K−1) + k (reverse).
                    for (int s = 0; s < l; s++)
                    {
                        Vector256<float> acc = Avx.LoadVector256(dxb + (long)s * a.Lddx);
                        for (int k = 0; k < kk; k++)
                        {
                            int t = a.Reverse ? s - (kk - 1) + k : s + (kk - 1) - k;
                            if ((uint)t < (uint)l)
                            {
                                acc = Fma.MultiplyAdd(Avx.LoadVector256(w + k * 8), Avx.LoadVector256(dpre + t * 8), acc);
                            }
                        }

                        Avx.Store(dxb + (long)s * a.Lddx, acc);
                    }
                }

                for (int lane = 0; lane < 8; lane++)
                {
                    for (int k = 0; k < kk; k++)
                    {
                        a.DW[(c0 + lane) * kk + k] += dw[k * 8 + lane];
                    }
                }

                if (a.DBias != null)
                {
                    Avx.Store(a.DBias + c0, Avx.Add(Avx.LoadVector256(a.DBias + c0), db));
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>One channel in scalar code: the ragged tail and the no-SIMD fallback.</summary>
    private static void Channel(in Args a, int c)
    {
        int l = a.Length, kk = a.K, e = a.Channels;
        float[] dpre = ArrayPool<float>.Shared.Rent(l);
        try
        {
            float* w = a.W + (long)c * kk;
            float db = 0f;
            Span<float> dw = stackalloc float[kk];
            dw.Clear();
            for (int b = 0; b < a.Batch; b++)
            {
                float* xb = a.X + (long)b * l * a.Ldx + c;
                float* dxb = a.Dx + (long)b * l * a.Lddx + c;
                float* dub = a.Du + (long)b * l * e + c;
                for (int t = 0; t < l; t++)
                {
                    float pre = a.Bias != null ? a.Bias[c] : 0f;
                    for (int k = 0; k < kk; k++)
                    {
                        int src = Source(a, t, k);
                        if ((uint)src < (uint)l)
                        {
                            pre = MathF.FusedMultiplyAdd(w[k], xb[(long)src * a.Ldx], pre);
                        }
                    }

                    float s = ScalarMath.Sigmoid(pre);
                    float g = dub[(long)t * e] * s * (1f + pre * (1f - s));
                    dpre[t] = g;
                    db += g;
                    for (int k = 0; k < kk; k++)
                    {
                        int src = Source(a, t, k);
                        if ((uint)src < (uint)l)
                        {
                            dw[k] += g * xb[(long)src * a.Ldx];
                        }
                    }
                }

                for (int s = 0; s < l; s++)
                {
                    float acc = 0f;
                    for (int k = 0; k < kk; k++)
                    {
                        int t = a.Reverse ? s - (kk - 1) + k : s + (kk - 1) - k;
                        if ((uint)t < (uint)l)
                        {
                            acc += w[k] * dpre[t];
                        }
                    }

                    dxb[(long)s * a.Lddx] += acc;
                }
            }

            for (int k = 0; k < kk; k++)
            {
                a.DW[(long)c * kk + k] += dw[k];
            }

            if (a.DBias != null)
            {
                a.DBias[c] += db;
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(dpre);
        }
    }
}
