// SS2D's four-direction selective scan with the cross-scan and cross-merge folded into the indexing
// (VMamba spec §7.5–7.7). The map is (H, W) with L = H·W grid positions p = h·W + w. Direction k walks the
// positions in the order of its traversal: 0 row-major (p = l), 1 column-major (p = (l mod H)·W + l div H),
// 2 reversed row-major, 3 reversed column-major. Per batch b, direction k, channel d (c = k·D + d):
//   δ_l  = softplus(Δraw[b, p, c] + dtBias[c])
//   h_l  = exp(δ_l·A[c, :]) ⊙ h_{l−1} + δ_l · B_k[b, p, :] · u[b, p, d],    h_{−1} = 0
//   y    = ⟨C_k[b, p, :], h_l⟩ + Ds[c] · u[b, p, d]
//   out[b, p, d] += y                                    (the cross-merge: every direction adds at its own p)
// so no transposed or flipped copy of u, Δ, B, C or y is ever made. Layouts: u, out (B, L, D);
// Δraw (B, L, 4D); proj (B, L, 4·(R + 2N)) = x_proj output, B_k at column k·(R+2N) + R, C_k at + R + N.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vim.Kernels.Cpu;

/// <summary>The SS2D cross-scan: four selective scans over one 2-D map, merged in place.</summary>
public static unsafe class CrossScan
{
    private const int MaxStackState = 256;

    /// <summary>Position visited at step <paramref name="step"/> by traversal <paramref name="traversal"/> (see the file header).</summary>
    /// <param name="traversal">0 row-major, 1 column-major, 2 reversed row-major, 3 reversed column-major.</param>
    /// <param name="step">l in 0..L−1.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    public static int Position(int traversal, int step, int height, int width)
    {
        int l = traversal >= 2 ? height * width - 1 - step : step;
        return (traversal & 1) == 0 ? l : (l % height) * width + l / height;
    }

    /// <summary>Runs the four scans and writes their merged sum; see the file header.</summary>
    /// <param name="batch">B.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="channels">D (d_inner).</param>
    /// <param name="state">N.</param>
    /// <param name="dtRank">R.</param>
    /// <param name="u">(B, L, D).</param>
    /// <param name="proj">(B, L, 4·(R + 2N)).</param>
    /// <param name="deltaRaw">(B, L, 4D), before bias and softplus.</param>
    /// <param name="dtBias">(4D).</param>
    /// <param name="a">A = −exp(A_logs), (4D, N).</param>
    /// <param name="dSkip">Ds, (4D).</param>
    /// <param name="traversals">The traversal of each of the 4 directions (cross2d: 0, 1, 2, 3).</param>
    /// <param name="output">(B, L, D), overwritten.</param>
    public static void Forward(int batch, int height, int width, int channels, int state, int dtRank,
        ReadOnlySpan<float> u, ReadOnlySpan<float> proj, ReadOnlySpan<float> deltaRaw, ReadOnlySpan<float> dtBias,
        ReadOnlySpan<float> a, ReadOnlySpan<float> dSkip, ReadOnlySpan<int> traversals, Span<float> output)
    {
        const string Name = "CrossScan.Forward";
        Guard.NonNegative(Name, nameof(batch), batch);
        Guard.Positive(Name, nameof(height), height);
        Guard.Positive(Name, nameof(width), width);
        Guard.Positive(Name, nameof(channels), channels);
        Guard.Positive(Name, nameof(state), state);
        Guard.NonNegative(Name, nameof(dtRank), dtRank);
        if (state > MaxStackState) throw new ArgumentException($"{Name}: state size {state} exceeds the supported maximum {MaxStackState}.", nameof(state));
        if (traversals.Length != 4) throw new ArgumentException($"{Name}: expected 4 traversals, got {traversals.Length}.", nameof(traversals));
        int length = height * width, k4 = 4 * channels, projWidth = 4 * (dtRank + 2 * state);
        long rows = (long)batch * length;
        string shape = $"(B={batch}, L={length}, D={channels})";
        Guard.AtLeast(Name, nameof(u), u.Length, rows * channels, shape);
        Guard.AtLeast(Name, nameof(proj), proj.Length, rows * projWidth, $"(B={batch}, L={length}, 4(R+2N)={projWidth})");
        Guard.AtLeast(Name, nameof(deltaRaw), deltaRaw.Length, rows * k4, $"(B={batch}, L={length}, 4D={k4})");
        Guard.Exactly(Name, nameof(dtBias), dtBias.Length, k4, $"4D={k4}");
        Guard.Exactly(Name, nameof(a), a.Length, (long)k4 * state, $"(4D={k4}, N={state})");
        Guard.Exactly(Name, nameof(dSkip), dSkip.Length, k4, $"4D={k4}");
        Guard.AtLeast(Name, nameof(output), output.Length, rows * channels, shape);
        if (rows == 0) return;

        // One position table per direction: (4, L).
        var positions = new int[4 * length];
        for (int k = 0; k < 4; k++)
        {
            if ((uint)traversals[k] > 3) throw new ArgumentException($"{Name}: traversal {traversals[k]} is not 0..3.", nameof(traversals));
            for (int l = 0; l < length; l++) positions[k * length + l] = Position(traversals[k], l, height, width);
        }

        fixed (float* pu = u)
        fixed (float* pp = proj)
        fixed (float* pdt = deltaRaw)
        fixed (float* pdb = dtBias)
        fixed (float* pa = a)
        fixed (float* pd = dSkip)
        fixed (float* po = output)
        fixed (int* ppos = positions)
        {
            var args = new Args
            {
                Length = length, Channels = channels, State = state, DtRank = dtRank, ProjWidth = projWidth,
                U = pu, Proj = pp, DeltaRaw = pdt, DtBias = pdb, A = pa, DSkip = pd, Output = po, Positions = ppos,
            };
            int vectorGroups = Simd.IsAvailable ? channels / 8 : 0;
            int tail = channels - vectorGroups * 8;
            int tasksPerBatch = vectorGroups + (tail > 0 ? 1 : 0);
            bool parallel = rows * channels * state * 4 >= 1 << 16;
            KernelThreading.For(batch * tasksPerBatch, parallel, task =>
            {
                int bi = task / tasksPerBatch, g = task % tasksPerBatch;
                // The four directions of one channel group run one after another on the same thread, so
                // the merge into out[b, p, d..d+8] needs no synchronisation.
                for (int k = 0; k < 4; k++)
                {
                    if (g < vectorGroups) ScanGroup8(args, bi, k, g * 8);
                    else
                    {
                        for (int d = vectorGroups * 8; d < channels; d++) ScanChannel(args, bi, k, d);
                    }
                }
            });
        }
    }

