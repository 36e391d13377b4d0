// Runs KernelBenchmarks when VIM_BENCH=1 (skipped otherwise); results also go to $VIM_BENCH_OUT if set.
using Vim.Kernels.Cpu;

namespace Vim.Kernels.Tests;

public class Benchmarks
{
    [Fact]
    [Trait("Category", "Bench")]
    public void Run()
    {
        if (Environment.GetEnvironmentVariable("VIM_BENCH") != "1")
        {
            Assert.Skip("benchmarks run only with VIM_BENCH=1");
        }

        var sw = new StringWriter();
        KernelBenchmarks.Run(sw, Environment.GetEnvironmentVariable("VIM_BENCH_FILTER"));
        string? path = Environment.GetEnvironmentVariable("VIM_BENCH_OUT");
        if (path is not null)
        {
            File.WriteAllText(path, sw.ToString());
        }

        TestContext.Current.TestOutputHelper?.WriteLine(sw.ToString());
    }
}
