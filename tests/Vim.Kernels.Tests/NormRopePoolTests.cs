// Fused residual + RMSNorm/LayerNorm, RoPE, pooling and patch embedding against double references.
using Vim.Kernels.Cpu;

namespace Vim.Kernels.Tests;

public class NormRopePoolTests
{
    private static double[] NormReference(int rows, int d, double[] x, float[] w, float[]? b, float eps, bool layerNorm)
    {
        var o = new double[rows * d];
        for (int r = 0; r < rows; r++)
        {
            double mean = 0, ms = 0;
            if (layerNorm)
            {
                for (int i = 0; i < d; i++)
                {
                    mean += x[r * d + i];
                }

                mean /= d;
            }

            for (int i = 0; i < d; i++)
            {
                double v = x[r * d + i] - mean;
                ms += v * v;
            }

            double inv = 1 / Math.Sqrt(ms / d + eps);
            for (int i = 0; i < d; i++)
            {
                o[r * d + i] = (x[r * d + i] - mean) * inv * w[i] + (b is null ? 0 : b[i]);
            }
        }

        return o;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]
    [InlineData(5, 8)]
    [InlineData(17, 9)]
    [InlineData(33, 192)]
    [InlineData(1576, 192)]
    [InlineData(4, 385)]
    public void FusedAddNormMatchesReference(int rows, int d)
    {
        foreach (bool layerNorm in new[] { false, true })
        {
            foreach (int mode in new[] { 0, 1, 2 })
            {
                // mode 0: no incoming residual; 1: separate buffers; 2: residualOut aliases residualIn.
                float[] h = TestData.Random(rows * d, rows + d, -3, 3);
                // An offset mean stresses LayerNorm's cancellation.
                float[]? rin = mode == 0 ? null : TestData.Random(rows * d, d, 5, 7);
                float[] w = TestData.Random(d, 2, 0.5f, 1.5f);
                float[]? b = layerNorm && mode != 1 ? TestData.Random(d, 3) : null;
                var sum = new double[rows * d];
                for (int i = 0; i < sum.Length; i++)
                {
                    sum[i] = rin is null ? h[i] : (double)(h[i] + rin[i]);
                }

                float[] rout = mode == 2 ? rin! : TestData.Poisoned(rows * d);
                float[] normed = TestData.Poisoned(rows * d);
                const float Eps = 1e-5f;
                if (layerNorm)
                {
                    Norms.AddLayerNorm(rows, d, h, rin ?? [], rout, w, b ?? [], Eps, normed);
                }
                else
                {
                    Norms.AddRmsNorm(rows, d, h, rin ?? [], rout, w, Eps, normed);
                }

                string what = $"rows={rows} D={d} ln={layerNorm} mode={mode}";
                Close.Check(sum, rout, 0, 0, "residual " + what);
                Close.Check(NormReference(rows, d, sum, w, b, Eps, layerNorm), normed, 1e-6, 1e-6, "normed " + what);

                float[] plain = TestData.Poisoned(rows * d);
                if (layerNorm)
                {
                    Norms.LayerNorm(rows, d, h, w, b ?? [], Eps, plain);
                }
                else
                {
                    Norms.RmsNorm(rows, d, h, w, Eps, plain);
                }

                Close.Check(NormReference(rows, d, h.Select(v => (double)v).ToArray(), w, b, Eps, layerNorm), plain, 1e-6, 1e-6, "plain " + what);
            }
        }
    }

    [Fact]
    public void NormRejectsWrongWeight()
    {
        var ex = Assert.Throws<ArgumentException>(() => Norms.RmsNorm(2, 4, new float[8], new float[3], 1e-5f, new float[8]));
        Assert.Contains("Norms.RmsNorm", ex.Message);
    }

    [Theory]
    [InlineData(1, 197, 192, 196)]
    [InlineData(2, 196, 192, 196)]
    [InlineData(2, 5, 10, 4)]
    [InlineData(3, 4, 18, 9)]
    [InlineData(1, 1, 2, 1)]
    public void RopeMatchesReference(int bsz, int l, int d, int tableRows)
    {
        float[] x = TestData.Random(bsz * l * d, l + d);
        float[] cos = new float[tableRows * d], sin = new float[tableRows * d];
        var rng = new Random(4);
        for (int r = 0; r < tableRows; r++)
        {
            for (int m = 0; m < d / 2; m++)
            {
                double theta = rng.NextDouble() * 6;
                // Pair entries repeat, but make them differ slightly to prove which index is used for which lane.
                cos[r * d + 2 * m] = (float)Math.Cos(theta);
                cos[r * d + 2 * m + 1] = (float)Math.Cos(theta + 0.01);
                sin[r * d + 2 * m] = (float)Math.Sin(theta);
                sin[r * d + 2 * m + 1] = (float)Math.Sin(theta + 0.01);
            }
        }

        var expected = new double[x.Length];
        int skip = l % 2;
        for (int b = 0; b < bsz; b++)
        {
            for (int t = 0; t < l; t++)
            {
                for (int i = 0; i < d; i += 2)
                {
                    int at = (b * l + t) * d + i;
                    double a = x[at], bb = x[at + 1];
                    if (t < skip)
                    {
                        expected[at] = a;
                        expected[at + 1] = bb;
                        continue;
                    }

                    int row = (t - skip) * d + i;
                    expected[at] = a * cos[row] - bb * sin[row];
                    expected[at + 1] = bb * cos[row + 1] + a * sin[row + 1];
                }
            }
        }

        Rope.ApplyInPlace(bsz, l, d, x, cos, sin, tableRows);
        Close.Check(expected, x, 1e-6, 1e-6, $"rope B={bsz} L={l} D={d}");
    }

