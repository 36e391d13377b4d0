// The VMamba backward kernels (conv2d, depthwise conv2d, activation and gate derivatives) against central differences
// of float64 forwards, on ragged shapes, both input layouts, strided inputs and accumulating outputs.
using Vim.Kernels.Cpu;

namespace Vim.Kernels.Tests.Backward;

public class VMambaGradTests
{
    private static double ConvLoss(double[] x, bool channelFirst, double[] w, double[] b, double[] g, int batch, int c, int h, int wd, int o, int k, int s, int p)
    {
        int ho = (h + 2 * p - k) / s + 1, wo = (wd + 2 * p - k) / s + 1;
        double total = 0;
        for (int n = 0; n < batch; n++)
        {
            for (int oy = 0; oy < ho; oy++)
            {
                for (int ox = 0; ox < wo; ox++)
                {
                    for (int oc = 0; oc < o; oc++)
                    {
                        double sum = b[oc];
                        for (int ch = 0; ch < c; ch++)
                        {
                            for (int ky = 0; ky < k; ky++)
                            {
                                for (int kx = 0; kx < k; kx++)
                                {
                                    int y = oy * s - p + ky, xx = ox * s - p + kx;
                                    if (y < 0 || y >= h || xx < 0 || xx >= wd) continue;
                                    int at = channelFirst ? ((n * c + ch) * h + y) * wd + xx : ((n * h + y) * wd + xx) * c + ch;
                                    sum += w[((oc * c + ch) * k + ky) * k + kx] * x[at];
                                }
                            }
                        }
                        total += g[((n * ho + oy) * wo + ox) * o + oc] * sum;
                    }
                }
            }
        }
        return total;
    }

    [Theory]
    [InlineData(1, 3, 9, 7, 4, 3, 2, 1, true)]
    [InlineData(2, 5, 8, 6, 7, 3, 2, 1, false)]
    [InlineData(1, 4, 7, 9, 5, 2, 2, 0, false)]
    [InlineData(2, 3, 8, 8, 6, 4, 4, 0, true)]
    public void Conv2d_GradientsMatchCentralDifferences(int batch, int c, int h, int w, int o, int k, int s, int p, bool channelFirst)
    {
        int ho = (h + 2 * p - k) / s + 1, wo = (w + 2 * p - k) / s + 1;
        float[] xf = TestData.Random(batch * c * h * w, 1), wf = TestData.Random(o * c * k * k, 2), bf = TestData.Random(o, 3), gf = TestData.Random(batch * ho * wo * o, 4);
        double[] x = GradCheck.ToDouble(xf), wt = GradCheck.ToDouble(wf), b = GradCheck.ToDouble(bf), g = GradCheck.ToDouble(gf);
        float[] dw0 = TestData.Random(wf.Length, 5), dw = (float[])dw0.Clone(), db0 = TestData.Random(o, 6), db = (float[])db0.Clone();
        var dx = TestData.Poisoned(xf.Length);
        Conv2dGrad.Backward(batch, c, h, w, xf, channelFirst, wf, o, k, k, s, p, gf, dw, db, dx);
        double L() => ConvLoss(x, channelFirst, wt, b, g, batch, c, h, w, o, k, s, p);
        string what = $"B={batch} C={c} {h}x{w} O={o} k={k} s={s} p={p} cf={channelFirst}";
        GradCheck.AgainstFiniteDifferences(L, x, dx, "dx " + what, probes: 10);
        GradCheck.AgainstFiniteDifferences(L, wt, GradCheck.Added(dw, dw0), "dW " + what, probes: 10);
        GradCheck.AgainstFiniteDifferences(L, b, GradCheck.Added(db, db0), "db " + what);
    }

