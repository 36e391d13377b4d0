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
}
