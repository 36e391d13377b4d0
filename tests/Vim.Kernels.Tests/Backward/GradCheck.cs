// Helpers of the backward-kernel tests: a gradient compared with its float64 reference relative to the largest reference
// value (the metric of the official gradient fixtures), and central finite differences of a float64 loss.
namespace Vim.Kernels.Tests.Backward;

internal static class GradCheck
{
    /// <summary>max |actual − expected| ≤ bound · max |expected| (or ≤ bound when expected is all zero).</summary>
    public static void Near(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double bound, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 0, worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }

        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs(actual[i] - expected[i]);
            if (!(d <= worst))
            {
                worst = d;
                at = i;
            }
        }

        double limit = bound * Math.Max(scale, 1.0 / bound * 1e-12);
        Assert.True(worst <= limit, $"{what}: max error {worst:E3} at [{at}] (expected {(at >= 0 ? expected[at] : 0):R}, got {(at >= 0 ? actual[at] : 0):R}), bound {limit:E3} = {bound:E0}·max|g| {scale:E3}");
    }

    /// <summary>The increment of each element of an accumulated output: actual − its value before the call.</summary>
    public static float[] Added(float[] after, float[] before)
    {
        var d = new float[after.Length];
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = after[i] - before[i];
        }

        return d;
    }

    /// <summary>(f(x + h·e_i) − f(x − h·e_i)) / 2h, restoring x[i].</summary>
    public static double Central(Func<double> f, double[] x, int index, double h = 1e-6)
    {
        double keep = x[index];
        x[index] = keep + h;
        double plus = f();
        x[index] = keep - h;
        double minus = f();
        x[index] = keep;
        return (plus - minus) / (2 * h);
    }

    /// <summary>
    /// Checks a kernel's float gradient against central differences of the float64 loss at a few entries (the largest and
    /// some random ones): |g − fd| ≤ tolerance · max(|fd|, max|g|·1e-2) + absolute.
    /// </summary>
    public static void AgainstFiniteDifferences(Func<double> loss, double[] x, float[] gradient, string what, int probes = 6, int seed = 1, double tolerance = 2e-3,
        double absolute = 1e-9)
    {
        Assert.Equal(x.Length, gradient.Length);
        var rng = new Random(seed);
        int largest = 0;
        for (int i = 1; i < gradient.Length; i++)
        {
            if (Math.Abs(gradient[i]) > Math.Abs(gradient[largest])) largest = i;
        }

        double scale = Math.Abs(gradient[largest]);
        for (int p = 0; p < probes; p++)
        {
            int i = p == 0 ? largest : rng.Next(x.Length);
            double fd = Central(loss, x, i);
            double limit = tolerance * Math.Max(Math.Abs(fd), scale * 1e-2) + absolute;
            Assert.True(Math.Abs(gradient[i] - fd) <= limit, $"{what}[{i}]: gradient {gradient[i]:R} vs central difference {fd:R} (limit {limit:E2})");
        }
    }

    public static double[] ToDouble(float[] x) => Array.ConvertAll(x, v => (double)v);

    public static float[] ToFloat(double[] x) => Array.ConvertAll(x, v => (float)v);
}
