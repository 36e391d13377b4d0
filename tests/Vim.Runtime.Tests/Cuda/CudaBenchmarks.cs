using System.Diagnostics;
using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Tests.Cuda;

/// <summary>
/// GPU benchmarks, not tests: they run only with VIM_CUDA_BENCH=1 (scripts/device-round.sh sets it) and print their figures
/// (and append them to $VIM_BENCH_OUT when set). Figures are recorded in docs/perf/cuda.md.
/// </summary>
[Collection(CudaCollection.Name)]
[Trait("Category", "Benchmark")]
public class CudaBenchmarks
{
    [Fact]
    public void VimTiny_Fp32_Throughput_And_Latency()
    {
        if (Environment.GetEnvironmentVariable("VIM_CUDA_BENCH") != "1") Assert.Skip("benchmark: set VIM_CUDA_BENCH=1 to run");
        var backend = CudaTestSupport.Require();
        var model = Models.Create("vim_tiny_patch16_224").To(backend.Device);
        var lines = new List<string> { $"device: {backend.DeviceName}" };

        foreach (int batch in new[] { 128, 64 }) lines.Add(Throughput(backend, model, "vim_tiny_patch16_224", batch));
        {
            using var x = Tensor.Zeros(new Shape(1, 3, 224, 224), backend.Device);
            for (int i = 0; i < 5; i++) using (var w = model.Forward(x)) backend.Synchronize();
            var times = new List<double>();
            for (int i = 0; i < 30; i++)
            {
                var sw = Stopwatch.StartNew();
                using (var y = model.Forward(x)) backend.Synchronize();
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            lines.Add($"| vim_tiny_patch16_224 fp32, batch 1 latency | median {times[times.Count / 2]:F2} ms | min {times[0]:F2} ms |");
        }
        var (inUse, cached, peak) = backend.MemoryStats();
        lines.Add($"allocator: {inUse / 1048576.0:F0} MiB in use, {cached / 1048576.0:F0} MiB cached, peak {peak / 1048576.0:F0} MiB");

        // VMamba-T[s1l8] (issue 5), after the vim_tiny peak above so that figure stays vim_tiny's own.
        var vmamba = Models.Create("vmamba_tiny_s1l8").To(backend.Device);
        lines.Add(Throughput(backend, vmamba, "vmamba_tiny_s1l8", 128));
        lines.Add(Throughput(backend, vmamba, "vmamba_tiny_s1l8", 1));
        foreach (var line in lines) TestContext.Current.TestOutputHelper?.WriteLine(line);
        string? path = Environment.GetEnvironmentVariable("VIM_BENCH_OUT");
        if (!string.IsNullOrEmpty(path)) File.AppendAllLines(path, lines);
    }

    /// <summary>Two warm-up passes, then the mean of five timed passes (each synchronised) at <paramref name="batch"/>.</summary>
    private static string Throughput(Vim.Runtime.Devices.CudaBackend backend, Vim.Runtime.Modules.ImageModel model, string name, int batch)
    {
        using var x = Tensor.Zeros(new Shape(batch, 3, 224, 224), backend.Device);
        for (int i = 0; i < 2; i++) using (var w = model.Forward(x)) backend.Synchronize();
        const int Iterations = 5;
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < Iterations; i++) using (var y = model.Forward(x)) backend.Synchronize();
        double seconds = sw.Elapsed.TotalSeconds / Iterations;
        return $"| {name} fp32, batch {batch} | {seconds * 1e3:F2} ms/batch | {batch / seconds:F0} img/s |";
    }
}
