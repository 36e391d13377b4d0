using Vim.Dsl;
using Vim.Runtime.Checkpoints;
using Vim.Runtime.Devices;
using Vim.Runtime.Modules;
using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;
using Vim.Runtime.Tests.Fixtures;
using Vim.Runtime.Tests.VMamba;

namespace Vim.Runtime.Tests.Cuda;

/// <summary>
/// VMamba on the GPU (strict fp32, TF32 off): every official VMamba fixture (logits, features, every stored intermediate)
/// within 1e-5 relative L2 of the official numbers; each of the 12 backend ops against the CPU backend on random inputs
/// with odd sizes; a random-weight VMamba model on the GPU against the CPU. Skips visibly without a GPU.
/// </summary>
[Collection(CudaCollection.Name)]
public class CudaVMambaTests
{
    private static readonly IBackend Cpu = Backends.For(Device.Cpu);

    public static TheoryData<string> Fixtures => VMambaParityTests.Cases;

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void VMambaFixture_OnTheGpu_MatchesOfficialNumbers(string fixture)
    {
        var backend = CudaTestSupport.Require();
        var model = VMambaParityTests.LoadModel(fixture, Parity.DataPath("VMamba", "Data", fixture, "weights.safetensors")).To(backend.Device);
        var io = SafeTensors.Load(Parity.DataPath("VMamba", "Data", fixture, "io.safetensors"));
        Parity.AssertMatchesFixture(model, io, $"{fixture} on {backend.DeviceName}");
    }

    [Theory]
    [InlineData("vmamba_tiny_s1l8", 1, 64, 96)]
    [InlineData("vanilla_vmamba_tiny", 2, 64, 64)]
    public void RandomWeightVMamba_OnTheGpu_MatchesTheCpu(string name, int batch, int height, int width)
    {
        var backend = CudaTestSupport.Require();
        var model = Models.Create(name);
        using var x = Tensor.FromArray(Random(batch * 3 * height * width, 5, 2f), batch, 3, height, width);
        using var cpu = model.Forward(x);
        model.To(backend.Device);
        using var xg = x.To(backend.Device);
        using var gpu = model.Forward(xg);
        double error = Parity.RelativeL2(gpu.ToArray(), cpu.Span);
        TestContext.Current.TestOutputHelper?.WriteLine($"{name} (random weights), {batch}x3x{height}x{width}: GPU vs CPU {error:E2}");
        Assert.True(error <= Parity.Bound, $"{name} GPU vs CPU: {error:E2} (bound {Parity.Bound:E0})");
    }

    // ---- the 12 ops, GPU against the CPU backend ----------------------------------------------------------------

    [Theory]
    [InlineData(1, 3, 16, 16, 8, 4, 4, 0, true)]
    [InlineData(2, 3, 17, 13, 5, 3, 2, 1, true)]
    [InlineData(2, 7, 9, 11, 6, 3, 2, 1, false)]
    [InlineData(1, 5, 8, 7, 3, 1, 1, 0, false)]
    public void Conv2d_MatchesTheCpu(int b, int c, int h, int w, int o, int k, int stride, int padding, bool channelFirst)
    {
        var backend = CudaTestSupport.Require();
        var weight = Param("weight", backend, 11, o, c, k, k);
        var bias = Param("bias", backend, 12, o);
        using var x = Tensor.FromArray(Random(b * c * h * w, 13), channelFirst ? [b, c, h, w] : [b, h, w, c]);
        foreach (var withBias in new[] { false, true })
        {
            using var want = Cpu.Conv2d(x, channelFirst, weight.Cpu, withBias ? bias.Cpu : null, stride, padding);
            using var xg = x.To(backend.Device);
            using var got = backend.Conv2d(xg, channelFirst, weight.Gpu, withBias ? bias.Gpu : null, stride, padding);
            Close(got, want, $"Conv2d {x.Shape} k{k} s{stride} p{padding} bias={withBias}");
        }
    }

    [Theory]
    [InlineData(1, 8, 8, 16, 16, 3)]
    [InlineData(2, 7, 5, 13, 29, 3)]
    [InlineData(1, 9, 11, 6, 6, 5)]
    public void DepthwiseConv2d_MatchesTheCpu(int b, int h, int w, int c, int ld, int k)
    {
        var backend = CudaTestSupport.Require();
        var weight = Param("weight", backend, 21, c, 1, k, k);
        var bias = Param("bias", backend, 22, c);
        using var x = Tensor.FromArray(Random(b * h * w * ld, 23), b, h, w, ld);
        using var xg = x.To(backend.Device);
        foreach (var withBias in new[] { false, true })
        {
            using var want = Cpu.DepthwiseConv2d(x, weight.Cpu, withBias ? bias.Cpu : null);
            using var got = backend.DepthwiseConv2d(xg, weight.Gpu, withBias ? bias.Gpu : null);
            Close(got, want, $"DepthwiseConv2d {x.Shape} C{c} k{k} bias={withBias}");
        }
    }

