// Accuracy of VecMath.Exp2NonPositive (the scan's 2^y, y ≤ 0) against double-precision math.
using System.Runtime.Intrinsics;
using Vim.Kernels.Cpu;

namespace Vim.Kernels.Tests;

public class Exp2Tests
{
    private static float Eval(float x) => VecMath.Exp2NonPositive(Vector256.Create(x)).GetElement(3);

    [Fact]
    public void Exp2NonPositiveIsAccurateOverTheScanRange()
    {
        Assert.SkipUnless(Simd.IsAvailable, "needs AVX2/FMA");
        // [−100·log2(e), 0]: every exp(Δ·A) the scan can meet before the state becomes negligible.
        const int Count = 400_003;
        double lo = -100 * 1.4426950408889634;
        float[] x = Enumerable.Range(0, Count).Select(i => (float)(lo * i / (Count - 1))).ToArray();
        var (worst, worstAt) = VectorAccuracy.WorstRelativeError(x.Where(v => v >= -126).ToArray(), VecMath.Exp2NonPositive, v => Math.Pow(2, v));
        Assert.True(worst <= 2.5e-7, $"worst relative error {worst:E3} at {worstAt}");
        // Below −126: clamped to 2^−126 instead of the (subnormal or zero) true value; absolute error ≤ 2^−126.
        foreach (float v in x.Where(v => v < -126))
        {
            Assert.Equal(MathF.Pow(2, -126), Eval(v));
        }
    }

    [Fact]
    public void Exp2NonPositiveEdgeCases()
    {
        Assert.SkipUnless(Simd.IsAvailable, "needs AVX2/FMA");
        Assert.Equal(1f, Eval(0f));
        Assert.Equal(1f, Eval(-0f));
        Assert.Equal(0.5f, Eval(-1f));
        Assert.Equal(MathF.Pow(2, -126), Eval(-126f));
        // Below −126 the result is clamped to 2^−126 (the smallest normal), never garbage.
        Assert.Equal(MathF.Pow(2, -126), Eval(-127.5f));
        Assert.Equal(MathF.Pow(2, -126), Eval(-1000f));
        Assert.Equal(MathF.Pow(2, -126), Eval(float.NegativeInfinity));
        Assert.True(float.IsNaN(Eval(float.NaN)));
        // Every table entry and both ends of each reduced interval.
        for (int k = 0; k < 2000; k++)
        {
            float y = -k / 16f;
            double r = Math.Pow(2, y);
            Assert.True(Math.Abs(Eval(y) - r) / r <= 2.5e-7, $"2^{y}");
        }
    }
}

public class SoftplusOneDivideTests
{
    [Fact]
    public void SoftplusOneDivideMatchesDouble()
    {
        Assert.SkipUnless(Simd.IsAvailable, "needs AVX2/FMA");
        var x = new List<float>();
        for (int i = 0; i < 200_003; i++)
        {
            x.Add((float)(-100 + 140.0 * i / 200_002));
        }

        x.AddRange([0f, -0f, 20f, 20.000002f, 19.999998f, 87f, -87f, 88f, -88f, 1e-20f, -1e-20f, float.MaxValue, -float.MaxValue]);
        float[] xs = x.ToArray();
        var y = new float[xs.Length];
        for (int i = 0; i < xs.Length; i += 8)
        {
            var t = new float[8];
            for (int j = 0; j < 8; j++)
            {
                t[j] = xs[Math.Min(i + j, xs.Length - 1)];
            }

            Vector256<float> r = VecMath.SoftplusOneDivide(Vector256.Create<float>(t));
            for (int j = 0; j < 8 && i + j < xs.Length; j++)
            {
                y[i + j] = r[j];
            }
        }

        // Subnormal results (x < −87.3) are checked to an absolute 1e-44 by atol.
        Close.Check(xs.Select(v => MathTests.SoftplusRef(v)).ToArray(), y, 1e-44, 3e-7, "softplus (one divide)");
        for (int i = 0; i < xs.Length; i++)
        {
            if (xs[i] > 20f)
            {
                Assert.Equal(xs[i], y[i]); // the threshold of the reference: exactly x
            }
        }

        Vector256<float> special = VecMath.SoftplusOneDivide(Vector256.Create(float.PositiveInfinity, float.NegativeInfinity, float.NaN, 0f, 0f, 0f, 0f, 0f));
        Assert.True(float.IsPositiveInfinity(special[0]));
        Assert.Equal(0f, special[1]);
        Assert.True(float.IsNaN(special[2]));
    }
}

