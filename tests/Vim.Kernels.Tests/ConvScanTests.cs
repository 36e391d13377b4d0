// Causal depthwise conv1d + SiLU and the selective scan against double-precision references, over
// ragged shapes, strided inputs, both directions, accumulate on/off and with optional pieces absent.
using Vim.Kernels.Cpu;

namespace Vim.Kernels.Tests;

public class ConvScanTests
{
    private static double Silu(double x) => x / (1 + Math.Exp(-x));

    private static double[] ConvReference(int bsz, int l, int e, float[] x, int ldx, float[] w, int k, float[]? bias, bool reverse)
    {
        var r = new double[bsz * l * e];
        for (int b = 0; b < bsz; b++)
        {
            for (int t = 0; t < l; t++)
            {
                for (int c = 0; c < e; c++)
                {
                    double s = bias is null ? 0 : bias[c];
                    for (int j = 0; j < k; j++)
                    {
                        int src = reverse ? t + (k - 1) - j : t - (k - 1) + j;
                        if (src >= 0 && src < l)
                        {
                            s += (double)w[c * k + j] * x[(b * l + src) * ldx + c];
                        }
                    }

                    r[(b * l + t) * e + c] = Silu(s);
                }
            }
        }

        return r;
    }

    [Theory]
    [InlineData(1, 1, 1, 4)]
    [InlineData(1, 3, 7, 4)]
    [InlineData(2, 7, 8, 4)]
    [InlineData(2, 33, 9, 3)]
    [InlineData(3, 17, 17, 1)]
    [InlineData(2, 197, 40, 4)]
    [InlineData(8, 197, 384, 4)]
    public void CausalConvMatchesReference(int bsz, int l, int e, int k)
    {
        foreach (bool reverse in new[] { false, true })
        {
            foreach (int ldx in new[] { e, 2 * e + 1 })
            {
                bool withBias = ldx != e;
                float[] x = TestData.Random(bsz * l * ldx, l + e, -2, 2);
                float[] w = TestData.Random(e * k, k + 1);
                float[]? bias = withBias ? TestData.Random(e, 3) : null;
                float[] o = TestData.Poisoned(bsz * l * e);
                CausalConv1d.Forward(bsz, l, e, x, ldx, w, k, bias ?? [], o, reverse);
                Close.Check(ConvReference(bsz, l, e, x, ldx, w, k, bias, reverse), o, 1e-6, 1e-6, $"conv B={bsz} L={l} E={e} K={k} ldx={ldx} rev={reverse}");
            }
        }
    }

    [Fact]
    public void CausalConvRejectsShortInput()
    {
        var ex = Assert.Throws<ArgumentException>(() => CausalConv1d.Forward(1, 4, 8, new float[50], 16, new float[32], 4, [], new float[32], false));
        Assert.Contains("CausalConv1d.Forward", ex.Message);
    }

    private sealed record ScanCase(int B, int L, int E, int N, bool Softplus, bool DtBias, bool D, bool Z, bool Accumulate, bool Reverse, float Scale);

    private static double[] ScanReference(ScanCase k, float[] u, float[] dt, float[]? dtBias, float[] a, float[] xdbl, int r, int ld, float[]? d, float[]? z, int ldz, float[]? out0)
    {
        var o = new double[k.B * k.L * k.E];
        var h = new double[k.N];
        for (int b = 0; b < k.B; b++)
        {
            for (int c = 0; c < k.E; c++)
            {
                Array.Clear(h);
                for (int step = 0; step < k.L; step++)
                {
                    int t = k.Reverse ? k.L - 1 - step : step;
                    int row = b * k.L + t;
                    double delta = (double)dt[row * k.E + c] + (dtBias is null ? 0 : dtBias[c]);
                    if (k.Softplus)
                    {
                        delta = MathTests.SoftplusRef(delta);
                    }

                    double uv = u[row * k.E + c];
                    double y = 0;
                    for (int n = 0; n < k.N; n++)
                    {
                        h[n] = Math.Exp(delta * a[c * k.N + n]) * h[n] + delta * xdbl[row * ld + r + n] * uv;
                        y += xdbl[row * ld + r + k.N + n] * h[n];
                    }

                    y += (d is null ? 0 : d[c]) * uv;
                    if (z is not null)
                    {
                        y *= Silu(z[row * ldz + c]);
                    }

                    o[row * k.E + c] = (out0 is null ? 0 : out0[row * k.E + c]) + k.Scale * y;
                }
            }
        }

        return o;
    }

