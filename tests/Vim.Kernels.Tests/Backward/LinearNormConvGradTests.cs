// Linear, RMSNorm/LayerNorm and causal-conv gradients against float64 references and central differences, on ragged
// shapes (panel and vector tails), strided layouts and accumulating outputs.
using Vim.Kernels.Cpu;

namespace Vim.Kernels.Tests.Backward;

public class LinearNormConvGradTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(5, 3, 7)]
    [InlineData(13, 17, 33)]
    [InlineData(197, 44, 384)]
    [InlineData(400, 768, 19)]
    public void Linear_GradientsMatchTheFloat64Reference(int m, int outF, int inF)
    {
        int ldy = outF + 2, ldx = inF + 1, ldw = inF + 3;
        float[] dy = TestData.Random(m * ldy, m + outF), x = TestData.Random(m * ldx, inF), w = TestData.Random(outF * ldw, 3);
        var dxRef = new double[m * inF];
        var dwRef = new double[outF * inF];
        var dbRef = new double[outF];
        for (int i = 0; i < m; i++)
        {
            for (int o = 0; o < outF; o++)
            {
                double g = dy[i * ldy + o];
                dbRef[o] += g;
                for (int k = 0; k < inF; k++)
                {
                    dxRef[i * inF + k] += g * w[o * ldw + k];
                    dwRef[o * inF + k] += g * x[i * ldx + k];
                }
            }
        }

        // dx overwritten (poisoned first), then accumulated onto itself.
        var dx = TestData.Poisoned(m * inF);
        LinearGrad.Input(m, outF, inF, dy, ldy, w, ldw, dx, inF, accumulate: false);
        GradCheck.Near(dxRef, dx, 1e-6, $"dx m={m} out={outF} in={inF}");
        LinearGrad.Input(m, outF, inF, dy, ldy, w, ldw, dx, inF, accumulate: true);
        GradCheck.Near(dxRef.Select(v => 2 * v).ToArray(), dx, 1e-6, "dx accumulated");

        float[] dw0 = TestData.Random(outF * ldw, 9), dw = (float[])dw0.Clone();
        LinearGrad.Weight(m, outF, inF, dy, ldy, x, ldx, dw, ldw);
        var added = new float[outF * inF];
        for (int o = 0; o < outF; o++)
        {
            for (int k = 0; k < inF; k++) added[o * inF + k] = dw[o * ldw + k] - dw0[o * ldw + k];
            for (int k = inF; k < ldw; k++) Assert.Equal(dw0[o * ldw + k], dw[o * ldw + k]);
        }

        GradCheck.Near(dwRef, added, 1e-5, "dW");
        float[] db0 = TestData.Random(outF, 4), db = (float[])db0.Clone();
        LinearGrad.Bias(m, outF, dy, ldy, db);
        GradCheck.Near(dbRef, GradCheck.Added(db, db0), 1e-6, "db");
    }

    private static double NormLoss(double[] x, double[] w, double[] b, double[] g, int rows, int d, bool layerNorm, float eps)
    {
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            double mean = 0, ms = 0;
            if (layerNorm)
            {
                for (int i = 0; i < d; i++) mean += x[r * d + i];
                mean /= d;
            }

            for (int i = 0; i < d; i++) ms += (x[r * d + i] - mean) * (x[r * d + i] - mean);
            double inv = 1 / Math.Sqrt(ms / d + eps);
            for (int i = 0; i < d; i++) total += g[r * d + i] * ((x[r * d + i] - mean) * inv * w[i] + (layerNorm ? b[i] : 0));
        }

        return total;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]
    [InlineData(40, 32)]
    [InlineData(197, 192)]
    [InlineData(9, 385)]
    public void Norms_GradientsMatchCentralDifferencesAndAccumulate(int rows, int d)
    {
        foreach (bool layerNorm in new[] { false, true })
        {
            const float Eps = 1e-5f;
            float[] xf = TestData.Random(rows * d, rows + d, -2, 3), wf = TestData.Random(d, 5, 0.5f, 1.5f), bf = TestData.Random(d, 6);
            float[] gf = TestData.Random(rows * d, 7);
            double[] x = GradCheck.ToDouble(xf), w = GradCheck.ToDouble(wf), b = GradCheck.ToDouble(bf), g = GradCheck.ToDouble(gf);
            float[] dx0 = TestData.Random(rows * d, 8), dx = (float[])dx0.Clone();
            float[] dw0 = TestData.Random(d, 9), dw = (float[])dw0.Clone(), db0 = TestData.Random(d, 10), db = (float[])db0.Clone();
            NormGrad.Backward(rows, d, xf, wf, Eps, layerNorm, gf, dx, accumulate: true, dw, layerNorm ? db : []);
            double Loss() => NormLoss(x, w, b, g, rows, d, layerNorm, Eps);
            string what = $"rows={rows} D={d} ln={layerNorm}";
            // At D = 1 the norm is (nearly) constant in x, so its tiny gradient is float rounding of values near 1: an absolute floor.
            GradCheck.AgainstFiniteDifferences(Loss, x, GradCheck.Added(dx, dx0), "dx " + what, tolerance: 5e-3, absolute: 1e-6);
            GradCheck.AgainstFiniteDifferences(Loss, w, GradCheck.Added(dw, dw0), "dw " + what);
            if (layerNorm) GradCheck.AgainstFiniteDifferences(Loss, b, GradCheck.Added(db, db0), "db " + what);
            else Assert.Equal(db0, db);

            // Overwriting dx gives the same increment.
            var fresh = TestData.Poisoned(rows * d);
            NormGrad.Backward(rows, d, xf, wf, Eps, layerNorm, gf, fresh, accumulate: false, new float[d], []);
            var inc = GradCheck.Added(dx, dx0);
            for (int i = 0; i < fresh.Length; i++) Assert.True(Math.Abs(fresh[i] - inc[i]) <= 1e-6f * (1 + Math.Abs(inc[i])), $"dx overwrite [{i}]");
        }
    }

    private static double ConvLoss(double[] x, int ldx, double[] w, double[] bias, double[] g, int batch, int l, int e, int k, bool reverse, bool hasBias)
    {
        double total = 0;
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < l; t++)
            {
                for (int c = 0; c < e; c++)
                {
                    double pre = hasBias ? bias[c] : 0;
                    for (int j = 0; j < k; j++)
                    {
                        int src = reverse ? t + (k - 1) - j : t - (k - 1) + j;
                        if (src >= 0 && src < l) pre += w[c * k + j] * x[(b * l + src) * ldx + c];
                    }

                    total += g[(b * l + t) * e + c] * pre / (1 + Math.Exp(-pre));
                }
            }
        }

        return total;
    }

    [Theory]
    [InlineData(1, 1, 1, 4, false)]
    [InlineData(2, 5, 9, 4, true)]
    [InlineData(1, 33, 16, 3, false)]
    [InlineData(3, 20, 21, 4, true)]
    [InlineData(1, 2, 8, 4, false)]
    public void CausalConv_GradientsMatchCentralDifferences(int batch, int l, int e, int k, bool reverse)
    {
        foreach (bool hasBias in new[] { true, false })
        {
            int ldx = 2 * e + 1;
            float[] xf = TestData.Random(batch * l * ldx, l + e, -2, 2), wf = TestData.Random(e * k, 2), bf = TestData.Random(e, 3), gf = TestData.Random(batch * l * e, 4);
            double[] x = GradCheck.ToDouble(xf), w = GradCheck.ToDouble(wf), bias = GradCheck.ToDouble(bf), g = GradCheck.ToDouble(gf);
            float[] dx0 = TestData.Random(batch * l * ldx, 5), dx = (float[])dx0.Clone();
            float[] dw0 = TestData.Random(e * k, 6), dw = (float[])dw0.Clone(), db0 = TestData.Random(e, 7), db = (float[])db0.Clone();
            CausalConv1dGrad.Backward(batch, l, e, xf, ldx, wf, k, hasBias ? bf : [], gf, dx, ldx, dw, hasBias ? db : [], reverse);
            double Loss() => ConvLoss(x, ldx, w, bias, g, batch, l, e, k, reverse, hasBias);
            string what = $"B={batch} L={l} E={e} K={k} reverse={reverse} bias={hasBias}";
            var ddx = GradCheck.Added(dx, dx0);
            for (int r = 0; r < batch * l; r++)
            {
                for (int j = e; j < ldx; j++) Assert.Equal(0f, ddx[r * ldx + j]);
            }

            GradCheck.AgainstFiniteDifferences(Loss, x, ddx, "dx " + what, probes: 10);
            GradCheck.AgainstFiniteDifferences(Loss, w, GradCheck.Added(dw, dw0), "dw " + what, probes: 10);
            if (hasBias) GradCheck.AgainstFiniteDifferences(Loss, bias, GradCheck.Added(db, db0), "db " + what);
            else Assert.Equal(db0, db);
        }
    }
}
