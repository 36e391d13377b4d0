using Vim.Kernels.Cpu;

namespace Vim.Kernels.Tests;

public class PinnedArrayPoolTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(1000, 1024)]
    [InlineData(1024, 1024)]
    [InlineData(1025, 2048)]
    public void Rent_GivesThePowerOfTwoAtOrAboveTheRequest(int request, int length) =>
        Assert.Equal(length, new PinnedArrayPool(1 << 12).Rent(request).Length);

    [Fact]
    public void AReturnedArrayIsRentedAgain_UpTo32PerLength()
    {
        var pool = new PinnedArrayPool(1 << 12);
        var arrays = Enumerable.Range(0, 40).Select(_ => pool.Rent(500)).ToList();
        Assert.Equal(40, arrays.Distinct().Count());
        arrays.ForEach(a => pool.Return(a));
        var again = Enumerable.Range(0, 40).Select(_ => pool.Rent(300)).ToList();
        Assert.Equal(32, again.Count(a => arrays.Contains(a)));
    }

    [Fact]
    public void ForeignAndOversizedArraysAreNotKept()
    {
        var pool = new PinnedArrayPool(1 << 10);
        var huge = pool.Rent(5000); // above the largest kept length: an array of its own
        Assert.Equal(5000, huge.Length);
        pool.Return(huge);
        pool.Return(new float[300]); // not a length the pool hands out
        Assert.NotSame(huge, pool.Rent(5000));
        Assert.Equal(512, pool.Rent(300).Length);
    }

    [Fact]
    public void ClearArray_ZeroesWhatComesBack()
    {
        var pool = new PinnedArrayPool(1 << 10);
        var a = pool.Rent(64);
        a.AsSpan().Fill(3f);
        pool.Return(a, clearArray: true);
        var b = pool.Rent(64);
        Assert.Same(a, b);
        Assert.All(b, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void ABadMaximumOrRequestIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PinnedArrayPool(1000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PinnedArrayPool(1 << 10).Rent(-1));
    }
}
