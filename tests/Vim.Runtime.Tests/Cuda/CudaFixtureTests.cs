using Vim.Runtime.Checkpoints;
using Vim.Runtime.Devices;
using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;
using Vim.Runtime.Tests.Fixtures;

namespace Vim.Runtime.Tests.Cuda;

/// <summary>Every official Vim fixture on the GPU (strict fp32, TF32 off): logits, features and every stored intermediate within 1e-5 relative L2.</summary>
[Collection(CudaCollection.Name)]
public class CudaFixtureTests
{
    public static TheoryData<string> Cases => FixtureParityTests.Cases;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fixture_OnTheGpu_MatchesOfficialNumbers(string fixture)
    {
        var backend = CudaTestSupport.Require();
        var model = FixtureParityTests.LoadModel(fixture, Parity.DataPath("Fixtures", "Data", fixture, "weights.safetensors")).To(backend.Device);
        var io = SafeTensors.Load(Parity.DataPath("Fixtures", "Data", fixture, "io.safetensors"));
        Parity.AssertMatchesFixture(model, io, $"{fixture} on {backend.DeviceName}");
    }

    [Fact]
    public void VimTiny_OnTheGpu_MatchesTheCpu()
    {
        var backend = CudaTestSupport.Require();
        var model = Models.Create("vim_tiny_patch16_224");
        var random = new Random(5);
        var host = new float[2 * 3 * 224 * 224];
        for (int i = 0; i < host.Length; i++) host[i] = (float)(random.NextDouble() * 4 - 2);
        using var x = Tensor.FromArray(host, 2, 3, 224, 224);
        using var cpu = model.Forward(x);
        model.To(backend.Device);
        using var xg = x.To(backend.Device);
        using var gpu = model.Forward(xg);
        double error = Parity.RelativeL2(gpu.ToArray(), cpu.Span);
        TestContext.Current.TestOutputHelper?.WriteLine($"vim_tiny_patch16_224 (random weights), batch 2: GPU vs CPU {error:E2}");
        Assert.True(error <= Parity.Bound, $"vim_tiny GPU vs CPU: {error:E2}");
    }
}
