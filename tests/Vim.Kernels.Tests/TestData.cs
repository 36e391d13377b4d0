// Seeded random inputs and NaN-poisoned outputs for the kernel tests.
namespace Vim.Kernels.Tests;

internal static class TestData
{
    public static float[] Random(int length, int seed, float lo = -1f, float hi = 1f)
    {
        var rng = new Random(seed);
        var x = new float[length];
        for (int i = 0; i < length; i++)
        {
            x[i] = lo + (hi - lo) * (float)rng.NextDouble();
        }

        return x;
    }

    public static float[] Poisoned(int length)
    {
        var x = new float[length];
        Array.Fill(x, float.NaN);
        return x;
    }
}