    private struct Args
    {
        public int Length, Channels, State, DtRank, ProjWidth;
        public float* U, Proj, DeltaRaw, DtBias, A, DSkip, Output;
        public int* Positions;
    }

    private static void ScanGroup8(in Args s, int b, int k, int d0)
    {
        int n = s.State, e = s.Channels, c0 = k * e + d0;
        float* h = stackalloc float[n * 8];
        float* at = stackalloc float[n * 8];
        for (int j = 0; j < n; j++)
        {
            for (int lane = 0; lane < 8; lane++)
            {
                at[j * 8 + lane] = s.A[(c0 + lane) * n + j];
                h[j * 8 + lane] = 0f;
            }
        }
        Vector256<float> dtBias = Avx.LoadVector256(s.DtBias + c0);
        Vector256<float> dSkip = Avx.LoadVector256(s.DSkip + c0);
        int* pos = s.Positions + k * s.Length;
        long row0 = (long)b * s.Length;
        int bOffset = k * (s.DtRank + 2 * n) + s.DtRank;
        for (int l = 0; l < s.Length; l++)
        {
            long row = row0 + pos[l];
            Vector256<float> delta = VecMath.Softplus(Avx.Add(Avx.LoadVector256(s.DeltaRaw + row * 4 * e + c0), dtBias));
            Vector256<float> uv = Avx.LoadVector256(s.U + row * e + d0);
            Vector256<float> du = Avx.Multiply(delta, uv);
            float* brow = s.Proj + row * s.ProjWidth + bOffset;
            float* crow = brow + n;
            Vector256<float> y0 = Vector256<float>.Zero, y1 = Vector256<float>.Zero;
            int j = 0;
            for (; j + 1 < n; j += 2)
            {
                Vector256<float> dA0 = VecMath.Exp(Avx.Multiply(delta, Avx.LoadVector256(at + j * 8)));
                Vector256<float> dA1 = VecMath.Exp(Avx.Multiply(delta, Avx.LoadVector256(at + j * 8 + 8)));
                Vector256<float> h0 = Fma.MultiplyAdd(dA0, Avx.LoadVector256(h + j * 8), Avx.Multiply(du, Vector256.Create(brow[j])));
                Vector256<float> h1 = Fma.MultiplyAdd(dA1, Avx.LoadVector256(h + j * 8 + 8), Avx.Multiply(du, Vector256.Create(brow[j + 1])));
                Avx.Store(h + j * 8, h0);
                Avx.Store(h + j * 8 + 8, h1);
                y0 = Fma.MultiplyAdd(Vector256.Create(crow[j]), h0, y0);
                y1 = Fma.MultiplyAdd(Vector256.Create(crow[j + 1]), h1, y1);
            }
            if (j < n)
            {
                Vector256<float> dA0 = VecMath.Exp(Avx.Multiply(delta, Avx.LoadVector256(at + j * 8)));
                Vector256<float> h0 = Fma.MultiplyAdd(dA0, Avx.LoadVector256(h + j * 8), Avx.Multiply(du, Vector256.Create(brow[j])));
                Avx.Store(h + j * 8, h0);
                y0 = Fma.MultiplyAdd(Vector256.Create(crow[j]), h0, y0);
            }
            Vector256<float> y = Fma.MultiplyAdd(dSkip, uv, Avx.Add(y0, y1));
            float* o = s.Output + row * e + d0;
            Avx.Store(o, k == 0 ? y : Avx.Add(Avx.LoadVector256(o), y));
        }
    }

    private static void ScanChannel(in Args s, int b, int k, int d)
    {
        int n = s.State, e = s.Channels, c = k * e + d;
        float* h = stackalloc float[n];
        new Span<float>(h, n).Clear();
        float* arow = s.A + (long)c * n;
        float dtBias = s.DtBias[c], dSkip = s.DSkip[c];
        int* pos = s.Positions + k * s.Length;
        long row0 = (long)b * s.Length;
        int bOffset = k * (s.DtRank + 2 * n) + s.DtRank;
        for (int l = 0; l < s.Length; l++)
        {
            long row = row0 + pos[l];
            float delta = ScalarMath.Softplus(s.DeltaRaw[row * 4 * e + c] + dtBias);
            float uv = s.U[row * e + d];
            float du = delta * uv;
            float* brow = s.Proj + row * s.ProjWidth + bOffset;
            float* crow = brow + n;
            float y = 0f;
            for (int j = 0; j < n; j++)
            {
                h[j] = MathF.Exp(delta * arow[j]) * h[j] + du * brow[j];
                y += crow[j] * h[j];
            }
            y += dSkip * uv;
            float* o = s.Output + row * e + d;
            *o = k == 0 ? y : *o + y;
        }
    }
}
