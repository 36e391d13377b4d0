using Vim.Runtime.Checkpoints;
using Vim.Runtime.Modules;
using Vim.Runtime.Registry;
using Vim.Runtime.Tests.Fixtures;
using Vim.Runtime.Tests.Features;
using Vim.Runtime.Tests.VMamba;

namespace Vim.Runtime.Tests.Cuda;

/// <summary>Backbone maps on the GPU equal the CPU's (strict fp32): the grid kernel without cls tokens, the staged path with them, VMamba stages.</summary>
[Collection(CudaCollection.Name)]
public class CudaFeatureMapTests
{
    public static TheoryData<string> Cases => VimFeatureMapTests.Cases;

    [Theory]
    [MemberData(nameof(Cases))]
    public void VimBlockMaps_OnTheGpu_MatchTheCpu(string fixture)
    {
        var backend = CudaTestSupport.Require();
        var model = Models.Create("features_" + fixture);
        model.LoadCheckpoint(Parity.DataPath("Features", "Data", fixture, "weights.safetensors"));
        var io = SafeTensors.Load(Parity.DataPath("Features", "Data", fixture, "io.safetensors"));
        AssertGpuMatchesCpu(model, io["input"], FeatureSource.BlockOutput, $"{fixture} on {backend.DeviceName}");
        AssertGpuMatchesCpu(model.To(Devices.Device.Cpu), io["input"], FeatureSource.Residual, $"{fixture} (residual) on {backend.DeviceName}");
    }

    [Fact]
    public void VMambaStageMaps_OnTheGpu_MatchTheCpu()
    {
        var backend = CudaTestSupport.Require();
        const string fixture = "vmamba_v2_ln2d_r1_64x96_b2";
        var model = VMambaParityTests.LoadModel(fixture, Parity.DataPath("VMamba", "Data", fixture, "weights.safetensors"));
        var io = SafeTensors.Load(Parity.DataPath("VMamba", "Data", fixture, "io.safetensors"));
        AssertGpuMatchesCpu(model, io["input"], FeatureSource.BlockOutput, $"{fixture} on {backend.DeviceName}");
    }

    private static void AssertGpuMatchesCpu(ImageModel model, Tensors.Tensor x, FeatureSource source, string label)
    {
        var all = model.FeatureInfo.Select(f => f.Index).ToList();
        var cpu = model.ForwardFeatureMaps(x, all, source);
        var device = Devices.Device.Cuda(0);
        model.To(device);
        using var xg = x.To(device);
        var gpu = model.ForwardFeatureMaps(xg, all, source);
        for (int k = 0; k < all.Count; k++)
        {
            Assert.Equal(device, gpu[k].Device);
            Assert.Equal(cpu[k].Shape.ToArray(), gpu[k].Shape.ToArray());
            double error = Parity.RelativeL2(gpu[k].ToArray(), cpu[k].Span);
            TestContext.Current.TestOutputHelper?.WriteLine($"{label} map {all[k]}: GPU vs CPU {error:E2}");
            Assert.True(error <= Parity.Bound, $"{label} map {all[k]}: GPU vs CPU {error:E2}");
        }
        foreach (var m in cpu.Concat(gpu)) m.Dispose();
    }
}
