// Benchmarks of the non-GEMM kernels at the vim_tiny batch-8 shapes (filled in as kernels land).
namespace Vim.Kernels.Cpu;

internal static class BenchmarkExtras
{
    public static void Run(TextWriter output)
    {
        _ = output;
    }
}
