// Column sums over many rows, the reduction of every bias- and norm-weight gradient. Summed in double, rows in order,
// so the result is independent of threading and a long reduction (B·L rows) keeps float precision.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vim.Kernels.Cpu;

internal static unsafe class ColumnSums
{
    /// <summary>total[j] += Σ_i x[i·ld + j] for rows i, columns j.</summary>
    public static void Accumulate(int rows, int cols, ReadOnlySpan<float> x, int ld, Span<float> total)
    {
        if (rows == 0)
        {
            return;
        }

        var sums = new double[cols];
        fixed (float* px = x)
        fixed (double* ps = sums)
        {
            for (int i = 0; i < rows; i++)
            {
                AddRow(px + (long)i * ld, ps, cols);
            }
        }

        for (int j = 0; j < cols; j++)
        {
            total[j] = (float)(total[j] + sums[j]);
        }
    }

    /// <summary>sums[j] += row[j] in double, 4 columns per vector.</summary>
    public static void AddRow(float* row, double* sums, int cols)
    {
        int j = 0;
        if (Simd.IsAvailable)
        {
            for (; j + 4 <= cols; j += 4)
            {
                Avx.Store(sums + j, Avx.Add(Avx.LoadVector256(sums + j), Avx.ConvertToVector256Double(Sse.LoadVector128(row + j))));
            }
        }

        for (; j < cols; j++)
        {
            sums[j] += row[j];
        }
    }
}
