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
        using var input = io["input"].To(backend.Device);
        var observed = new Dictionary<string, float[]>();
        model.Observer = (name, tensor) =>
        {
            Assert.Equal(backend.Device, tensor.Device);
            observed[name] = tensor.ToArray();
        };
        using var logits = model.Forward(input);
        model.Observer = null;
        using var features = model.ForwardFeatures(input);
        Assert.Equal(backend.Device, logits.Device);
        observed["logits"] = logits.ToArray();
        observed["features"] = features.ToArray();
        Assert.Equal(io["logits"].Shape, logits.Shape);
        Assert.Equal(io["features"].Shape, features.Shape);

        var report = new List<string>();
        foreach (var name in io.Keys.Where(k => k is not ("input" or "logits_torch_f32")))
        {
            Assert.True(observed.ContainsKey(name), $"{fixture}: the model never produced '{name}' on the GPU.");
            double error = Parity.RelativeL2(observed[name], io[name].Span);
            report.Add($"{name}: {error:E2}");
            Assert.True(error <= Parity.Bound, $"{fixture} on {backend.DeviceName}: '{name}' is {error:E2} from the official numbers (bound {Parity.Bound:E0}). All: {string.Join(", ", report)}");
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"{fixture} on {backend.DeviceName}: {string.Join(", ", report)}");
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