    [Theory]
    [InlineData(ActLayer.Silu)]
    [InlineData(ActLayer.Gelu)]
    [InlineData(ActLayer.Relu)]
    [InlineData(ActLayer.Sigmoid)]
    public void ActivationAndGate_MatchTheCpu(ActLayer activation)
    {
        var backend = CudaTestSupport.Require();
        using var x = Tensor.FromArray(Random(3 * 5 * 7 * 29, 31, 6f), 3, 5, 7, 29);
        using var xg = x.To(backend.Device);
        using var a = CpuCopy(x);
        using var ag = x.To(backend.Device);
        Cpu.ActivationInPlace(a, activation);
        backend.ActivationInPlace(ag, activation);
        Close(ag, a, $"ActivationInPlace({activation})");

        using var y = Tensor.FromArray(Random(3 * 5 * 7 * 13, 32), 3, 5, 7, 13);
        using var yg = y.To(backend.Device);
        Cpu.GateInPlace(y, x, 11, activation);
        backend.GateInPlace(yg, xg, 11, activation);
        Close(yg, y, $"GateInPlace({activation})");
    }

    [Fact]
    public void SliceChannelsAndIdentityGate_MatchTheCpu()
    {
        var backend = CudaTestSupport.Require();
        using var x = Tensor.FromArray(Random(2 * 5 * 3 * 29, 41), 2, 5, 3, 29);
        using var xg = x.To(backend.Device);
        using var want = Cpu.SliceChannels(x, 5, 13);
        using var got = backend.SliceChannels(xg, 5, 13);
        Close(got, want, "SliceChannels", exact: true);

        using var y = Tensor.FromArray(Random(2 * 5 * 3 * 16, 42), 2, 5, 3, 16);
        using var yg = y.To(backend.Device);
        Cpu.GateInPlace(y, x, 13, null);
        backend.GateInPlace(yg, xg, 13, null);
        Close(yg, y, "GateInPlace(identity)");
    }

    [Theory]
    [InlineData(1, 4, 4, 8, 16, 2)]
    [InlineData(2, 5, 7, 13, 1, 1)]
    [InlineData(1, 7, 3, 24, 48, 3)]
    [InlineData(2, 6, 6, 9, 5, 4)]
    public void CrossScan_MatchesTheCpu(int b, int h, int w, int d, int n, int r)
    {
        var backend = CudaTestSupport.Require();
        int rows = b * h * w, projWidth = 4 * (r + 2 * n);
        using var u = Tensor.FromArray(Random(rows * d, 51), b, h, w, d);
        using var proj = Tensor.FromArray(Random(rows * projWidth, 52), b, h, w, projWidth);
        using var delta = Tensor.FromArray(Random(rows * 4 * d, 53, 2f, -1f), b, h, w, 4 * d);
        var dtBias = Param("dt_projs_bias", backend, 54, 4, d);
        var aLogs = Param("A_logs", backend, 55, 4 * d, n);
        var ds = Param("Ds", backend, 56, 4 * d);
        using var ug = u.To(backend.Device);
        using var pg = proj.To(backend.Device);
        using var dg = delta.To(backend.Device);
        foreach (var traversals in new[] { new[] { 0, 1, 2, 3 }, new[] { 3, 0, 2, 1 } })
        {
            using var want = Cpu.CrossScan(u, proj, delta, dtBias.Cpu, aLogs.Cpu, ds.Cpu, r, n, traversals);
            using var got = backend.CrossScan(ug, pg, dg, dtBias.Gpu, aLogs.Gpu, ds.Gpu, r, n, traversals);
            Close(got, want, $"CrossScan {u.Shape} N{n} R{r} traversals {string.Join(",", traversals)}");
        }
    }