public class ExpTableTests
{
    [Fact]
    public void ExpTableIsAccurateOverItsWholeRange()
    {
        Assert.SkipUnless(Simd.IsAvailable, "needs AVX2/FMA");
        // The far ends matter most: x·log2 e is split exactly, so |x| ≈ 87 keeps the accuracy of |x| ≈ 0.
        // Above 127.9375·ln 2 ≈ 88.68 the rounding to the 1/8 grid reaches 128 and the result is +inf.
        const int Count = 400_003;
        float[] x = Enumerable.Range(0, Count).Select(i => (float)(VecMath.ExpTableMin + (88.679 - VecMath.ExpTableMin) * i / (Count - 1))).ToArray();
        var (worst, worstAt) = VectorAccuracy.WorstRelativeError(x, VecMath.ExpTable, v => Math.Exp(v));
        Assert.True(worst <= 2.5e-7, $"worst relative error {worst:E3} at {worstAt}");
    }

    [Fact]
    public void ExpTableEnds()
    {
        Assert.SkipUnless(Simd.IsAvailable, "needs AVX2/FMA");
        Vector256<float> y = VecMath.ExpTable(Vector256.Create(VecMath.ExpTableMin, VecMath.ExpTableMax, 0f, -0f, 1f, -1f, float.NaN, 0.5f));
        Assert.True(y[0] >= MathF.Pow(2, -126), $"e^min = {y[0]:E9} must be a normal float");
        Assert.True(Math.Abs(y[0] / Math.Exp(VecMath.ExpTableMin) - 1) <= 2.5e-7, $"e^min = {y[0]:E9}");
        Assert.True(float.IsPositiveInfinity(y[1]), $"e^max = {y[1]}");
        Assert.Equal(1f, y[2]);
        Assert.Equal(1f, y[3]);
        Assert.True(Math.Abs(y[4] / Math.E - 1) <= 2.5e-7);
        Assert.True(Math.Abs(y[5] * Math.E - 1) <= 2.5e-7);
        Assert.True(float.IsNaN(y[6]));
    }

    [Fact]
    public void SiluMatchesDoubleAcrossAndBeyondTheTableRange()
    {
        Assert.SkipUnless(Simd.IsAvailable, "needs AVX2/FMA");
        var x = new List<float>();
        for (int i = 0; i < 200_003; i++)
        {
            x.Add((float)(-120 + 240.0 * i / 200_002));
        }

        x.AddRange([0f, -0f, 87.3f, 87.4f, -88.7f, -88.8f, 1e-20f, -1e-20f, float.MaxValue, -float.MaxValue]);
        float[] xs = x.ToArray();
        var y = new float[xs.Length];
        Elementwise.Silu(xs, y);
        // Below −88.7 silu is −0 here and a subnormal (or −0) in double: atol covers 1e-36.
        Close.Check(xs.Select(v => v / (1 + Math.Exp(-(double)v))).ToArray(), y, 1e-36, 3e-7, "silu (table exp)");
        var special = new float[8];
        Elementwise.Silu([float.PositiveInfinity, float.NegativeInfinity, float.NaN, 0f, 0f, 0f, 0f, 0f], special);
        Assert.True(float.IsPositiveInfinity(special[0]));
        Assert.True(float.IsNaN(special[1])); // −inf / (1 + inf), as PyTorch's x / (1 + exp(−x)) gives
        Assert.True(float.IsNaN(special[2]));
    }
}

/// <summary>Accuracy of an 8-lane vector function against a double-precision reference.</summary>
internal static class VectorAccuracy
{
    /// <summary>The largest |f(x) − exact(x)| / |exact(x)| over <paramref name="xs"/>, evaluated 8 lanes at a time, and where it occurs.</summary>
    public static (double Worst, float At) WorstRelativeError(float[] xs, Func<Vector256<float>, Vector256<float>> f, Func<float, double> exact)
    {
        double worst = 0;
        float worstAt = 0;
        var lanes = new float[8];
        for (int i = 0; i < xs.Length; i += 8)
        {
            for (int j = 0; j < 8; j++)
            {
                lanes[j] = xs[Math.Min(i + j, xs.Length - 1)];
            }

            Vector256<float> y = f(Vector256.Create<float>(lanes));
            for (int j = 0; j < 8; j++)
            {
                double r = exact(lanes[j]);
                double err = Math.Abs(y[j] - r) / Math.Abs(r);
                if (err > worst)
                {
                    worst = err;
                    worstAt = lanes[j];
                }
            }
        }

        return (worst, worstAt);
    }
}