    [Fact]
    public void RopeRejectsShortTable()
    {
        var ex = Assert.Throws<ArgumentException>(() => Rope.ApplyInPlace(1, 6, 4, new float[24], new float[20], new float[20], 5));
        Assert.Contains("Rope.ApplyInPlace", ex.Message);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(2, 7, 9)]
    [InlineData(8, 197, 192)]
    [InlineData(3, 5, 17)]
    public void PoolingMatchesReference(int bsz, int l, int d)
    {
        float[] x = TestData.Random(bsz * l * d, bsz + l + d, -4, 4);
        var mean = new double[bsz * d];
        var max = new double[bsz * d];
        for (int b = 0; b < bsz; b++)
        {
            for (int i = 0; i < d; i++)
            {
                double s = 0, m = double.NegativeInfinity;
                for (int t = 0; t < l; t++)
                {
                    double v = x[(b * l + t) * d + i];
                    s += v;
                    m = Math.Max(m, v);
                }

                mean[b * d + i] = s / l;
                max[b * d + i] = m;
            }
        }

        float[] o = TestData.Poisoned(bsz * d);
        Pooling.Mean(bsz, l, d, x, o);
        Close.Check(mean, o, 1e-7, 1e-6, "mean pool");
        o = TestData.Poisoned(bsz * d);
        Pooling.Max(bsz, l, d, x, o);
        Close.Check(max, o, 0, 0, "max pool");
    }

    [Fact]
    public void MaxPoolPropagatesNaN()
    {
        float[] x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, float.NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        var o = new float[11];
        Pooling.Max(1, 2, 11, x, o);
        Assert.True(float.IsNaN(o[10]));
        Assert.Equal(9f, o[8]);
        x[10] = 1;
        x[2] = float.NaN;
        Pooling.Max(1, 2, 11, x, o);
        Assert.True(float.IsNaN(o[2]));
    }

    [Theory]
    [InlineData(1, 3, 16, 16, 4, 4, 4, 8)]
    [InlineData(2, 3, 17, 19, 4, 4, 4, 7)]
    [InlineData(2, 2, 12, 12, 4, 4, 2, 5)]
    [InlineData(1, 3, 11, 13, 3, 5, 2, 16)]
    [InlineData(2, 3, 224, 224, 16, 16, 16, 192)]
    public void PatchEmbedMatchesConvReference(int bsz, int c, int h, int w, int ph, int pw, int s, int dim)
    {
        float[] input = TestData.Random(bsz * c * h * w, h + w);
        float[] weight = TestData.Random(dim * c * ph * pw, dim, -0.2f, 0.2f);
        float[] bias = TestData.Random(dim, 5);
        int gh = PatchEmbed.GridSize(h, ph, s), gw = PatchEmbed.GridSize(w, pw, s);
        Assert.Equal((h - ph) / s + 1, gh);
        var expected = new double[bsz * gh * gw * dim];
        for (int b = 0; b < bsz; b++)
        {
            for (int gy = 0; gy < gh; gy++)
            {
                for (int gx = 0; gx < gw; gx++)
                {
                    for (int o = 0; o < dim; o++)
                    {
                        double acc = bias[o];
                        for (int ci = 0; ci < c; ci++)
                        {
                            for (int kh = 0; kh < ph; kh++)
                            {
                                for (int kw = 0; kw < pw; kw++)
                                {
                                    acc += (double)weight[((o * c + ci) * ph + kh) * pw + kw] * input[((b * c + ci) * h + gy * s + kh) * w + gx * s + kw];
                                }
                            }
                        }

                        expected[((b * gh + gy) * gw + gx) * dim + o] = acc;
                    }
                }
            }
        }

        float[] output = TestData.Poisoned(expected.Length);
        PatchEmbed.Forward(bsz, c, h, w, input, weight, dim, ph, pw, s, bias, output);
        Close.Check(expected, output, 1e-5, 1e-5, $"patch embed {bsz}x{c}x{h}x{w} k={ph}x{pw} s={s} D={dim}");
    }
}
