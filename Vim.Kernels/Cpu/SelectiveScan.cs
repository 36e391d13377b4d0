// Mamba's selective scan, per batch b, channel c (E of them), state n (N of them), fp32 state:
//   delta[t,c] = softplus(dtRaw[t,c] + dtBias[c])   (or without softplus)
//   h_t[n]     = exp(delta·A[c,n]) · h_{t−1}[n] + delta · B[t,n] · u[t,c],   h_{−1} = 0
//   y[t,c]     = Σ_n C[t,n]·h_t[n] + D[c]·u[t,c];   y *= silu(z[t,c]) when z is given
//   out[t,c]   = (accumulate ? out[t,c] : 0) + scale·y[t,c]
// u, dtRaw, out: (B, L, E) contiguous. A: (E, N). B, C: N columns of rows spaced ldBC apart (slices of
// x_dbl (B, L, R+2N)). z: E columns of rows spaced ldz apart. reverse runs the recurrence from t = L−1
// down to 0 while reading and writing at the original positions. steps (≤ L) stops the scan after that many
// tokens in its direction (rows 0..steps−1, or L−steps..L−1 reversed): a last layer that reads a single row.
// The low-rank overload takes dt_proj's input instead of dtRaw: dtRaw[t,c] = Σ_r dtLow[t,r]·W[c,r] (Mamba's
// dt_proj without its bias), summed in r order with FMAs as the GEMM would, inside the scan's pre-pass.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

using System.Runtime.CompilerServices;

namespace Vim.Kernels.Cpu;

/// <summary>The selective-scan recurrence of Mamba, vectorised over 8 channels at a time.</summary>
public static unsafe class SelectiveScan
{
    private const int MaxStackState = 256;
    private const int MaxStackRank = 256;
    private const int StepsPerChunk = 64;

    // Two 8-channel groups per task: together they use whole 64-byte lines of every u/dt/z/out row.
    private const int GroupsPerTask = 2;

    /// <summary>Runs the scan for every (batch, channel); see the file header for the exact formula.</summary>
    /// <param name="batch">B.</param>
    /// <param name="length">L.</param>
    /// <param name="channels">E.</param>
    /// <param name="state">N.</param>
    /// <param name="u">Input u, (B, L, E) contiguous.</param>
    /// <param name="dtRaw">Raw step sizes before bias/softplus, (B, L, E) contiguous.</param>
    /// <param name="dtBias">Step-size bias (E), or empty.</param>
    /// <param name="softplus">Apply softplus (threshold 20) to dtRaw + dtBias.</param>
    /// <param name="a">A = −exp(A_log), (E, N).</param>
    /// <param name="b">B[t, n] at b[(batch·L + t)·ldBC + n].</param>
    /// <param name="c">C[t, n] at c[(batch·L + t)·ldBC + n].</param>
    /// <param name="ldBC">Row stride of B and C (≥ N).</param>
    /// <param name="dSkip">Skip weight D (E), or empty for none.</param>
    /// <param name="z">Gate z[t, e] at z[(batch·L + t)·ldz + e], or empty for no gate.</param>
    /// <param name="ldz">Row stride of z (ignored when z is empty).</param>
    /// <param name="output">Output, (B, L, E) contiguous.</param>
    /// <param name="scale">Multiplier applied to y before it is stored or added.</param>
    /// <param name="accumulate">Add to output instead of overwriting it.</param>
    /// <param name="reverse">Scan from the last token to the first.</param>
    /// <param name="steps">Tokens to scan, from the first in the scan's direction (all L when null): output rows past them are not written.</param>
    public static void Forward(int batch, int length, int channels, int state,
        ReadOnlySpan<float> u, ReadOnlySpan<float> dtRaw, ReadOnlySpan<float> dtBias, bool softplus,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, int ldBC,
        ReadOnlySpan<float> dSkip, ReadOnlySpan<float> z, int ldz,
        Span<float> output, float scale, bool accumulate, bool reverse, int? steps = null)
    {
        CheckShapes(batch, length, channels, state, u, dtBias, a, b, c, ldBC, dSkip, z, ldz, output);
        Guard.AtLeast("SelectiveScan.Forward", nameof(dtRaw), dtRaw.Length, (long)batch * length * channels, $"(B={batch}, L={length}, E={channels})");
        fixed (float* pdt = dtRaw)
        {
            Run(batch, length, channels, state, u, pdt, null, 0, null, 0, dtBias, softplus, a, b, c, ldBC, dSkip, z, ldz, output, scale, accumulate, reverse, Steps(length, steps));
        }
    }

