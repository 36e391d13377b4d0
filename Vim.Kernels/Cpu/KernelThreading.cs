// Threading policy shared by every CPU kernel: one knob for the degree of parallelism and a
// helper that runs `count` independent work items either inline or through Parallel.For.
namespace Vim.Kernels.Cpu;

/// <summary>Controls how the CPU kernels use threads.</summary>
public static class KernelThreading
{
    private static int maxDegreeOfParallelism = Environment.ProcessorCount;

    /// <summary>
    /// The most threads a single kernel call may use (default <see cref="Environment.ProcessorCount"/>).
    /// Values below 1 are treated as 1 (run everything on the calling thread).
    /// </summary>
    public static int MaxDegreeOfParallelism
    {
        get => maxDegreeOfParallelism;
        set => maxDegreeOfParallelism = Math.Max(1, value);
    }

    /// <summary>
    /// Runs <paramref name="body"/> for 0..count-1. Work is only spread over threads when the caller
    /// says it is large enough (<paramref name="parallel"/>): Parallel.For costs a few microseconds,
    /// which would dominate the small shapes.
    /// </summary>
    internal static void For(int count, bool parallel, Action<int> body)
    {
        int degree = maxDegreeOfParallelism;
        if (!parallel || degree <= 1 || count <= 1)
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }

            return;
        }

        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = degree }, body);
    }
}
