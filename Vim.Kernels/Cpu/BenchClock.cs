// Process CPU time for the benchmarks. The development machine is shared, so wall time mostly
// measures other tenants; CPU time consumed by this process is the less contaminated figure.
using System.Runtime.InteropServices;

namespace Vim.Kernels.Cpu;

internal static partial class BenchClock
{
    private const int ClockProcessCpuTimeId = 2;

    /// <summary>Seconds of CPU time used by all threads of this process.</summary>
    public static double ProcessCpuSeconds()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockProcessCpuTimeId, out TimeSpec ts) == 0)
        {
            return ts.Seconds + ts.Nanoseconds * 1e-9;
        }

        return System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);
}