    /// <summary>
    /// <see cref="Forward(int, int, int, int, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, bool, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, ReadOnlySpan{float}, ReadOnlySpan{float}, int, Span{float}, float, bool, bool, int?)"/>
    /// with dt_proj folded in: the raw step sizes are computed per token from dt_proj's low-rank input (the first R
    /// columns of x_dbl) and weight, in the pre-pass, so the (B, L, E) Δ tensor never exists.
    /// </summary>
    /// <param name="batch">B.</param>
    /// <param name="length">L.</param>
    /// <param name="channels">E.</param>
    /// <param name="state">N.</param>
    /// <param name="u">Input u, (B, L, E) contiguous.</param>
    /// <param name="dtLow">dt_proj input: dtLow[t, r] at dtLow[(batch·L + t)·ldDt + r], R columns.</param>
    /// <param name="ldDt">Row stride of dtLow (≥ R).</param>
    /// <param name="dtWeight">dt_proj weight (E, R), row-major as PyTorch stores it.</param>
    /// <param name="rank">R.</param>
    /// <param name="dtBias">Step-size bias (E), or empty.</param>
    /// <param name="softplus">Apply softplus (threshold 20) to the raw step + dtBias.</param>
    /// <param name="a">A = −exp(A_log), (E, N).</param>
    /// <param name="b">B[t, n] at b[(batch·L + t)·ldBC + n].</param>
    /// <param name="c">C[t, n] at c[(batch·L + t)·ldBC + n].</param>
    /// <param name="ldBC">Row stride of B and C (≥ N).</param>
    /// <param name="dSkip">Skip weight D (E), or empty for none.</param>
    /// <param name="z">Gate z[t, e] at z[(batch·L + t)·ldz + e], or empty for no gate.</param>
    /// <param name="ldz">Row stride of z (ignored when z is empty).</param>
    /// <param name="output">Output, (B, L, E) contiguous.</param>
    /// <param name="scale">Multiplier applied to y before it is stored or added.</param>
    /// <param name="accumulate">Add to output instead of overwriting it.</param>
    /// <param name="reverse">Scan from the last token to the first.</param>
    /// <param name="steps">Tokens to scan, from the first in the scan's direction (all L when null): output rows past them are not written.</param>
    public static void Forward(int batch, int length, int channels, int state,
        ReadOnlySpan<float> u, ReadOnlySpan<float> dtLow, int ldDt, ReadOnlySpan<float> dtWeight, int rank, ReadOnlySpan<float> dtBias, bool softplus,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, int ldBC,
        ReadOnlySpan<float> dSkip, ReadOnlySpan<float> z, int ldz,
        Span<float> output, float scale, bool accumulate, bool reverse, int? steps = null)
    {
        const string Name = "SelectiveScan.Forward";
        CheckShapes(batch, length, channels, state, u, dtBias, a, b, c, ldBC, dSkip, z, ldz, output);
        Guard.Positive(Name, nameof(rank), rank);
        if (rank > MaxStackRank)
        {
            throw new ArgumentException($"{Name}: dt rank {rank} exceeds the supported maximum {MaxStackRank}.", nameof(rank));
        }

        Guard.Matrix(Name, nameof(dtLow), dtLow.Length, batch * length, rank, ldDt);
        Guard.Exactly(Name, nameof(dtWeight), dtWeight.Length, (long)channels * rank, $"(E={channels}, R={rank})");
        fixed (float* plow = dtLow)
        fixed (float* pw = dtWeight)
        {
            Run(batch, length, channels, state, u, null, plow, ldDt, pw, rank, dtBias, softplus, a, b, c, ldBC, dSkip, z, ldz, output, scale, accumulate, reverse, Steps(length, steps));
        }
    }

    private static void CheckShapes(int batch, int length, int channels, int state, ReadOnlySpan<float> u, ReadOnlySpan<float> dtBias,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, int ldBC, ReadOnlySpan<float> dSkip, ReadOnlySpan<float> z, int ldz, Span<float> output)
    {
        const string Name = "SelectiveScan.Forward";
        Guard.NonNegative(Name, nameof(batch), batch);
        Guard.NonNegative(Name, nameof(length), length);
        Guard.Positive(Name, nameof(channels), channels);
        Guard.Positive(Name, nameof(state), state);
        if (state > MaxStackState)
        {
            throw new ArgumentException($"{Name}: state size {state} exceeds the supported maximum {MaxStackState}.", nameof(state));
        }

        long rows = (long)batch * length;
        string shape = $"(B={batch}, L={length}, E={channels})";
        Guard.AtLeast(Name, nameof(u), u.Length, rows * channels, shape);
        Guard.OptionalExactly(Name, nameof(dtBias), dtBias.Length, channels, $"E={channels}");
        Guard.Exactly(Name, nameof(a), a.Length, (long)channels * state, $"(E={channels}, N={state})");
        Guard.Matrix(Name, nameof(b), b.Length, (int)rows, state, ldBC);
        Guard.Matrix(Name, nameof(c), c.Length, (int)rows, state, ldBC);
        Guard.OptionalExactly(Name, nameof(dSkip), dSkip.Length, channels, $"E={channels}");
        if (!z.IsEmpty)
        {
            Guard.Matrix(Name, nameof(z), z.Length, (int)rows, channels, ldz);
        }

        Guard.AtLeast(Name, nameof(output), output.Length, rows * channels, shape);
    }

    private static int Steps(int length, int? steps)
    {
        if (steps is int t && (t < 0 || t > length))
        {
            throw new ArgumentOutOfRangeException(nameof(steps), $"SelectiveScan.Forward: steps {t} outside 0..L={length}.");
        }

        return steps ?? length;
    }

