// Accuracy of the vectorised exp / softplus / SiLU / GELU against double-precision math, and the
// flat elementwise kernels (including tails shorter than a vector and in-place use).
using System.Runtime.Intrinsics;
using Vim.Kernels.Cpu;

namespace Vim.Kernels.Tests;

public class MathTests
{
    private static float[] Apply(Func<Vector256<float>, Vector256<float>> f, float[] x)
    {
        var y = new float[x.Length];
        var tmp = new float[8];
        for (int i = 0; i < x.Length; i += 8)
        {
            for (int j = 0; j < 8; j++)
            {
                tmp[j] = i + j < x.Length ? x[i + j] : 0f;
            }

            Vector256<float> r = f(Vector256.Create<float>(tmp));
            for (int j = 0; j < 8 && i + j < x.Length; j++)
            {
                y[i + j] = r[j];
            }
        }

        return y;
    }

    internal static float[] Grid(double lo, double hi, int count)
    {
        var x = new float[count];
        for (int i = 0; i < count; i++)
        {
            x[i] = (float)(lo + (hi - lo) * i / (count - 1));
        }

        return x;
    }

    [Fact]
    public void FastExpIsAccurateFromMinus100To20()
    {
        Assert.SkipUnless(Simd.IsAvailable, "needs AVX2/FMA");
        float[] x = Grid(-100, 20, 400_003);
        float[] y = Apply(VecMath.Exp, x);
        double worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double r = Math.Exp(x[i]);
            double err = Math.Abs(y[i] - r);
            if (r >= 1.1754943508222875e-38)
            {
                worst = Math.Max(worst, err / r);
            }
            else
            {
                // Subnormal results: one subnormal ulp (1.4e-45), and exactly 0 below the smallest.
                Assert.True(err <= 1.5e-45, $"exp({x[i]}) = {y[i]}, expected {r}");
            }
        }

        Assert.True(worst <= 2e-7, $"worst relative error {worst:E3}");
    }

    [Fact]
    public void FastExpHandlesExtremes()
    {
        Assert.SkipUnless(Simd.IsAvailable, "needs AVX2/FMA");
        float[] x = [0f, -0f, 88f, 88.7f, 89f, 100f, float.PositiveInfinity, -110f, float.NegativeInfinity, float.NaN, 1e-10f, -1e-10f];
        float[] y = Apply(VecMath.Exp, x);
        Assert.Equal(1f, y[0]);
        Assert.Equal(1f, y[1]);
        Assert.True(Math.Abs(y[2] / Math.Exp(88) - 1) < 2e-7);
        Assert.True(Math.Abs(y[3] / Math.Exp(88.7f) - 1) < 2e-7);
        Assert.True(float.IsPositiveInfinity(y[4]));
        Assert.True(float.IsPositiveInfinity(y[5]));
        Assert.True(float.IsPositiveInfinity(y[6]));
        Assert.Equal(0f, y[7]);
        Assert.Equal(0f, y[8]);
        Assert.True(float.IsNaN(y[9]));
        Assert.Equal(1f, y[10]);
        Assert.Equal(1f, y[11]);
    }

    internal static double SoftplusRef(double x) => x > 20 ? x : LogOnePlus(Math.Exp(x));

    private static double LogOnePlus(double e) => e < 1e-4 ? e - e * e / 2 + e * e * e / 3 : Math.Log(1 + e);

    [Fact]
    public void SoftplusSiluGeluMatchDouble()
    {
        float[] x = Grid(-40, 40, 20_011);
        var sp = new float[x.Length];
        var si = new float[x.Length];
        var ge = new float[x.Length];
        Elementwise.Softplus(x, sp);
        Elementwise.Silu(x, si);
        Elementwise.Gelu(x, ge);
        var rsp = x.Select(v => SoftplusRef(v)).ToArray();
        var rsi = x.Select(v => v / (1 + Math.Exp(-(double)v))).ToArray();
        var rge = x.Select(v => 0.5 * v * Erfc(-v / Math.Sqrt(2))).ToArray();
        Close.Check(rsp, sp, 1e-30, 3e-7, "softplus");
        Close.Check(rsi, si, 1e-30, 1e-6, "silu");
        Close.Check(rge, ge, 1e-7, 1e-6, "gelu");
    }

    [Fact]
    public void LargeInputsUseThreadsAndAgree()
    {
        float[] x = TestData.Random(300_001, 3, -8, 8);
        var y = TestData.Poisoned(x.Length);
        Elementwise.Silu(x, y);
        Close.Check(x.Select(v => v / (1 + Math.Exp(-(double)v))).ToArray(), y, 1e-30, 1e-6, "silu large");
        Elementwise.Silu(x, x); // in place
        Assert.Equal(y, x);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(63)]
    [InlineData(1001)]
    public void ArithmeticMatchesReference(int n)
    {
        float[] a = TestData.Random(n, 1), b = TestData.Random(n, 2);
        var o = TestData.Poisoned(n);
        Elementwise.Add(a, b, o);
        Close.Check(a.Zip(b, (p, q) => (double)(p + q)).ToArray(), o, 0, 0, "add");
        o = TestData.Poisoned(n);
        Elementwise.Scale(a, 0.5f, o);
        Close.Check(a.Select(p => (double)(p * 0.5f)).ToArray(), o, 0, 0, "scale");
        Elementwise.AddInPlace(a, b);
        Close.Check(a.Select((p, i) => (double)p).ToArray(), a, 0, 0, "self");
        var s = TestData.Random(n, 1);
        Close.Check(s.Zip(b, (p, q) => (double)(p + q)).ToArray(), a, 0, 0, "add in place");
        o = TestData.Poisoned(n);
        Elementwise.Softplus(s, o);
        Close.Check(s.Select(v => SoftplusRef(v)).ToArray(), o, 1e-30, 1e-6, "softplus tail");
    }

    [Fact]
    public void LengthMismatchThrows()
    {
        var ex = Assert.Throws<ArgumentException>(() => Elementwise.Add(new float[3], new float[4], new float[3]));
        Assert.Contains("Elementwise.Add", ex.Message);
    }

    /// <summary>erfc in double by the continued fraction / series (reference only).</summary>
    internal static double Erfc(double x)
    {
        if (x < 0)
        {
            return 2 - Erfc(-x);
        }

        if (x < 3)
        {
            // erf series: 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
            double sum = 0, term = x;
            for (int n = 0; n < 200; n++)
            {
                double t = term / (2 * n + 1);
                sum += t;
                term *= -x * x / (n + 1);
                if (Math.Abs(t) < 1e-17 * Math.Abs(sum))
                {
                    break;
                }
            }

            return 1 - 2 / Math.Sqrt(Math.PI) * sum;
        }

        // Continued fraction (Lentz) for large x.
        double f = 0;
        for (int n = 60; n >= 1; n--)
        {
            f = n / 2.0 / (x + f);
        }

        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / (x + f);
    }
}
