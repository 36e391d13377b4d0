// Micro-benchmarks of the CPU kernels at the vim_tiny shapes (batch 8, L = 197, D = 192, E = 384,
// N = 16, R = 12): GFLOP/s for the GEMMs, microseconds per call for everything else.
using System.Diagnostics;

namespace Vim.Kernels.Cpu;

/// <summary>Console benchmarks of the CPU kernels (not tests; run in Release).</summary>
public static class KernelBenchmarks
{
    /// <summary>Runs every benchmark and writes one line per measurement to <paramref name="output"/>.</summary>
    /// <param name="output">Where to write the results.</param>
    /// <param name="filter">Run only the groups whose name contains this text ("gemm", "scan", "misc"); null runs all.</param>
    public static void Run(TextWriter output, string? filter = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (filter is not null && !"gemm".Contains(filter, StringComparison.Ordinal))
        {
            output.WriteLine($"threads={KernelThreading.MaxDegreeOfParallelism} simd={Simd.IsAvailable}");
            BenchmarkExtras.Run(output, filter);
            return;
        }

        output.WriteLine($"threads={KernelThreading.MaxDegreeOfParallelism} simd={Simd.IsAvailable}");
        const int M = 8 * 197;
        int saved = KernelThreading.MaxDegreeOfParallelism;
        KernelThreading.MaxDegreeOfParallelism = 1;
        GemmCase(output, "in_proj 1T", M, 768, 192, 192);
        GemmCase(output, "out_proj 1T", M, 192, 384, 384);
        KernelThreading.MaxDegreeOfParallelism = saved;
        GemmCase(output, "in_proj", M, 768, 192, 192);
        GemmCase(output, "x_proj", M, 44, 384, 384);
        GemmCase(output, "dt_proj", M, 384, 12, 44);
        GemmCase(output, "out_proj", M, 192, 384, 384);
        GemmCase(output, "head", 8, 1000, 192, 192);
        GemmCase(output, "patch_embed", 8 * 196, 192, 768, 768);
        if (filter is null)
        {
            BenchmarkExtras.Run(output, null);
        }
    }

    private static void GemmCase(TextWriter output, string name, int m, int n, int k, int lda)
    {
        float[] a = Random((m - 1) * lda + k, 1);
        PackedMatrix b = Gemm.Pack(Random(n * k, 2), n, k, k);
        float[] bias = Random(n, 3);
        float[] c = new float[m * n];
        (double wall, double cpu) = TimeBoth(() => Gemm.Multiply(m, a, lda, b, c, n, bias, false));
        double flop = 2.0 * m * n * k;
        output.WriteLine($"gemm {name,-12} m={m,5} n={n,5} k={k,4}: cpu {cpu,8:F1} us {flop / (cpu * 1e3),6:F1} GFLOP/s | wall {wall,8:F1} us {flop / (wall * 1e3),6:F1} GFLOP/s");
    }

    /// <summary>
    /// Microseconds per call, best of 7 batches of ~50 ms after a warm-up, as (wall, cpu): cpu is this
    /// process's CPU time per call divided by the threads the kernel may use, i.e. the wall time the call
    /// would take with those cores to itself if its threads were perfectly balanced (a lower bound on
    /// the uncontended wall time).
    /// </summary>
    internal static (double Wall, double Cpu) TimeBoth(Action action)
    {
        // Warm up long enough for tiered compilation to replace the benchmark's own delegates.
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < 250)
        {
            action();
        }

        sw.Restart();
        int reps = 0;
        while (sw.ElapsedMilliseconds < 50)
        {
            action();
            reps++;
        }

        double wall = double.MaxValue, cpu = double.MaxValue;
        for (int s = 0; s < 7; s++)
        {
            double c0 = BenchClock.ProcessCpuSeconds();
            sw.Restart();
            for (int r = 0; r < reps; r++)
            {
                action();
            }

            // Minimum, not median: other tenants only ever add time.
            wall = Math.Min(wall, sw.Elapsed.TotalMicroseconds / reps);
            cpu = Math.Min(cpu, (BenchClock.ProcessCpuSeconds() - c0) * 1e6 / reps);
        }

        return (wall, cpu / KernelThreading.MaxDegreeOfParallelism);
    }

    /// <summary>The CPU-time figure of <see cref="TimeBoth"/>.</summary>
    internal static double Time(Action action) => TimeBoth(action).Cpu;

    /// <summary>CPU time per call of a kernel that runs on the calling thread only (not divided by the thread count).</summary>
    internal static double TimeSerial(Action action) => TimeBoth(action).Cpu * KernelThreading.MaxDegreeOfParallelism;

    internal static float[] Random(int length, int seed)
    {
        var rng = new Random(seed);
        var x = new float[length];
        for (int i = 0; i < length; i++)
        {
            x[i] = (float)(rng.NextDouble() * 2 - 1);
        }

        return x;
    }
}
