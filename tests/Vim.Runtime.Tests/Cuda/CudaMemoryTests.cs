using Vim.Runtime.Devices;
using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Tests.Cuda;

/// <summary>Device memory: typed out-of-memory errors, recovery afterwards, and block reuse by the caching allocator.</summary>
[Collection(CudaCollection.Name)]
public class CudaMemoryTests
{
    [Fact]
    public void AbsurdAllocation_IsATypedError_AndTheDeviceKeepsWorking()
    {
        var backend = CudaTestSupport.Require();
        var error = Assert.Throws<CudaOutOfMemoryException>(() => Tensor.Empty(new Shape(1 << 18, 1 << 20), backend.Device)); // 1 TiB
        Assert.Contains("out of memory", error.Message);
        using var t = Tensor.FromArray([1f, 2f, 3f], 3).To(backend.Device);
        Assert.Equal([1f, 2f, 3f], t.ToArray());
    }

    [Fact]
    public void AbsurdBatch_IsATypedError_ThenANormalForwardStillWorks()
    {
        var backend = CudaTestSupport.Require();
        var model = Models.Create("vim_tiny_patch16_224").To(backend.Device);
        // An input of a third of the GPU: the activations of vim_tiny (xz alone is as large as the input) cannot fit.
        long perImage = 3L * 224 * 224 * sizeof(float);
        int batch = (int)Math.Min(int.MaxValue, backend.TotalMemory / 3 / perImage);
        var error = Assert.Throws<CudaOutOfMemoryException>(() =>
        {
            using var huge = Tensor.Zeros(new Shape(batch, 3, 224, 224), backend.Device);
            using var logits = model.Forward(huge);
        });
        TestContext.Current.TestOutputHelper?.WriteLine($"batch {batch}: {error.Message}");
        using var x = Tensor.Zeros(new Shape(2, 3, 224, 224), backend.Device);
        using var ok = model.Forward(x);
        Assert.Equal(new Shape(2, 1000), ok.Shape);
        Assert.All(ok.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void RepeatedForwards_ReuseCachedBlocks()
    {
        var backend = CudaTestSupport.Require();
        var model = Models.Create("fixture_vim_v2_midcls_rms_fused").To(backend.Device);
        using var x = Tensor.Zeros(new Shape(4, 3, 32, 32), backend.Device);
        using (model.Forward(x)) { }
        var before = backend.MemoryStats();
        for (int i = 0; i < 5; i++) using (model.Forward(x)) { }
        var after = backend.MemoryStats();
        Assert.Equal(before.InUse, after.InUse); // every intermediate was given back
    }

    [Theory]
    [InlineData(CudaPrecision.Fp32)] // −exp(A_log) per layer
    [InlineData(CudaPrecision.Bf16)] // and a bf16 copy of every Linear weight
    public void DerivedFormsOfChangedParameters_AreGivenBackAtOnce(CudaPrecision precision)
    {
        var backend = CudaTestSupport.Require();
        try
        {
            var model = Models.Create("fixture_vim_v2_midcls_rms_fused").To(backend.Device, precision);
            using var x = Tensor.Zeros(new Shape(2, 3, 32, 32), backend.Device);
            using (model.Forward(x)) { }
            var before = backend.MemoryStats();
            for (int i = 0; i < 3; i++)
            {
                foreach (var (_, parameter) in model.NamedParameters()) parameter.MarkChanged();
                using (model.Forward(x)) { }
            }

            // Without the release the stale forms stay in use until the finaliser runs: 3 × their size more here.
            Assert.Equal(before.InUse, backend.MemoryStats().InUse);
        }
        finally
        {
            backend.Precision = CudaPrecision.Fp32;
        }
    }
}
