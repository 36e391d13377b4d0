using Vim.Kernels.Cpu;

namespace Vim.Kernels.Tests;

/// <summary>The VMamba CPU kernels (dense and depthwise Conv2d, the four-direction cross-scan) against plain double-precision loops.</summary>
[Collection(GlobalThreadingCollection.Name)]
public class VMambaKernelTests
{
    private static double[] Conv2dReference(int b, int c, int h, int w, float[] x, bool channelFirst, float[] weight, int o, int kh, int kw, int stride, int pad, float[]? bias)
    {
        int ho = Conv2d.OutputSize(h, kh, stride, pad), wo = Conv2d.OutputSize(w, kw, stride, pad);
        var y = new double[b * ho * wo * o];
        for (int n = 0; n < b; n++)
        for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
        for (int oc = 0; oc < o; oc++)
        {
            double s = bias?[oc] ?? 0;
            for (int ic = 0; ic < c; ic++)
            for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++)
            {
                int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                if ((uint)iy >= (uint)h || (uint)ix >= (uint)w) continue;
                int at = channelFirst ? ((n * c + ic) * h + iy) * w + ix : ((n * h + iy) * w + ix) * c + ic;
                s += (double)weight[((oc * c + ic) * kh + ky) * kw + kx] * x[at];
            }

            y[((n * ho + oy) * wo + ox) * o + oc] = s;
        }

