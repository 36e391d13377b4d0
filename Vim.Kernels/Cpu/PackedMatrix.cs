// A Linear-style weight B (n×k, row-major [out, in]) repacked for Gemm: column panels of
// Gemm.PanelWidth (=16) outputs; panel j holds, for each p in 0..k−1, the 16 values B[16j..16j+15, p]
// contiguously (zero beyond n). Storage is 32-byte aligned on the pinned heap.
namespace Vim.Kernels.Cpu;

/// <summary>A weight matrix packed once for repeated <see cref="Gemm.Multiply(int, ReadOnlySpan{float}, int, PackedMatrix, Span{float}, int, ReadOnlySpan{float}, bool)"/> calls.</summary>
public sealed class PackedMatrix : IDisposable
{
    private float[]? storage;
    private readonly bool pooled;

    /// <param name="n">Rows of the original matrix.</param>
    /// <param name="k">Columns of the original matrix.</param>
    /// <param name="pooled">
    /// Take the storage from <see cref="PinnedArrayPool.Shared"/> and give it back on <see cref="Dispose"/>: for a
    /// matrix packed for one product, as the backward pass packs an activation for every weight gradient.
    /// </param>
    internal PackedMatrix(int n, int k, bool pooled = false)
    {
        N = n;
        K = k;
        Panels = (n + Gemm.PanelWidth - 1) / Gemm.PanelWidth;
        long length = (long)Panels * Gemm.PanelWidth * k;
        if (length > int.MaxValue - 16)
        {
            throw new ArgumentException($"Gemm.Pack: a {n}x{k} matrix is too large to pack.");
        }

        // Pinned so the aligned offset computed here stays valid for the object's lifetime.
        this.pooled = pooled;
        storage = pooled ? PinnedArrayPool.Shared.Rent((int)length + 8) : GC.AllocateArray<float>((int)length + 8, pinned: true);
        unsafe
        {
            fixed (float* p = storage)
            {
                Offset = (int)((32 - ((nint)p & 31)) & 31) / sizeof(float);
            }
        }
    }

    /// <summary>Number of output features (rows of the original matrix).</summary>
    public int N { get; }

    /// <summary>Number of input features (columns of the original matrix).</summary>
    public int K { get; }

    internal int Panels { get; }

    internal int Offset { get; }

    internal float[] Storage => storage ?? throw new ObjectDisposedException(nameof(PackedMatrix));

    internal Span<float> Data => Storage.AsSpan(Offset, Panels * Gemm.PanelWidth * K);

    /// <summary>
    /// Returns a pooled matrix's storage to the pool, after which the matrix is unusable. A matrix packed for keeps
    /// (a cached weight, which callers may still hold when its parameter changes) is left as it is, to the GC.
    /// </summary>
    public void Dispose()
    {
        if (!pooled || storage is null) return;
        PinnedArrayPool.Shared.Return(storage);
        storage = null;
    }
}
