using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Tests.Storage;

public class TensorStorageTests
{
    private static unsafe nint Address(Tensor t) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.Span));

    [Theory]
    [InlineData(197 * 384)]
    [InlineData(197 * 768 + 3)]
    [InlineData(1 << 20)]
    public void LargeCpuTensors_StartOnA64ByteBoundary_AndHoldExactlyTheirElements(int count)
    {
        // Kept alive together so the pool hands out distinct arrays with different alignments.
        var tensors = Enumerable.Range(0, 6).Select(_ => Tensor.Empty(count)).ToList();
        foreach (var t in tensors)
        {
            Assert.Equal(0, Address(t) % 64);
            Assert.Equal(count, t.Span.Length);
            t.Span.Fill(1f);
        }

        // Released storage comes back aligned and sized for its new shape.
        tensors.ForEach(t => t.Dispose());
        using var again = Tensor.Zeros(count);
        Assert.Equal(0, Address(again) % 64);
        Assert.All(again.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void LargeCpuTensors_StayAligned_WhenTheLargeObjectHeapIsCompacted()
    {
        // Garbage below the tensor's array, then a compacting collection: an array on the large-object heap slides down
        // over the freed space by a distance that is not a multiple of 64, and its precomputed offset goes stale.
        var garbage = new List<byte[]>();
        for (int i = 0; i < 8; i++) garbage.Add(new byte[100_000 + 8 * i]);
        using var t = Tensor.Empty(3_000_001); // a length no other test of this class rents
        t.Span.Fill(2f);
        nint before = Address(t);
        garbage.Clear();
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);

        Assert.Equal(before, Address(t));
        Assert.Equal(0, Address(t) % 64);
        Assert.All(t.ToArray(), v => Assert.Equal(2f, v));
    }
}
