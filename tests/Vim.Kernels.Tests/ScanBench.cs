// Focused single-thread timings of the selective scan (VIM_SCAN_BENCH=1; results to $VIM_SCAN_BENCH_OUT):
// the vim_tiny 1-image scan with softplus/z/D, the bare recurrence with positive Δ (no softplus/z/D, the
// A ≤ 0, Δ ≥ 0 fast path), and the 2^y exp alone. CPU time, min of 3 × best-of-7 batches.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Vim.Kernels.Cpu;

namespace Vim.Kernels.Tests;

[Collection(GlobalThreadingCollection.Name)]
public class ScanBench
{
    [Fact]
    [Trait("Category", "Bench")]
    public void Run()
    {
        if (Environment.GetEnvironmentVariable("VIM_SCAN_BENCH") != "1")
        {
            Assert.Skip("runs only with VIM_SCAN_BENCH=1");
        }

        const int L = 197, E = 384, N = 16, R = 12;
        float[] u = KernelBenchmarks.Random(L * E, 1);
        float[] z = KernelBenchmarks.Random(L * 2 * E, 2);
        float[] dt = KernelBenchmarks.Random(L * E, 4);
        float[] dtPos = dt.Select(v => 0.01f + 0.5f * Math.Abs(v)).ToArray();
        float[] dtBias = KernelBenchmarks.Random(E, 5);
        float[] a = KernelBenchmarks.Random(E * N, 6).Select(v => -MathF.Exp(2 * v)).ToArray();
        float[] xdbl = KernelBenchmarks.Random(L * (R + 2 * N), 7);
        float[] dSkip = KernelBenchmarks.Random(E, 8);
        float[] y = new float[L * E];
        var sw = new StringWriter();
        int saved = KernelThreading.MaxDegreeOfParallelism;
        KernelThreading.MaxDegreeOfParallelism = 1;
        try
        {
            double updates = (double)L * E * N;
            double full = Best(() => SelectiveScan.Forward(1, L, E, N, u, dt, dtBias, true, a, xdbl.AsSpan(R), xdbl.AsSpan(R + N), R + 2 * N,
                dSkip, z.AsSpan(E), 2 * E, y, 0.5f, false, false));
            double bare = Best(() => SelectiveScan.Forward(1, L, E, N, u, dtPos, [], false, a, xdbl.AsSpan(R), xdbl.AsSpan(R + N), R + 2 * N,
                [], [], 0, y, 1f, false, false));
            const int B = 8;
            float[] u8 = KernelBenchmarks.Random(B * L * E, 11), dt8 = KernelBenchmarks.Random(B * L * E, 14), y8 = new float[B * L * E];
            float[] z8 = KernelBenchmarks.Random(B * L * 2 * E, 12), x8 = KernelBenchmarks.Random(B * L * (R + 2 * N), 17);
            double b8 = Best(() => SelectiveScan.Forward(B, L, E, N, u8, dt8, dtBias, true, a, x8.AsSpan(R), x8.AsSpan(R + N), R + 2 * N,
                dSkip, z8.AsSpan(E), 2 * E, y8, 0.5f, false, false));
            sw.WriteLine($"SB b8 {b8 * 1e3 / (B * updates):F3} ns/update ({b8:F1} us, 1 thread)");
            float[] ex = KernelBenchmarks.Random(4096, 20).Select(v => -20f * Math.Abs(v)).ToArray();
            float[] ey = new float[4096];
            double exp2 = Best(() => Exp2Loop(ex, ey));
            sw.WriteLine($"SB full {full * 1e3 / updates:F3} ns/update ({full:F1} us)");
            sw.WriteLine($"SB bare {bare * 1e3 / updates:F3} ns/update ({bare:F1} us)");
            sw.WriteLine($"SB exp2 {exp2 * 1e3 / 512:F3} ns/vector");
        }
        finally
        {
            KernelThreading.MaxDegreeOfParallelism = saved;
        }

        string? path = Environment.GetEnvironmentVariable("VIM_SCAN_BENCH_OUT");
        if (path is not null)
        {
            File.WriteAllText(path, sw.ToString());
        }

        TestContext.Current.TestOutputHelper?.WriteLine(sw.ToString());
    }

    private static double Best(Action action) => Math.Min(KernelBenchmarks.Time(action), Math.Min(KernelBenchmarks.Time(action), KernelBenchmarks.Time(action)));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Exp2Loop(float[] x, float[] y)
    {
        fixed (float* px = x)
        fixed (float* py = y)
        {
            for (int i = 0; i < x.Length; i += 8)
            {
                VecMathStore(py + i, VecMath.Exp2NonPositive(Vector256.Load(px + i)));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void VecMathStore(float* p, Vector256<float> v) => v.Store(p);
}