    private static void Run(int batch, int length, int channels, int state,
        ReadOnlySpan<float> u, float* pdt, float* plow, int ldDt, float* pdw, int rank, ReadOnlySpan<float> dtBias, bool softplus,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, int ldBC,
        ReadOnlySpan<float> dSkip, ReadOnlySpan<float> z, int ldz,
        Span<float> output, float scale, bool accumulate, bool reverse, int steps)
    {
        long rows = (long)batch * length;
        if (rows == 0)
        {
            return;
        }

        fixed (float* pu = u)
        fixed (float* pdb = dtBias)
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        fixed (float* pd = dSkip)
        fixed (float* pz = z)
        fixed (float* po = output)
        {
            var args = new ScanArgs
            {
                Length = length, Channels = channels, State = state, U = pu, DtRaw = pdt, DtLow = plow, LdDt = ldDt, DtWeight = pdw, Rank = rank,
                DtBias = pdb, Softplus = softplus,
                A = pa, B = pb, C = pc, LdBC = ldBC, DSkip = pd, Z = pz, Ldz = ldz, Output = po, Scale = scale,
                Accumulate = accumulate, Reverse = reverse, Steps = steps,
            };

            int vectorGroups = Simd.IsAvailable ? channels / 8 : 0;
            int tailChannels = channels - vectorGroups * 8;
            int blocks = (vectorGroups + GroupsPerTask - 1) / GroupsPerTask;
            int tasksPerBatch = blocks + (tailChannels > 0 ? 1 : 0);
            bool parallel = rows * channels * state >= 1 << 16;
            KernelThreading.For(batch * tasksPerBatch, parallel, task =>
            {
                int bi = task / tasksPerBatch, blk = task % tasksPerBatch;
                if (blk < blocks)
                {
                    int g0 = blk * GroupsPerTask;
                    ScanGroups(args, bi, g0 * 8, Math.Min(GroupsPerTask, vectorGroups - g0));
                }
                else
                {
                    for (int ch = vectorGroups * 8; ch < channels; ch++)
                    {
                        ScanChannel(args, bi, ch);
                    }
                }
            });
        }
    }

    private struct ScanArgs
    {
        public int Length, Steps, Channels, State, LdBC, Ldz, LdDt, Rank;
        public float* U, DtRaw, DtLow, DtWeight, DtBias, A, B, C, DSkip, Z, Output;
        public float Scale;
        public bool Softplus, Accumulate, Reverse;
    }

