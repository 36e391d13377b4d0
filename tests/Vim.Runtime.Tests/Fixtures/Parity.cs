namespace Vim.Runtime.Tests.Fixtures;

/// <summary>The relative error of design.md: ‖a − b‖₂ / ‖b‖₂, accumulated in double.</summary>
public static class Parity
{
    /// <summary>The acceptance bound for CPU fp32 against the official float64 numbers.</summary>
    public const double Bound = 1e-5;

    public static double RelativeL2(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        if (actual.Length != expected.Length) throw new ArgumentException($"Lengths differ: {actual.Length} vs {expected.Length}.");
        double diff = 0, norm = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double d = (double)actual[i] - expected[i];
            diff += d * d;
            norm += (double)expected[i] * expected[i];
        }
        return Math.Sqrt(diff) / Math.Max(Math.Sqrt(norm), double.Epsilon);
    }

    public static string DataPath(params string[] parts) => Path.Combine([AppContext.BaseDirectory, .. parts]);
}
