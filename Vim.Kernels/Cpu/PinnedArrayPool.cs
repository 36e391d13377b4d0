using System.Buffers;
using System.Numerics;

namespace Vim.Kernels.Cpu;

/// <summary>
/// A pool of arrays on the pinned object heap, which the GC never moves. Large CPU tensors and packed GEMM operands
/// start at an aligned boundary inside their array (an offset computed once, when the array is taken); an array that
/// moved, as a compaction of the large-object heap can do, would leave that offset pointing off the boundary. Arrays
/// are kept per power-of-two length, at most <see cref="PerLength"/> of each, as <see cref="ArrayPool{T}.Create(int, int)"/> does.
/// </summary>
internal sealed class PinnedArrayPool : ArrayPool<float>
{
    /// <summary>The pool CPU tensors and the backward pass's transient packed matrices share (arrays up to 2^28 floats).</summary>
    public static new PinnedArrayPool Shared { get; } = new(1 << 28);

    private const int PerLength = 32;
    private readonly int _maxLength;
    private readonly Stack<float[]>[] _buckets;

    /// <param name="maxLength">The longest array kept (a power of two); longer requests get an array of their own.</param>
    public PinnedArrayPool(int maxLength)
    {
        if (maxLength < 1 || !int.IsPow2(maxLength)) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "Expected a power of two.");
        _maxLength = maxLength;
        _buckets = new Stack<float[]>[BitOperations.Log2((uint)maxLength) + 1];
        for (int i = 0; i < _buckets.Length; i++) _buckets[i] = new Stack<float[]>();
    }

    /// <summary>An array of at least <paramref name="minimumLength"/> elements, pinned, contents unspecified.</summary>
    public override float[] Rent(int minimumLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimumLength);
        if (minimumLength > _maxLength) return GC.AllocateUninitializedArray<float>(minimumLength, pinned: true);
        int bucket = Bucket(minimumLength);
        var stack = _buckets[bucket];
        lock (stack)
        {
            if (stack.TryPop(out var array)) return array;
        }

        return GC.AllocateUninitializedArray<float>(1 << bucket, pinned: true);
    }

    /// <summary>Keeps <paramref name="array"/> for a later <see cref="Rent"/> unless its length's bucket is full.</summary>
    public override void Return(float[] array, bool clearArray = false)
    {
        ArgumentNullException.ThrowIfNull(array);
        // Only arrays this pool made fit a bucket exactly; anything else is left to the GC.
        if (array.Length == 0 || array.Length > _maxLength || !int.IsPow2(array.Length)) return;
        if (clearArray) Array.Clear(array);
        var stack = _buckets[Bucket(array.Length)];
        lock (stack)
        {
            if (stack.Count < PerLength) stack.Push(array);
        }
    }

    private static int Bucket(int length) => length <= 1 ? 0 : BitOperations.Log2((uint)(length - 1)) + 1;
}