        return y;
    }

    [Theory]
    // (B, C, H, W, O, k, stride, pad, channel-first): the stems (3×3 s2 p1 on RGB; 4×4 s4), downsamples, ragged sizes.
    [InlineData(1, 3, 32, 32, 24, 3, 2, 1, true)]
    [InlineData(2, 3, 17, 13, 8, 4, 4, 0, true)]
    [InlineData(1, 12, 23, 23, 20, 3, 2, 1, false)]
    [InlineData(2, 8, 9, 11, 16, 2, 2, 0, false)]
    [InlineData(1, 5, 40, 40, 7, 3, 1, 1, false)]
    public void Conv2d_MatchesTheDirectLoop_OnOneAndTwoThreads(int b, int c, int h, int w, int o, int k, int stride, int pad, bool channelFirst)
    {
        float[] x = TestData.Random(b * c * h * w, c + h);
        float[] weight = TestData.Random(o * c * k * k, o + k, -0.5f, 0.5f);
        float[] bias = TestData.Random(o, 3);
        double[] expected = Conv2dReference(b, c, h, w, x, channelFirst, weight, o, k, k, stride, pad, bias);
        int saved = KernelThreading.MaxDegreeOfParallelism;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                KernelThreading.MaxDegreeOfParallelism = threads;
                float[] y = TestData.Poisoned(expected.Length);
                Conv2d.Forward(b, c, h, w, x, channelFirst, Gemm.Pack(weight, o, c * k * k, c * k * k), k, k, stride, pad, bias, y);
                Close.Check(expected, y, 1e-5, 1e-5, $"conv2d B={b} C={c} {h}x{w} O={o} k={k} s={stride} p={pad} cf={channelFirst} threads={threads}");
            }
        }
        finally
        {
            KernelThreading.MaxDegreeOfParallelism = saved;
        }
    }

    [Theory]
    [InlineData(1, 7, 9, 8, 3, 8)]
    [InlineData(2, 14, 14, 20, 3, 41)]
    [InlineData(1, 5, 6, 13, 5, 13)]
    [InlineData(1, 1, 1, 3, 3, 3)]
    public void DepthwiseConv2d_MatchesTheDirectLoop(int b, int h, int w, int c, int k, int ldIn)
    {
        float[] x = TestData.Random(b * h * w * ldIn, h + c);
        float[] weight = TestData.Random(c * k * k, k);
        float[] bias = TestData.Random(c, 4);
        int p = (k - 1) / 2;
        var expected = new double[b * h * w * c];
        for (int n = 0; n < b; n++)
        for (int y = 0; y < h; y++)
        for (int xx = 0; xx < w; xx++)
        for (int ch = 0; ch < c; ch++)
        {
            double s = bias[ch];
            for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++)
            {
                int iy = y + ky - p, ix = xx + kx - p;
                if ((uint)iy < (uint)h && (uint)ix < (uint)w) s += (double)weight[(ch * k + ky) * k + kx] * x[((n * h + iy) * w + ix) * ldIn + ch];
            }

            expected[((n * h + y) * w + xx) * c + ch] = s;
        }

        float[] output = TestData.Poisoned(expected.Length);
        DepthwiseConv2d.Forward(b, h, w, c, x, ldIn, weight, k, bias, output);
        Close.Check(expected, output, 1e-5, 1e-5, $"dwconv B={b} {h}x{w} C={c} k={k} ld={ldIn}");
    }

    [Theory]
    [InlineData(1, 4, 5, 8, 4, 2)]
    [InlineData(2, 3, 7, 13, 16, 3)]
    [InlineData(1, 6, 6, 24, 1, 2)]
    public void CrossScan_MatchesFourPlainScansMerged(int b, int h, int w, int d, int n, int r)
    {
        int l = h * w, width = r + 2 * n;
        float[] u = TestData.Random(b * l * d, d + 1, -2, 2);
        float[] proj = TestData.Random(b * l * 4 * width, d + 2);
        float[] deltaRaw = TestData.Random(b * l * 4 * d, d + 3, -4, 1);
        float[] dtBias = TestData.Random(4 * d, d + 4, -0.5f, 0.5f);
        float[] a = TestData.Random(4 * d * n, d + 5, 0, 2).Select(v => -MathF.Exp(v)).ToArray();
        float[] ds = TestData.Random(4 * d, d + 6);
        int[] traversals = [0, 1, 2, 3];
        var expected = new double[b * l * d];
        var state = new double[n];
        for (int bi = 0; bi < b; bi++)
        for (int k = 0; k < 4; k++)
        for (int ch = 0; ch < d; ch++)
        {
            int c = k * d + ch;
            Array.Clear(state);
            for (int step = 0; step < l; step++)
            {
                int p = CrossScan.Position(traversals[k], step, h, w), row = bi * l + p;
                double delta = MathTests.SoftplusRef((double)deltaRaw[row * 4 * d + c] + dtBias[c]);
                double uv = u[row * d + ch], y = ds[c] * uv;
                for (int j = 0; j < n; j++)
                {
                    state[j] = Math.Exp(delta * a[c * n + j]) * state[j] + delta * proj[row * 4 * width + k * width + r + j] * uv;
                    y += proj[row * 4 * width + k * width + r + n + j] * state[j];
                }

                expected[row * d + ch] += y;
            }
        }

        float[] output = TestData.Poisoned(expected.Length);
        CrossScan.Forward(b, h, w, d, n, r, u, proj, deltaRaw, dtBias, a, ds, traversals, output);
        Close.Check(expected, output, 2e-5, 2e-5, $"cross-scan B={b} {h}x{w} D={d} N={n} R={r}");
    }

    [Fact]
    public void CrossScan_PositionsWalkTheFourTraversals()
    {
        // 2×3 map, p = h·W + w: row-major, column-major, and both reversed.
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5 }, Enumerable.Range(0, 6).Select(l => CrossScan.Position(0, l, 2, 3)));
        Assert.Equal(new[] { 0, 3, 1, 4, 2, 5 }, Enumerable.Range(0, 6).Select(l => CrossScan.Position(1, l, 2, 3)));
        Assert.Equal(new[] { 5, 4, 3, 2, 1, 0 }, Enumerable.Range(0, 6).Select(l => CrossScan.Position(2, l, 2, 3)));
        Assert.Equal(new[] { 5, 2, 4, 1, 3, 0 }, Enumerable.Range(0, 6).Select(l => CrossScan.Position(3, l, 2, 3)));
    }
}
