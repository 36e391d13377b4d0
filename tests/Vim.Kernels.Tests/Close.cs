// Tolerance comparison |actual − expected| ≤ atol + rtol·|expected| that reports the first
// mismatches with their indices (and NaN from unwritten, poisoned outputs).
using System.Text;

namespace Vim.Kernels.Tests;

internal static class Close
{
    public static void Check(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double atol, double rtol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var sb = new StringBuilder();
        int bad = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            bool ok = double.IsNaN(e) ? double.IsNaN(a) : Math.Abs(a - e) <= atol + rtol * Math.Abs(e);
            if (!ok)
            {
                if (bad < 8)
                {
                    sb.Append($"\n  [{i}] expected {e:R} got {a:R} (diff {Math.Abs(a - e):E3})");
                }

                bad++;
            }
        }

        if (bad > 0)
        {
            Assert.Fail($"{what}: {bad} of {expected.Length} elements out of tolerance (atol {atol}, rtol {rtol}):{sb}");
        }
    }

    /// <summary>Checks only the elements of a strided view; the rest must keep their sentinel values.</summary>
    public static void CheckStrided(ReadOnlySpan<double> expected, int rows, int cols, ReadOnlySpan<float> actual, int ld, double atol, double rtol, string what)
    {
        var dense = new float[rows * cols];
        for (int i = 0; i < rows; i++)
        {
            actual.Slice(i * ld, cols).CopyTo(dense.AsSpan(i * cols));
        }

        Check(expected, dense, atol, rtol, what);
    }
}