    [Theory]
    [InlineData(1, 4, 4, 8)]
    [InlineData(2, 5, 7, 3)]
    [InlineData(1, 1, 1, 5)]
    [InlineData(3, 7, 6, 17)]
    public void MapOps_MatchTheCpu(int b, int h, int w, int c)
    {
        var backend = CudaTestSupport.Require();
        using var x = Tensor.FromArray(Random(b * h * w * c, 61, 4f), b, h, w, c);
        using var xg = x.To(backend.Device);
        using (var want = Cpu.PatchMerge(x))
        using (var got = backend.PatchMerge(xg)) Close(got, want, $"PatchMerge {x.Shape}", exact: true);
        using (var want = Cpu.ToChannelFirst(x))
        using (var got = backend.ToChannelFirst(xg)) Close(got, want, $"ToChannelFirst {x.Shape}", exact: true);
        using (var want = Cpu.MeanOverPositions(x))
        using (var got = backend.MeanOverPositions(xg)) Close(got, want, $"MeanOverPositions {x.Shape}");

        using var pos = Tensor.FromArray(Random(c * h * w, 62), 1, c, h, w);
        using var posg = pos.To(backend.Device);
        using var a = CpuCopy(x);
        using var ag = x.To(backend.Device);
        Cpu.AddChannelFirstInPlace(a, pos);
        backend.AddChannelFirstInPlace(ag, posg);
        Close(ag, a, $"AddChannelFirstInPlace {x.Shape}", exact: true);

        using var s = CpuCopy(x);
        using var sg = x.To(backend.Device);
        Cpu.SpatialSoftmaxInPlace(s);
        backend.SpatialSoftmaxInPlace(sg);
        Close(sg, s, $"SpatialSoftmaxInPlace {x.Shape}");
    }

    [Theory]
    [InlineData(1, 4, 4, 8, 1, 1)]
    [InlineData(2, 5, 7, 13, 16, 3)]
    public void DirectionProjections_MatchTheCpu(int b, int h, int w, int d, int n, int r)
    {
        var backend = CudaTestSupport.Require();
        var xProj = Param("x_proj_weight", backend, 71, 4, r + 2 * n, d);
        var dtProjs = Param("dt_projs_weight", backend, 72, 4, d, r);
        using var u = Tensor.FromArray(Random(b * h * w * d, 73), b, h, w, d);
        using var ug = u.To(backend.Device);
        var (proj, delta) = Cpu.DirectionProjections(u, xProj.Cpu, dtProjs.Cpu);
        var (projG, deltaG) = backend.DirectionProjections(ug, xProj.Gpu, dtProjs.Gpu);
        using (proj)
        using (delta)
        using (projG)
        using (deltaG)
        {
            Close(projG, proj, $"DirectionProjections proj {u.Shape} N{n} R{r}");
            Close(deltaG, delta, $"DirectionProjections Δraw {u.Shape} N{n} R{r}");
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private static float[] Random(int count, int seed, float scale = 1f, float offset = 0f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < values.Length; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * scale) + offset;
        return values;
    }

    /// <summary>The same random values as a CPU parameter and a GPU parameter.</summary>
    private static (Parameter Cpu, Parameter Gpu) Param(string name, CudaBackend backend, int seed, params int[] shape)
    {
        var cpu = new Parameter(name, new Shape(shape), ParameterInit.Zeros, Device.Cpu, isBuffer: false);
        var gpu = new Parameter(name, new Shape(shape), ParameterInit.Zeros, backend.Device, isBuffer: false);
        float[] values = Random((int)cpu.Shape.Numel, seed);
        cpu.Value = Tensor.FromArray(values, shape);
        gpu.Value = Tensor.FromArray(values, shape); // the setter moves it to the parameter's device
        Assert.Equal(backend.Device, gpu.Value.Device);
        return (cpu, gpu);
    }

    /// <summary>A separate CPU copy (Tensor.To returns the tensor itself when it is already on the device).</summary>
    private static Tensor CpuCopy(Tensor t) => Tensor.FromArray(t.ToArray(), t.Shape.ToArray());

    private static void Close(Tensor gpu, Tensor cpu, string what, bool exact = false)
    {
        Assert.Equal(cpu.Shape, gpu.Shape);
        float[] got = gpu.ToArray();
        double error = Parity.RelativeL2(got, cpu.Span);
        TestContext.Current.TestOutputHelper?.WriteLine($"{what}: GPU vs CPU {error:E2}");
        if (exact) Assert.True(got.AsSpan().SequenceEqual(cpu.Span), $"{what}: GPU differs from the CPU (relative L2 {error:E2}); expected bit-identical.");
        else Assert.True(error <= Parity.Bound, $"{what}: GPU vs CPU {error:E2} (bound {Parity.Bound:E0})");
    }
}