    private static void RunScan(ScanCase k, int seed, Action<float[]>? editDt = null, bool lowRank = false)
    {
        const int R = 3;
        int rows = k.B * k.L, ld = R + 2 * k.N, ldz = 2 * k.E;
        float[] u = TestData.Random(rows * k.E, seed, -2, 2);
        float[] dt = k.Softplus ? TestData.Random(rows * k.E, seed + 1, -5, 1) : TestData.Random(rows * k.E, seed + 1, 0.001f, 0.8f);
        editDt?.Invoke(dt);
        // Without softplus, keep delta positive: a negative step makes exp(delta·A) > 1 and the state blow up.
        float[]? dtBias = k.DtBias ? TestData.Random(k.E, seed + 2, k.Softplus ? -0.5f : 0f, 0.5f) : null;
        float[] a = TestData.Random(k.E * k.N, seed + 3, 0, 3).Select(v => -MathF.Exp(v)).ToArray();
        float[] xdbl = TestData.Random(rows * ld, seed + 4, -1, 1);
        // Low rank: Δ_raw = x_dbl[:, :R] · Wᵀ, computed by the kernel; the reference gets it summed in double.
        float[] dtWeight = TestData.Random(k.E * R, seed + 8, -1, 1);
        if (lowRank)
        {
            dt = new float[rows * k.E];
            for (int row = 0; row < rows; row++)
            {
                for (int c = 0; c < k.E; c++)
                {
                    double sum = 0;
                    for (int j = 0; j < R; j++) sum += (double)xdbl[row * ld + j] * dtWeight[c * R + j];
                    dt[row * k.E + c] = (float)sum;
                }
            }
        }

        float[]? d = k.D ? TestData.Random(k.E, seed + 5) : null;
        float[]? zbuf = k.Z ? TestData.Random(rows * ldz, seed + 6, -3, 3) : null;
        float[] o = k.Accumulate ? TestData.Random(rows * k.E, seed + 7) : TestData.Poisoned(rows * k.E);
        float[]? out0 = k.Accumulate ? (float[])o.Clone() : null;
        // z is the second half of each in_proj row: offset E, stride 2E.
        ReadOnlySpan<float> z = zbuf is null ? [] : zbuf.AsSpan(k.E);
        double[] expected = ScanReference(k, u, dt, dtBias, a, xdbl, R, ld, d, zbuf?.Skip(k.E).ToArray(), ldz, out0);
        if (lowRank)
        {
            SelectiveScan.Forward(k.B, k.L, k.E, k.N, u, xdbl, ld, dtWeight, R, dtBias ?? [], k.Softplus, a,
                xdbl.AsSpan(R), xdbl.AsSpan(R + k.N), ld, d ?? [], z, ldz, o, k.Scale, k.Accumulate, k.Reverse);
        }
        else
        {
            SelectiveScan.Forward(k.B, k.L, k.E, k.N, u, dt, dtBias ?? [], k.Softplus, a,
                xdbl.AsSpan(R), xdbl.AsSpan(R + k.N), ld, d ?? [], z, ldz, o, k.Scale, k.Accumulate, k.Reverse);
        }

        Close.Check(expected, o, 2e-6, 2e-6, k.ToString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ScanMatchesReferenceOnManyShapes(bool dtProjFoldedIn)
    {
        // Folded in: Δ_raw is computed inside the kernel from x_dbl's first R columns and dt_proj's weight (always
        // followed by softplus, as Mamba uses it).
        int[][] shapes = [[1, 1, 1, 1], [1, 2, 7, 3], [2, 7, 8, 16], [1, 33, 9, 16], [2, 17, 17, 5], [3, 64, 40, 16], [3, 70, 40, 16], [1, 197, 13, 16]];
        int seed = dtProjFoldedIn ? 5000 : 0;
        foreach (int[] s in shapes)
        {
            for (int variant = 0; variant < 8; variant++)
            {
                seed += 11;
                var k = new ScanCase(s[0], s[1], s[2], s[3], Softplus: dtProjFoldedIn || variant % 2 == 0, DtBias: variant % 3 != 2, D: variant != 5,
                    Z: variant % 4 != 3, Accumulate: (variant & 2) != 0, Reverse: (variant & 4) != 0, Scale: (variant & 2) != 0 ? 0.5f : 1f);
                RunScan(k, seed, lowRank: dtProjFoldedIn);
            }
        }
    }

    [Fact]
    public void ScanWithDtProjFoldedInRejectsAShortWeight()
    {
        var ex = Assert.Throws<ArgumentException>(() => SelectiveScan.Forward(1, 2, 8, 4, new float[16], new float[2 * 11], 11, new float[8 * 3 - 1], 3, [], true,
            new float[32], new float[2 * 11], new float[2 * 11], 11, [], [], 0, new float[16], 1f, false, false));
        Assert.Contains("dtWeight", ex.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ScanAtVimTinyWidthBothDirectionsCombine(bool reverseFirst)
    {
        RunScan(new ScanCase(2, 197, 384, 16, true, true, true, true, false, reverseFirst, 0.5f), 100);
        RunScan(new ScanCase(2, 197, 384, 16, true, true, true, true, true, !reverseFirst, 0.5f), 200);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 99)]
    [InlineData(true, 1)]
    [InlineData(true, 70)]
    [InlineData(true, 197)]
    public void ScanWithStepsMatchesTheFullScanOnItsRowsAndWritesNoOthers(bool reverse, int steps)
    {
        // A last layer that reads one row scans only up to it: rows 0..steps−1 forward, L−steps..L−1 reversed.
        const int B = 2, L = 197, E = 40, N = 16, R = 3, Ld = R + 2 * N;
        float[] u = TestData.Random(B * L * E, 1), xdbl = TestData.Random(B * L * Ld, 2), dtWeight = TestData.Random(E * R, 3);
        float[] dtBias = TestData.Random(E, 4, -4, -1), d = TestData.Random(E, 5), z = TestData.Random(B * L * 2 * E, 6, -3, 3);
        float[] a = TestData.Random(E * N, 7, 0.5f, 8).Select(v => -v).ToArray();
        float[] full = new float[B * L * E], part = TestData.Poisoned(B * L * E);
        void Scan(float[] o, int? t) => SelectiveScan.Forward(B, L, E, N, u, xdbl, Ld, dtWeight, R, dtBias, true, a, xdbl.AsSpan(R), xdbl.AsSpan(R + N), Ld,
            d, z.AsSpan(E), 2 * E, o, 0.5f, false, reverse, t);
        Scan(full, null);
        Scan(part, steps);
        for (int b = 0; b < B; b++)
        {
            for (int t = 0; t < L; t++)
            {
                bool scanned = reverse ? t >= L - steps : t < steps;
                for (int c = 0; c < E; c++)
                {
                    int i = (b * L + t) * E + c;
                    if (scanned)
                    {
                        Assert.Equal(full[i], part[i]);
                    }
                    else
                    {
                        Assert.True(float.IsNaN(part[i]), $"row {t} of sequence {b} was written although only {steps} steps were asked for");
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(6)]
    public void ScanRejectsStepsOutsideTheSequence(int steps)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => SelectiveScan.Forward(1, 5, 8, 4, new float[40], new float[40], [], true,
            new float[32], new float[5 * 8], new float[5 * 8], 8, [], [], 0, new float[40], 1f, false, false, steps));
        Assert.Contains($"steps {steps} outside 0..L=5", ex.Message);
    }

    [Fact]
    public void ScanLargeDeltasUnderflowCleanly()
    {
        // delta·A reaches about −1000: exp underflows to 0 and the state forgets its past.
        RunScan(new ScanCase(1, 20, 16, 16, false, false, true, false, false, false, 1f) with { }, 5);
        int e = 8, n = 4, l = 5;
        float[] u = Enumerable.Repeat(1f, l * e).ToArray();
        float[] dt = Enumerable.Repeat(50f, l * e).ToArray();
        float[] a = Enumerable.Repeat(-20f, e * n).ToArray();
        float[] bc = Enumerable.Repeat(1f, l * 2 * n).ToArray();
        float[] o = TestData.Poisoned(l * e);
        SelectiveScan.Forward(1, l, e, n, u, dt, [], false, a, bc, bc.AsSpan(n), 2 * n, [], [], 0, o, 1f, false, false);
        Assert.All(o, v => Assert.Equal(200f, v)); // each step: h = 0·h + 50 → y = 4·50
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ScanMixesExpPathsPerChunk(bool reverse)
    {
        // The scan picks, per 64-token chunk, the 2^y exp without clamp (max Δ·|A|·log2 e ≤ 126), with the
        // clamp (larger steps), or the any-sign exp (some Δ < 0). Here batch 0 has a large step in one chunk,
        // batch 1 negative steps in another, and E = 24 makes one task of two groups and one of one group.
        const int L = 197, E = 24;
        RunScan(new ScanCase(2, L, E, 16, false, false, true, true, false, reverse, 1f), 300, dt =>
        {
            for (int c = 0; c < E; c += 8)
            {
                dt[130 * E + c] = 6f; // 6·max|A|·log2 e ≈ 170 > 126 (and still well conditioned)
            }

            for (int t = 70; t < 80; t++)
            {
                for (int c = 8; c < 16; c++)
                {
                    dt[(L + t) * E + c] = -0.01f;
                }
            }
        });
    }

    [Fact]
    public void ScanRejectsBadState()
    {
        var ex = Assert.Throws<ArgumentException>(() => SelectiveScan.Forward(1, 2, 8, 4, new float[16], new float[16], [], true, new float[31],
            new float[16], new float[16], 8, [], [], 0, new float[16], 1f, false, false));
        Assert.Contains("SelectiveScan.Forward", ex.Message);
        Assert.Contains("(E=8, N=4)", ex.Message);
    }
}
