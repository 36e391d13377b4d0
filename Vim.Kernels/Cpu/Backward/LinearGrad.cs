// Gradients of a Linear layer y = x · Wᵀ + b over m rows (x: m×in, W: out×in, y: m×out):
//   dx = dy · W          (m×in)      — the GEMM with B = Wᵀ, packed from W's rows without a transposed copy
//   dW += dyᵀ · x        (out×in)    — the GEMM with A = dyᵀ (a transposed copy) and B = xᵀ (packed from x's rows)
//   db += Σ_rows dy      (out)
// The weight gradient accumulates (a parameter gathers its gradient over calls); dx may overwrite or add.
// Every output element is summed in the same order whatever the thread count, so results do not depend on it.
using System.Buffers;

namespace Vim.Kernels.Cpu;

/// <summary>The backward pass of a Linear layer (input, weight and bias gradients).</summary>
public static unsafe class LinearGrad
{
    /// <summary>dx (=, or += when <paramref name="accumulate"/>) dy · W.</summary>
    /// <param name="m">Rows.</param>
    /// <param name="outFeatures">Columns of dy, rows of W.</param>
    /// <param name="inFeatures">Columns of W and dx.</param>
    /// <param name="dy">Output gradient, m rows of <paramref name="outFeatures"/> values spaced <paramref name="ldy"/> apart.</param>
    /// <param name="ldy">Row stride of dy.</param>
    /// <param name="weight">W (out×in), row stride <paramref name="ldw"/>.</param>
    /// <param name="ldw">Row stride of W.</param>
    /// <param name="dx">Input gradient, m rows of <paramref name="inFeatures"/> values spaced <paramref name="ldx"/> apart.</param>
    /// <param name="ldx">Row stride of dx.</param>
    /// <param name="accumulate">Add to dx instead of overwriting it.</param>
    public static void Input(int m, int outFeatures, int inFeatures, ReadOnlySpan<float> dy, int ldy, ReadOnlySpan<float> weight, int ldw,
        Span<float> dx, int ldx, bool accumulate)
    {
        const string Name = "LinearGrad.Input";
        Guard.NonNegative(Name, nameof(m), m);
        Guard.Positive(Name, nameof(outFeatures), outFeatures);
        Guard.Positive(Name, nameof(inFeatures), inFeatures);
        Guard.Matrix(Name, nameof(weight), weight.Length, outFeatures, inFeatures, ldw);
        if (m == 0)
        {
            return;
        }

        // Wᵀ (in×out) packed: panel j holds W[p, 16j .. 16j+15] for every p, a contiguous slice of W's row p.
        using var packed = Gemm.PackTransposed(weight, outFeatures, inFeatures, ldw, pooled: true);
        Gemm.Multiply(m, dy, ldy, packed, dx, ldx, default, accumulate);
    }

    /// <summary>dW += dyᵀ · x.</summary>
    /// <param name="m">Rows of dy and x (the reduction length).</param>
    /// <param name="outFeatures">Columns of dy, rows of dW.</param>
    /// <param name="inFeatures">Columns of x and dW.</param>
    /// <param name="dy">Output gradient (m×out), row stride <paramref name="ldy"/>.</param>
    /// <param name="ldy">Row stride of dy.</param>
    /// <param name="x">Layer input (m×in), row stride <paramref name="ldx"/>.</param>
    /// <param name="ldx">Row stride of x.</param>
    /// <param name="dw">Weight gradient (out×in), row stride <paramref name="lddw"/>, accumulated.</param>
    /// <param name="lddw">Row stride of dW.</param>
    public static void Weight(int m, int outFeatures, int inFeatures, ReadOnlySpan<float> dy, int ldy, ReadOnlySpan<float> x, int ldx,
        Span<float> dw, int lddw)
    {
        const string Name = "LinearGrad.Weight";
        Guard.NonNegative(Name, nameof(m), m);
        Guard.Positive(Name, nameof(outFeatures), outFeatures);
        Guard.Positive(Name, nameof(inFeatures), inFeatures);
        Guard.Matrix(Name, nameof(dy), dy.Length, m, outFeatures, ldy);
        Guard.Matrix(Name, nameof(x), x.Length, m, inFeatures, ldx);
        Guard.Matrix(Name, nameof(dw), dw.Length, outFeatures, inFeatures, lddw);
        if (m == 0)
        {
            return;
        }

        // C (out×in) += A (out×m) · Bᵀ with A = dyᵀ and B = xᵀ (in×m), packed from x's rows.
        float[] dyT = ArrayPool<float>.Shared.Rent(outFeatures * m);
        try
        {
            Transpose(m, outFeatures, dy, ldy, dyT);
            using var packed = Gemm.PackTransposed(x, m, inFeatures, ldx, pooled: true);
            Gemm.Multiply(outFeatures, dyT, m, packed, dw, lddw, default, accumulate: true);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(dyT);
        }
    }

    /// <summary>db += Σ over rows of dy.</summary>
    /// <param name="m">Rows.</param>
    /// <param name="outFeatures">Columns of dy and db.</param>
    /// <param name="dy">Output gradient (m×out), row stride <paramref name="ldy"/>.</param>
    /// <param name="ldy">Row stride of dy.</param>
    /// <param name="db">Bias gradient (out), accumulated.</param>
    public static void Bias(int m, int outFeatures, ReadOnlySpan<float> dy, int ldy, Span<float> db)
    {
        const string Name = "LinearGrad.Bias";
        Guard.NonNegative(Name, nameof(m), m);
        Guard.Positive(Name, nameof(outFeatures), outFeatures);
        Guard.Matrix(Name, nameof(dy), dy.Length, m, outFeatures, ldy);
        Guard.Exactly(Name, nameof(db), db.Length, outFeatures, $"out={outFeatures}");
        ColumnSums.Accumulate(m, outFeatures, dy, ldy, db);
    }

    /// <summary>dst (cols×rows, contiguous) = srcᵀ, for src rows×cols with row stride ld; in 32×32 tiles so both sides stay in cache.</summary>
    internal static void Transpose(int rows, int cols, ReadOnlySpan<float> src, int ld, Span<float> dst)
    {
        const int Tile = 32;
        for (int i0 = 0; i0 < rows; i0 += Tile)
        {
            int i1 = Math.Min(rows, i0 + Tile);
            for (int j0 = 0; j0 < cols; j0 += Tile)
            {
                int j1 = Math.Min(cols, j0 + Tile);
                for (int i = i0; i < i1; i++)
                {
                    ReadOnlySpan<float> row = src.Slice(i * ld, cols);
                    for (int j = j0; j < j1; j++)
                    {
                        dst[j * rows + i] = row[j];
                    }
                }
            }
        }
    }
}