    /// <summary>
    /// One or two groups of eight adjacent channels of one sequence, in 64-token chunks (pre-pass,
    /// recurrence, post-pass). Every per-token load of u/dt/z/out is one vector and B/C values are
    /// broadcasts shared by the 8 lanes, so no horizontal sums are needed.
    /// </summary>
    // SkipLocalsInit: every buffer of the ~21 KB stack block is written before it is read, so it is not zeroed first.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void ScanGroups(in ScanArgs s, int batchIndex, int c0, int groups)
    {
        int n = s.State, e = s.Channels;
        // One stack block, cut into 32-byte aligned buffers: stackalloc alone aligns to 8 or 16 bytes, and then
        // every other vector load of h or A·log2 e straddles two cache lines.
        int stateFloats = GroupsPerTask * n * 8, chunkFloats = GroupsPerTask * StepsPerChunk * 8;
        int panelFloats = s.Rank * GemmKernel.Cols;
        float* block = stackalloc float[3 * stateFloats + n * 8 + 4 * chunkFloats + panelFloats + 8];
        float* h = (float*)(((nint)block + 31) & ~(nint)31);
        float* at = h + stateFloats;
        float* a2 = at + stateFloats;
        float* dA = a2 + stateFloats;
        float* deltas = dA + n * 8;
        float* dus = deltas + chunkFloats;
        float* ys = dus + chunkFloats;
        float* raw = ys + chunkFloats;
        float* dtPanel = raw + chunkFloats;
        Vector256<float>* stats = stackalloc Vector256<float>[3];
        // dt_proj's weight for these channels packed as a GEMM panel, (r, 16 columns), columns past the channels zero.
        if (groups * 8 < GemmKernel.Cols)
        {
            new Span<float>(dtPanel, panelFloats).Clear();
        }

        for (int col = 0; col < groups * 8; col++)
        {
            float* wrow = s.DtWeight + (long)(c0 + col) * s.Rank;
            for (int r = 0; r < s.Rank; r++)
            {
                dtPanel[r * GemmKernel.Cols + col] = wrow[r];
            }
        }

        // exp(Δ·A) = 2^(Δ·A·log2 e) ≤ 1 when A ≤ 0 and Δ ≥ 0 (always so for Mamba: A = −exp(A_log), Δ from
        // softplus): then the cheaper Exp2NonPositive serves; other chunks take the any-sign exp.
        // Per lane, max_n |A·log2 e|: when max(Δ) times this is ≤ 126 for a chunk, Δ·A·log2 e ≥ −126 and the
        // exp needs no clamp. The tables are filled row by row of A, then checked a vector at a time: one loop doing
        // both per element carried the running maximum through memory and took ≈ 45 µs of a 590 µs scan.
        Vector256<float> aMax0 = Vector256<float>.Zero, aMax1 = Vector256<float>.Zero;
        Vector256<float> nonPositive = Vector256<float>.AllBitsSet;
        for (int g = 0; g < groups; g++)
        {
            float* atg = at + g * n * 8, a2g = a2 + g * n * 8;
            for (int lane = 0; lane < 8; lane++)
            {
                float* arow = s.A + (long)(c0 + g * 8 + lane) * n;
                for (int j = 0; j < n; j++)
                {
                    atg[j * 8 + lane] = arow[j];
                    a2g[j * 8 + lane] = (float)(arow[j] * 1.4426950408889634);
                }
            }

            Vector256<float> aMax = Vector256<float>.Zero;
            for (int j = 0; j < n; j++)
            {
                nonPositive = Avx.And(nonPositive, Avx.CompareLessThanOrEqual(Avx.LoadVector256(atg + j * 8), Vector256<float>.Zero));
                aMax = Avx.Max(aMax, Avx.AndNot(Vector256.Create(-0f), Avx.LoadVector256(a2g + j * 8)));
                Avx.Store(h + (g * n + j) * 8, Vector256<float>.Zero);
            }

            if (g == 0)
            {
                aMax0 = aMax;
            }
            else
            {
                aMax1 = aMax;
            }
        }

        // NaN in A fails the comparison, so such a group never takes the fast path (where aMax's NaN handling would matter).
        bool aNonPositive = Avx.MoveMask(nonPositive) == 0xFF;

        Vector256<float> scale = Vector256.Create(s.Scale);
        long row0 = (long)batchIndex * s.Length;
        for (int chunk0 = 0; chunk0 < s.Steps; chunk0 += StepsPerChunk)
        {
            int chunkSteps = Math.Min(StepsPerChunk, s.Steps - chunk0);

            // Pre-pass: delta = softplus(dt + bias) and delta·u do not depend on the state. Computing them
            // for a chunk up front keeps their long exp/log/divide chains off the recurrence's critical
            // path, and moves every strided row access into loops whose iterations are independent, so
            // cache misses overlap. Both groups read the same 64-byte lines, one after the other.
            PrePass(s, row0, chunk0, chunkSteps, c0, groups, dtPanel, raw, deltas, dus, stats);
            Vector256<float> badDelta = stats[0], dMax0 = stats[1], dMax1 = stats[2];

            bool fast = aNonPositive && Avx.TestZ(badDelta, badDelta);
            // NaN (inf·0) counts as "may leave the range", like Δ = +inf.
            Vector256<float> outOfRange = Avx.Or(
                Avx.CompareNotLessThanOrEqual(Avx.Multiply(dMax0, aMax0), Vector256.Create(126f)),
                Avx.CompareNotLessThanOrEqual(Avx.Multiply(dMax1, aMax1), Vector256.Create(126f)));
            bool clamp = !Avx.TestZ(outOfRange, outOfRange);
            for (int g = 0; g < groups; g++)
            {
                float* hg = h + g * n * 8;
                float* dg = deltas + g * StepsPerChunk * 8, ug = dus + g * StepsPerChunk * 8, yg = ys + g * StepsPerChunk * 8;
                if (fast && !clamp)
                {
                    RecurrenceExp2(s, row0, chunk0, chunkSteps, hg, a2 + g * n * 8, dg, ug, yg, clamp: false);
                }
                else if (fast)
                {
                    RecurrenceExp2(s, row0, chunk0, chunkSteps, hg, a2 + g * n * 8, dg, ug, yg, clamp: true);
                }
                else
                {
                    RecurrenceAnySign(s, row0, chunk0, chunkSteps, hg, at + g * n * 8, dA, dg, ug, yg);
                }
            }

            // Post-pass: the gates silu(z) first, in a loop of their own (Δ's buffer is free by now), then the skip term,
            // gate, scale and the (accumulating) store; 1–2 % faster than the SiLU inside the second loop.
            float* gates = deltas;
            if (s.Z != null)
            {
                Gates(s, row0, chunk0, chunkSteps, c0, groups, gates);
            }

            Combine(s, row0, chunk0, chunkSteps, c0, groups, ys, s.Z != null ? gates : null, scale);
        }
    }

    /// <summary>
    /// The post-pass's second loop: out = (accumulate ? out : 0) + scale·((y + D·u)·gate) for the chunk's tokens, a
    /// group at a time (y and the gates in the pre-pass's layout: token i of group g at (g·StepsPerChunk + i)·8). Its
    /// own method with the options read once, so the per-token work is loads, two or three FMAs and a store.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Combine(in ScanArgs s, long row0, int chunk0, int chunkSteps, int c0, int groups, float* ys, float* gates, Vector256<float> scale)
    {
        int e = s.Channels;
        bool accumulate = s.Accumulate;
        float* u = s.U + c0, output = s.Output + c0;
        for (int g = 0; g < groups; g++)
        {
            Vector256<float> dSkip = s.DSkip != null ? Avx.LoadVector256(s.DSkip + c0 + g * 8) : Vector256<float>.Zero;
            float* yg = ys + g * StepsPerChunk * 8, gg = gates + g * StepsPerChunk * 8;
            for (int i = 0; i < chunkSteps; i++)
            {
                long at = Row(s, row0, chunk0 + i) * e + g * 8;
                Vector256<float> y = Fma.MultiplyAdd(dSkip, Avx.LoadVector256(u + at), Avx.LoadVector256(yg + i * 8));
                if (gates != null)
                {
                    y = Avx.Multiply(y, Avx.LoadVector256(gg + i * 8));
                }

                y = accumulate ? Fma.MultiplyAdd(scale, y, Avx.LoadVector256(output + at)) : Avx.Multiply(scale, y);
                Avx.Store(output + at, y);
            }
        }
    }

