// The patch-embedding gradients against central differences of a float64 convolution, with overlapping patches
// (stride < kernel), trailing pixels the grid drops, and non-square images.
using Vim.Kernels.Cpu;

namespace Vim.Kernels.Tests.Backward;

public class PatchEmbedGradTests
{
    private static double Loss(double[] x, double[] w, double[] b, double[] g, int batch, int c, int h, int wd, int d, int ph, int pw, int stride)
    {
        int gh = (h - ph) / stride + 1, gw = (wd - pw) / stride + 1;
        double total = 0;
        for (int n = 0; n < batch; n++)
        {
            for (int gy = 0; gy < gh; gy++)
            {
                for (int gx = 0; gx < gw; gx++)
                {
                    for (int o = 0; o < d; o++)
                    {
                        double s = b[o];
                        for (int ch = 0; ch < c; ch++)
                        {
                            for (int kh = 0; kh < ph; kh++)
                            {
                                for (int kw = 0; kw < pw; kw++)
                                {
                                    s += w[((o * c + ch) * ph + kh) * pw + kw] * x[((n * c + ch) * h + gy * stride + kh) * wd + gx * stride + kw];
                                }
                            }
                        }

                        total += g[((n * gh + gy) * gw + gx) * d + o] * s;
                    }
                }
            }
        }

        return total;
    }

    [Theory]
    [InlineData(1, 3, 8, 8, 5, 4, 4, 4)]
    [InlineData(2, 2, 11, 9, 7, 4, 3, 2)]
    [InlineData(1, 3, 16, 12, 17, 8, 8, 3)]
    public void Gradients_MatchCentralDifferences(int batch, int c, int h, int w, int d, int ph, int pw, int stride)
    {
        int gh = (h - ph) / stride + 1, gw = (w - pw) / stride + 1;
        float[] xf = TestData.Random(batch * c * h * w, 1), wf = TestData.Random(d * c * ph * pw, 2), bf = TestData.Random(d, 3);
        float[] gf = TestData.Random(batch * gh * gw * d, 4);
        double[] x = GradCheck.ToDouble(xf), wt = GradCheck.ToDouble(wf), b = GradCheck.ToDouble(bf), g = GradCheck.ToDouble(gf);
        float[] dw0 = TestData.Random(wf.Length, 5), dw = (float[])dw0.Clone(), db0 = TestData.Random(d, 6), db = (float[])db0.Clone();
        float[] dx = TestData.Poisoned(xf.Length);
        PatchEmbedGrad.Backward(batch, c, h, w, xf, wf, d, ph, pw, stride, gf, dw, db, dx);
        double L() => Loss(x, wt, b, g, batch, c, h, w, d, ph, pw, stride);
        string what = $"B={batch} C={c} {h}x{w} D={d} k={ph}x{pw} s={stride}";
        GradCheck.AgainstFiniteDifferences(L, x, dx, "dx " + what, probes: 12);
        GradCheck.AgainstFiniteDifferences(L, wt, GradCheck.Added(dw, dw0), "dW " + what, probes: 12);
        GradCheck.AgainstFiniteDifferences(L, b, GradCheck.Added(db, db0), "db " + what);
        // Pixels no patch covers get exactly zero.
        for (int n = 0; n < batch; n++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                for (int yy = (gh - 1) * stride + ph; yy < h; yy++)
                {
                    for (int xx = 0; xx < w; xx++) Assert.Equal(0f, dx[((n * c + ch) * h + yy) * w + xx]);
                }
            }
        }
    }
}
