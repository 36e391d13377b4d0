namespace Vim.Kernels.Cpu;

public static partial class Gemm
{
    /// <summary>
    /// Packs Bᵀ for a matrix given as <paramref name="rows"/>×<paramref name="cols"/> (row stride <paramref name="ld"/>): the
    /// packed matrix has n = cols and k = rows, so Multiply computes C = A · src. Each panel's k-step is a contiguous slice of
    /// one source row, so no transposed copy is made (the backward pass multiplies by weights and activations this way).
    /// </summary>
    /// <param name="src">The matrix, row-major.</param>
    /// <param name="rows">Rows of src (k of the packed matrix).</param>
    /// <param name="cols">Columns of src (n of the packed matrix).</param>
    /// <param name="ld">Row stride of src (≥ cols).</param>
    /// <param name="pooled">Take the storage from a pool, which <see cref="PackedMatrix.Dispose"/> gives it back to: for a matrix used once.</param>
    public static PackedMatrix PackTransposed(ReadOnlySpan<float> src, int rows, int cols, int ld, bool pooled = false)
    {
        Guard.NonNegative("Gemm.PackTransposed", nameof(rows), rows);
        Guard.Positive("Gemm.PackTransposed", nameof(cols), cols);
        Guard.Matrix("Gemm.PackTransposed", nameof(src), src.Length, rows, cols, ld);
        var packed = new PackedMatrix(cols, rows, pooled);
        Span<float> dst = packed.Data;
        for (int panel = 0; panel < packed.Panels; panel++)
        {
            Span<float> pd = dst.Slice(panel * PanelWidth * rows, PanelWidth * rows);
            int j0 = panel * PanelWidth;
            int width = Math.Min(PanelWidth, cols - j0);
            if (width < PanelWidth)
            {
                pd.Clear();
            }

            for (int p = 0; p < rows; p++)
            {
                src.Slice(p * ld + j0, width).CopyTo(pd.Slice(p * PanelWidth, width));
            }
        }

        return packed;
    }
}
