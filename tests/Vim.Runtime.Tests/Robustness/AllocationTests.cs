using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Tests.Robustness;

/// <summary>Intermediates come from the tensor pool: a steady stream of forward passes allocates little managed memory.</summary>
public class AllocationTests
{
    [Fact]
    public void SteadyForwards_AllocateFarLessThanTheirActivations()
    {
        var model = Models.Create("vim_digits_patch8_32");
        using var x = Tensor.Zeros(8, 3, 32, 32);
        for (int i = 0; i < 3; i++) model.Forward(x).Dispose(); // warm the pool and the packed-weight caches

        // This thread's allocations only: other test classes run in parallel in the same process. Every tensor of
        // the forward pass is allocated here (the kernels' worker threads only fill them).
        const int passes = 5;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < passes; i++) model.Forward(x).Dispose();
        long perForward = (GC.GetAllocatedBytesForCurrentThread() - before) / passes;

        // One pass computes, per layer, xz (8·17·256 floats) and a dozen tensors like it: over 4 MB in all.
        // Measured: about 90 KB of small objects (tensor headers, task closures) per pass.
        Assert.True(perForward < 512 * 1024, $"{perForward:N0} bytes allocated per forward pass");
    }
}