    /// <summary>silu(z) for the chunk's tokens, gates[(g·StepsPerChunk + i)·8 + lane], both groups per token.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Gates(in ScanArgs s, long row0, int chunk0, int chunkSteps, int c0, int groups, float* gates)
    {
        if (groups == 2)
        {
            float* g1 = gates + StepsPerChunk * 8;
            for (int i = 0; i < chunkSteps; i++)
            {
                float* z = s.Z + Row(s, row0, chunk0 + i) * s.Ldz + c0;
                Avx.Store(gates + i * 8, VecMath.Silu(Avx.LoadVector256(z)));
                Avx.Store(g1 + i * 8, VecMath.Silu(Avx.LoadVector256(z + 8)));
            }
        }
        else
        {
            for (int i = 0; i < chunkSteps; i++)
            {
                Avx.Store(gates + i * 8, VecMath.Silu(Avx.LoadVector256(s.Z + Row(s, row0, chunk0 + i) * s.Ldz + c0)));
            }
        }
    }

    /// <summary>Pre-pass of one chunk (see <see cref="ScanGroups"/>); stats gets [Δ&lt;0-or-NaN mask, max Δ group 0, max Δ group 1].</summary>
    /// <remarks>
    /// Two loops, each free of long dependency chains: the raw steps first, then bias, softplus and Δ·u token by
    /// token, both groups in one iteration (two independent softplus chains; 1–2 % faster than a loop per group).
    /// One loop doing both ran at the latency of dt_proj's 12-FMA chain plus the softplus chain, because too few of
    /// those long iterations fit in the out-of-order window: 285–360 µs against 170–200 µs per direction for one
    /// vim_tiny image. The raw steps are dt_proj as GEMM register tiles (6 tokens × 16 channels per k step: 12 FMAs
    /// per 8 loads, against 4 per 5 summing four tokens of 8 channels), in the same r order, so Δ is unchanged.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void PrePass(in ScanArgs s, long row0, int chunk0, int chunkSteps, int c0, int groups, float* dtPanel, float* raw,
        float* deltas, float* dus, Vector256<float>* stats)
    {
        int e = s.Channels;
        for (int i = 0; i < chunkSteps; i++)
        {
            Prefetch(s, row0, chunk0, i, c0, groups);
        }

        // raw[i·16 + column]: token i's raw steps, both groups side by side.
        if (s.Rank > 0)
        {
            // Reverse runs read the rows downwards: a negative row stride.
            nint ld = s.Reverse ? -(nint)s.LdDt : s.LdDt;
            for (int i = 0; i < chunkSteps; i += GemmKernel.Rows)
            {
                GemmKernel.Tile(s.DtLow + Row(s, row0, chunk0 + i) * s.LdDt, ld, dtPanel, s.Rank, raw + i * GemmKernel.Cols, GemmKernel.Cols,
                    Math.Min(GemmKernel.Rows, chunkSteps - i), groups * 8, loadC: false, bias: null);
            }
        }
        else
        {
            for (int i = 0; i < chunkSteps; i++)
            {
                float* src = s.DtRaw + Row(s, row0, chunk0 + i) * e + c0;
                for (int g = 0; g < groups; g++)
                {
                    Avx.Store(raw + i * GemmKernel.Cols + g * 8, Avx.LoadVector256(src + g * 8));
                }
            }
        }

        Vector256<float> badDelta = Vector256<float>.Zero, dMax0 = Vector256<float>.Zero, dMax1 = Vector256<float>.Zero;
        if (groups == 2)
        {
            Vector256<float> bias0 = s.DtBias != null ? Avx.LoadVector256(s.DtBias + c0) : Vector256<float>.Zero;
            Vector256<float> bias1 = s.DtBias != null ? Avx.LoadVector256(s.DtBias + c0 + 8) : Vector256<float>.Zero;
            float* d1 = deltas + StepsPerChunk * 8, u1 = dus + StepsPerChunk * 8;
            for (int i = 0; i < chunkSteps; i++)
            {
                float* urow = s.U + Row(s, row0, chunk0 + i) * e + c0;
                Vector256<float> a = Avx.Add(Avx.LoadVector256(raw + i * GemmKernel.Cols), bias0);
                Vector256<float> b = Avx.Add(Avx.LoadVector256(raw + i * GemmKernel.Cols + 8), bias1);
                a = s.Softplus ? VecMath.SoftplusOneDivide(a) : a;
                b = s.Softplus ? VecMath.SoftplusOneDivide(b) : b;
                badDelta = Avx.Or(badDelta, Avx.Or(Avx.CompareNotGreaterThanOrEqual(a, Vector256<float>.Zero), Avx.CompareNotGreaterThanOrEqual(b, Vector256<float>.Zero)));
                dMax0 = Avx.Max(dMax0, a);
                dMax1 = Avx.Max(dMax1, b);
                Avx.Store(deltas + i * 8, a);
                Avx.Store(d1 + i * 8, b);
                Avx.Store(dus + i * 8, Avx.Multiply(a, Avx.LoadVector256(urow)));
                Avx.Store(u1 + i * 8, Avx.Multiply(b, Avx.LoadVector256(urow + 8)));
            }
        }
        else
        {
            Vector256<float> bias0 = s.DtBias != null ? Avx.LoadVector256(s.DtBias + c0) : Vector256<float>.Zero;
            for (int i = 0; i < chunkSteps; i++)
            {
                Vector256<float> a = Avx.Add(Avx.LoadVector256(raw + i * GemmKernel.Cols), bias0);
                a = s.Softplus ? VecMath.SoftplusOneDivide(a) : a;
                badDelta = Avx.Or(badDelta, Avx.CompareNotGreaterThanOrEqual(a, Vector256<float>.Zero));
                dMax0 = Avx.Max(dMax0, a);
                Avx.Store(deltas + i * 8, a);
                Avx.Store(dus + i * 8, Avx.Multiply(a, Avx.LoadVector256(s.U + Row(s, row0, chunk0 + i) * e + c0)));
            }
        }

        stats[0] = badDelta;
        stats[1] = dMax0;
        stats[2] = dMax1;
    }

    // The recurrence loops are separate (non-inlined, called once per chunk and group) so that the JIT
    // allocates registers for each loop alone: inlined into ScanGroups, the exp constants ended up as
    // memory operands (one extra load each per update) once the pre-pass grew.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void RecurrenceExp2(in ScanArgs s, long row0, int chunk0, int chunkSteps, float* h, float* a2, float* deltas, float* dus, float* ys, bool clamp)
    {
        if (clamp)
        {
            for (int i = 0; i < chunkSteps; i++)
            {
                Avx.Store(ys + i * 8, ScanStepExp2(s, Row(s, row0, chunk0 + i), h, a2, Avx.LoadVector256(deltas + i * 8), Avx.LoadVector256(dus + i * 8), clamp: true));
            }
        }
        else if (s.State == 16)
        {
            // Mamba's usual N: the 16 states fully unrolled (constant offsets, no inner loop).
            for (int i = 0; i < chunkSteps; i++)
            {
                long row = Row(s, row0, chunk0 + i);
                float* brow = s.B + row * s.LdBC;
                float* crow = s.C + row * s.LdBC;
                Vector256<float> delta = Avx.LoadVector256(deltas + i * 8), du = Avx.LoadVector256(dus + i * 8);
                Vector256<float> y0 = Vector256<float>.Zero, y1 = Vector256<float>.Zero;
                Quad(h, a2, brow, crow, delta, du, 0, ref y0, ref y1);
                Quad(h, a2, brow, crow, delta, du, 4, ref y0, ref y1);
                Quad(h, a2, brow, crow, delta, du, 8, ref y0, ref y1);
                Quad(h, a2, brow, crow, delta, du, 12, ref y0, ref y1);
                Avx.Store(ys + i * 8, Avx.Add(y0, y1));
            }
        }
        else
        {
            for (int i = 0; i < chunkSteps; i++)
            {
                Avx.Store(ys + i * 8, ScanStepExp2(s, Row(s, row0, chunk0 + i), h, a2, Avx.LoadVector256(deltas + i * 8), Avx.LoadVector256(dus + i * 8), clamp: false));
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void RecurrenceAnySign(in ScanArgs s, long row0, int chunk0, int chunkSteps, float* h, float* at, float* dA, float* deltas, float* dus, float* ys)
    {
        for (int i = 0; i < chunkSteps; i++)
        {
            Avx.Store(ys + i * 8, ScanStep(s, Row(s, row0, chunk0 + i), h, at, dA, Avx.LoadVector256(deltas + i * 8), Avx.LoadVector256(dus + i * 8)));
        }
    }

    /// <summary>
    /// In the pre-pass, token i of a chunk: prefetch the u/dt rows that the next chunk's pre-pass reads and
    /// the z/out rows that this chunk's post-pass touches, so they arrive while the recurrence runs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(in ScanArgs s, long row0, int chunk0, int i, int c0, int groups)
    {
        int e = s.Channels, last = groups * 8 - 1;
        int next = chunk0 + StepsPerChunk + i;
        if (next < s.Steps)
        {
            long r = Row(s, row0, next);
            PrefetchSpan(s.U + r * e + c0, last);
            if (s.DtRaw != null)
            {
                PrefetchSpan(s.DtRaw + r * e + c0, last);
            }
        }

        long cur = Row(s, row0, chunk0 + i);
        if (s.Z != null)
        {
            PrefetchSpan(s.Z + cur * s.Ldz + c0, last);
        }

        PrefetchSpan(s.Output + cur * e + c0, last);
    }

    /// <summary>Prefetches the line(s) holding p[0..last]: one prefetch when they share a 64-byte line (half of all
    /// prefetches at vim_tiny's shapes, whose 16-channel stripes are line-aligned; they cost ≈ 4 % of a scan).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchSpan(float* p, int last)
    {
        Sse.Prefetch0(p);
        if (((nint)p >> 6) != ((nint)(p + last) >> 6))
        {
            Sse.Prefetch0(p + last);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Row(in ScanArgs s, long row0, int step) => row0 + (s.Reverse ? s.Length - 1 - step : step);

    /// <summary>
    /// One token of the recurrence for 8 channels when Δ·A ≤ 0: a2 holds A·log2 e, so dA = 2^(Δ·a2).
    /// Exp, update and readout are fused per state: the exps of different n are independent, and two
    /// partial sums of y keep the readout chain short without spilling (four spilled three of them).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ScanStepExp2(in ScanArgs s, long row, float* h, float* a2, Vector256<float> delta, Vector256<float> du, bool clamp)
    {
        int n = s.State;
        float* brow = s.B + row * s.LdBC;
        float* crow = s.C + row * s.LdBC;
        Vector256<float> y0 = Vector256<float>.Zero, y1 = Vector256<float>.Zero;
        int j = 0;
        for (; j + 3 < n; j += 4)
        {
            float* hj = h + j * 8;
            float* aj = a2 + j * 8;
            Vector256<float> h0 = Fma.MultiplyAdd(Exp2(clamp, Avx.Multiply(delta, Avx.LoadVector256(aj))), Avx.LoadVector256(hj), Avx.Multiply(du, Vector256.Create(brow[j])));
            Vector256<float> h1 = Fma.MultiplyAdd(Exp2(clamp, Avx.Multiply(delta, Avx.LoadVector256(aj + 8))), Avx.LoadVector256(hj + 8), Avx.Multiply(du, Vector256.Create(brow[j + 1])));
            Vector256<float> h2 = Fma.MultiplyAdd(Exp2(clamp, Avx.Multiply(delta, Avx.LoadVector256(aj + 16))), Avx.LoadVector256(hj + 16), Avx.Multiply(du, Vector256.Create(brow[j + 2])));
            Vector256<float> h3 = Fma.MultiplyAdd(Exp2(clamp, Avx.Multiply(delta, Avx.LoadVector256(aj + 24))), Avx.LoadVector256(hj + 24), Avx.Multiply(du, Vector256.Create(brow[j + 3])));
            Avx.Store(hj, h0);
            Avx.Store(hj + 8, h1);
            Avx.Store(hj + 16, h2);
            Avx.Store(hj + 24, h3);
            y0 = Fma.MultiplyAdd(Vector256.Create(crow[j]), h0, y0);
            y1 = Fma.MultiplyAdd(Vector256.Create(crow[j + 1]), h1, y1);
            y0 = Fma.MultiplyAdd(Vector256.Create(crow[j + 2]), h2, y0);
            y1 = Fma.MultiplyAdd(Vector256.Create(crow[j + 3]), h3, y1);
        }

        for (; j < n; j++)
        {
            Vector256<float> hv = Fma.MultiplyAdd(Exp2(clamp, Avx.Multiply(delta, Avx.LoadVector256(a2 + j * 8))), Avx.LoadVector256(h + j * 8), Avx.Multiply(du, Vector256.Create(brow[j])));
            Avx.Store(h + j * 8, hv);
            y0 = Fma.MultiplyAdd(Vector256.Create(crow[j]), hv, y0);
        }

        return Avx.Add(y0, y1);
    }

    /// <summary>States j…j+3 of one token on the no-clamp path (the body of <see cref="ScanStepExp2"/>'s loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quad(float* h, float* a2, float* brow, float* crow, Vector256<float> delta, Vector256<float> du, int j, ref Vector256<float> y0, ref Vector256<float> y1)
    {
        float* hj = h + j * 8;
        float* aj = a2 + j * 8;
        Vector256<float> h0 = Fma.MultiplyAdd(VecMath.Exp2InRange(Avx.Multiply(delta, Avx.LoadVector256(aj))), Avx.LoadVector256(hj), Avx.Multiply(du, Vector256.Create(brow[j])));
        Vector256<float> h1 = Fma.MultiplyAdd(VecMath.Exp2InRange(Avx.Multiply(delta, Avx.LoadVector256(aj + 8))), Avx.LoadVector256(hj + 8), Avx.Multiply(du, Vector256.Create(brow[j + 1])));
        Vector256<float> h2 = Fma.MultiplyAdd(VecMath.Exp2InRange(Avx.Multiply(delta, Avx.LoadVector256(aj + 16))), Avx.LoadVector256(hj + 16), Avx.Multiply(du, Vector256.Create(brow[j + 2])));
        Vector256<float> h3 = Fma.MultiplyAdd(VecMath.Exp2InRange(Avx.Multiply(delta, Avx.LoadVector256(aj + 24))), Avx.LoadVector256(hj + 24), Avx.Multiply(du, Vector256.Create(brow[j + 3])));
        Avx.Store(hj, h0);
        Avx.Store(hj + 8, h1);
        Avx.Store(hj + 16, h2);
        Avx.Store(hj + 24, h3);
        y0 = Fma.MultiplyAdd(Vector256.Create(crow[j]), h0, y0);
        y1 = Fma.MultiplyAdd(Vector256.Create(crow[j + 1]), h1, y1);
        y0 = Fma.MultiplyAdd(Vector256.Create(crow[j + 2]), h2, y0);
        y1 = Fma.MultiplyAdd(Vector256.Create(crow[j + 3]), h3, y1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Exp2(bool clamp, Vector256<float> y) => clamp ? VecMath.Exp2NonPositive(y) : VecMath.Exp2InRange(y);

    /// <summary>One token of the recurrence for 8 channels: updates h and returns Σ_n C[t,n]·h[n].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ScanStep(in ScanArgs s, long row, float* h, float* at, float* dA, Vector256<float> delta, Vector256<float> du)
    {
        int n = s.State;
        float* brow = s.B + row * s.LdBC;
        float* crow = s.C + row * s.LdBC;
        // Phase 1: the exps alone, so the loop carries no dependency and stays in registers.
        for (int j = 0; j < n; j++)
        {
            Avx.Store(dA + j * 8, VecMath.Exp(Avx.Multiply(delta, Avx.LoadVector256(at + j * 8))));
        }

        // Phase 2: state update and readout, with four partial sums to shorten the y chain.
        Vector256<float> y0 = Vector256<float>.Zero, y1 = Vector256<float>.Zero, y2 = Vector256<float>.Zero, y3 = Vector256<float>.Zero;
        int jj = 0;
        for (; jj + 3 < n; jj += 4)
        {
            float* hj = h + jj * 8;
            float* dj = dA + jj * 8;
            Vector256<float> h0 = Fma.MultiplyAdd(Avx.LoadVector256(dj), Avx.LoadVector256(hj), Avx.Multiply(du, Vector256.Create(brow[jj])));
            Vector256<float> h1 = Fma.MultiplyAdd(Avx.LoadVector256(dj + 8), Avx.LoadVector256(hj + 8), Avx.Multiply(du, Vector256.Create(brow[jj + 1])));
            Vector256<float> h2 = Fma.MultiplyAdd(Avx.LoadVector256(dj + 16), Avx.LoadVector256(hj + 16), Avx.Multiply(du, Vector256.Create(brow[jj + 2])));
            Vector256<float> h3 = Fma.MultiplyAdd(Avx.LoadVector256(dj + 24), Avx.LoadVector256(hj + 24), Avx.Multiply(du, Vector256.Create(brow[jj + 3])));
            Avx.Store(hj, h0);
            Avx.Store(hj + 8, h1);
            Avx.Store(hj + 16, h2);
            Avx.Store(hj + 24, h3);
            y0 = Fma.MultiplyAdd(Vector256.Create(crow[jj]), h0, y0);
            y1 = Fma.MultiplyAdd(Vector256.Create(crow[jj + 1]), h1, y1);
            y2 = Fma.MultiplyAdd(Vector256.Create(crow[jj + 2]), h2, y2);
            y3 = Fma.MultiplyAdd(Vector256.Create(crow[jj + 3]), h3, y3);
        }

        for (; jj < n; jj++)
        {
            Vector256<float> hv = Fma.MultiplyAdd(Avx.LoadVector256(dA + jj * 8), Avx.LoadVector256(h + jj * 8), Avx.Multiply(du, Vector256.Create(brow[jj])));
            Avx.Store(h + jj * 8, hv);
            y0 = Fma.MultiplyAdd(Vector256.Create(crow[jj]), hv, y0);
        }

        return Avx.Add(Avx.Add(y0, y1), Avx.Add(y2, y3));
    }

    /// <summary>Σ_r low[r]·w[r] in r order with fused multiply-adds, as the vector path and the GEMM compute it.</summary>
    private static float LowRankScalar(float* low, float* w, int rank)
    {
        float acc = 0f;
        for (int r = 0; r < rank; r++)
        {
            acc = MathF.FusedMultiplyAdd(low[r], w[r], acc);
        }

        return acc;
    }

    /// <summary>One channel in scalar code: the ragged channel tail and the no-SIMD fallback.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScanChannel(in ScanArgs s, int batchIndex, int ch)
    {
        int n = s.State, e = s.Channels;
        float* h = stackalloc float[n];
        new Span<float>(h, n).Clear();
        float* arow = s.A + (long)ch * n;
        float dtBias = s.DtBias != null ? s.DtBias[ch] : 0f;
        float dSkip = s.DSkip != null ? s.DSkip[ch] : 0f;
        long row0 = (long)batchIndex * s.Length;
        for (int step = 0; step < s.Steps; step++)
        {
            long row = row0 + (s.Reverse ? s.Length - 1 - step : step);
            long at0 = row * e + ch;
            float delta = (s.Rank > 0 ? LowRankScalar(s.DtLow + row * s.LdDt, s.DtWeight + (long)ch * s.Rank, s.Rank) : s.DtRaw[at0]) + dtBias;
            if (s.Softplus)
            {
                delta = ScalarMath.Softplus(delta);
            }

            float uv = s.U[at0];
            float du = delta * uv;
            float* brow = s.B + row * s.LdBC;
            float* crow = s.C + row * s.LdBC;
            float y = 0f;
            for (int j = 0; j < n; j++)
            {
                h[j] = MathF.Exp(delta * arow[j]) * h[j] + du * brow[j];
                y += crow[j] * h[j];
            }

            y += dSkip * uv;
            if (s.Z != null)
            {
                y *= ScalarMath.Silu(s.Z[row * s.Ldz + ch]);
            }

            s.Output[at0] = s.Accumulate ? s.Output[at0] + s.Scale * y : s.Scale * y;
        }
    }
}
