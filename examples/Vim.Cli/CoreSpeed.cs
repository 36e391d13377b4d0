using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vim.Cli;

/// <summary>
/// How fast the current core runs right now, from a loop whose cycle count is known: eight independent chains of
/// fused multiply-adds, 4 cycles of latency each on Zen 3 and on Intel cores since Skylake, so one iteration takes
/// 4 cycles. On a shared virtual machine the host's other guests slow this loop down (they share the physical core
/// or its clock), and "steal" does not show it; the bench prints this figure next to its timings so that two runs
/// can be compared. On a core with another FMA latency the figure is a 4-cycle equivalent, not its clock.
/// </summary>
internal static class CoreSpeed
{
    private const int Iterations = 100_000; // ≈ 0.13 ms at 3 GHz

    /// <summary>Effective GHz of the calling thread's core over a fraction of a millisecond; null without FMA.</summary>
    public static double? MeasureGHz()
    {
        if (!Fma.IsSupported) return null;
        Chains(1000); // compiled and warm before the timed run
        long start = Stopwatch.GetTimestamp();
        Chains(Iterations);
        double ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
        return 4.0 * Iterations / ns;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains(int iterations)
    {
        var k = Vector256.Create(0.999999f);
        var c = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Fma.MultiplyAdd(a0, k, c);
            a1 = Fma.MultiplyAdd(a1, k, c);
            a2 = Fma.MultiplyAdd(a2, k, c);
            a3 = Fma.MultiplyAdd(a3, k, c);
            a4 = Fma.MultiplyAdd(a4, k, c);
            a5 = Fma.MultiplyAdd(a5, k, c);
            a6 = Fma.MultiplyAdd(a6, k, c);
            a7 = Fma.MultiplyAdd(a7, k, c);
        }

        // The sum keeps the chains alive: without a use of their results the JIT could drop the loop.
        return ((a0 + a1) + (a2 + a3) + ((a4 + a5) + (a6 + a7))).ToScalar();
    }
}