    [Theory]
    [InlineData(1, 5, 4, 3, 3, 3)]
    [InlineData(2, 6, 7, 11, 3, 16)]
    [InlineData(1, 4, 4, 9, 5, 9)]
    public void DepthwiseConv2d_GradientsMatchCentralDifferences(int batch, int h, int w, int c, int k, int ld)
    {
        int taps = k * k, pad = (k - 1) / 2;
        float[] xf = TestData.Random(batch * h * w * ld, 1), wf = TestData.Random(c * taps, 2), gf = TestData.Random(batch * h * w * c, 3);
        double[] x = GradCheck.ToDouble(xf), wt = GradCheck.ToDouble(wf), g = GradCheck.ToDouble(gf);
        float[] dx0 = TestData.Random(xf.Length, 4), dx = (float[])dx0.Clone();
        float[] dw0 = TestData.Random(wf.Length, 5), dw = (float[])dw0.Clone(), db0 = TestData.Random(c, 6), db = (float[])db0.Clone();
        DepthwiseConv2dGrad.Backward(batch, h, w, c, xf, ld, wf, k, gf, dx, dw, db);
        double L()
        {
            double total = 0;
            for (int n = 0; n < batch; n++)
                for (int y = 0; y < h; y++)
                    for (int xx = 0; xx < w; xx++)
                        for (int ch = 0; ch < c; ch++)
                        {
                            double s = 0;
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++)
                                {
                                    int yy = y + ky - pad, xs = xx + kx - pad;
                                    if (yy >= 0 && yy < h && xs >= 0 && xs < w) s += wt[ch * taps + ky * k + kx] * x[((n * h + yy) * w + xs) * ld + ch];
                                }
                            total += g[((n * h + y) * w + xx) * c + ch] * s;
                        }
            return total;
        }
        string what = $"B={batch} {h}x{w} C={c} k={k} ld={ld}";
        var ddx = GradCheck.Added(dx, dx0);
        for (int pix = 0; pix < batch * h * w; pix++)
        {
            for (int j = c; j < ld; j++) Assert.Equal(0f, ddx[pix * ld + j]);
        }
        GradCheck.AgainstFiniteDifferences(L, x, ddx, "dx " + what, probes: 10);
        GradCheck.AgainstFiniteDifferences(L, wt, GradCheck.Added(dw, dw0), "dW " + what, probes: 10);
        double bias = 0;
        for (int i = 0; i < c; i++) bias = Math.Max(bias, Math.Abs(GradCheck.Added(db, db0)[i] - SumOver(g, c, i)));
        Assert.True(bias <= 1e-4, $"db {what}: {bias:E2}");
    }

    private static double SumOver(double[] g, int c, int channel)
    {
        double s = 0;
        for (int i = channel; i < g.Length; i += c) s += g[i];
        return s;
    }

    [Theory]
    [InlineData(GateActivation.Silu)]
    [InlineData(GateActivation.Gelu)]
    [InlineData(GateActivation.Sigmoid)]
    [InlineData(GateActivation.Relu)]
    [InlineData(GateActivation.None)]
    public void Activations_DerivativesMatchCentralDifferences(GateActivation activation)
    {
        // A grid over the ranges that matter, including GELU's tails, and a ragged length for the scalar tail.
        float[] x = MathTests.Grid(-12, 12, 1003);
        float[] dy = TestData.Random(x.Length, 7);
        float[] dx = TestData.Poisoned(x.Length);
        ActivationGrad.Backward(x, dy, dx, activation, accumulate: false);
        for (int i = 0; i < x.Length; i++)
        {
            if (activation == GateActivation.Relu && Math.Abs(x[i]) < 1e-3) continue;  // the kink
            const double H = 1e-5;
            double fd = (ActivationGrad.Value(x[i] + H, activation) - ActivationGrad.Value(x[i] - H, activation)) / (2 * H);
            Assert.True(Math.Abs(dx[i] - dy[i] * fd) <= 2e-6 * (1 + Math.Abs(dy[i] * fd)), $"{activation} at {x[i]}: {dx[i]} vs {dy[i] * fd}");
        }
        float[] acc = (float[])dx.Clone();
        ActivationGrad.Backward(x, dy, acc, activation, accumulate: true);
        for (int i = 0; i < x.Length; i++) Assert.Equal(2 * dx[i], acc[i], 5);
    }

    [Fact]
    public void Gate_BackwardMatchesCentralDifferences()
    {
        const int Rows = 5, Width = 7, Ld = 16, Start = 9;
        float[] y = TestData.Random(Rows * Width, 1), gate = TestData.Random(Rows * Ld, 2, -3, 3), dOut = TestData.Random(Rows * Width, 3);
        float[] dy = (float[])dOut.Clone();
        float[] dg0 = TestData.Random(Rows * Ld, 4), dg = (float[])dg0.Clone();
        ActivationGrad.GateBackward(Rows, Width, y, gate.AsSpan(Start), Ld, GateActivation.Silu, dy, dg.AsSpan(Start));
        var added = GradCheck.Added(dg, dg0);
        for (int r = 0; r < Rows; r++)
        {
            for (int c = 0; c < Ld; c++)
            {
                bool inside = c >= Start && c < Start + Width;
                if (!inside) { Assert.Equal(0f, added[r * Ld + c]); continue; }
                double z = gate[r * Ld + c];
                double expectedDy = dOut[r * Width + c - Start] * z / (1 + Math.Exp(-z));
                double s = 1 / (1 + Math.Exp(-z));
                double expectedDg = dOut[r * Width + c - Start] * y[r * Width + c - Start] * s * (1 + z * (1 - s));
                Assert.True(Math.Abs(dy[r * Width + c - Start] - expectedDy) <= 1e-6, $"dy [{r},{c}]");
                Assert.True(Math.Abs(added[r * Ld + c] - expectedDg) <= 1e-5, $"dgate [{r},{c}]");
            }
        }
    }
}
