namespace Vim.Cli;

/// <summary>
/// The machine-wide CPU counters of /proc/stat (Linux). On a virtual machine, "steal" is the time the host gave this
/// machine's virtual CPUs to other guests: wall-clock benchmarks are only comparable when it is low.
/// </summary>
internal readonly record struct HostCpu(long Total, long Steal)
{
    /// <summary>The counters now, or null where /proc/stat is missing or unreadable.</summary>
    public static HostCpu? Sample()
    {
        try
        {
            // "cpu  user nice system idle iowait irq softirq steal guest guest_nice", in clock ticks.
            string? line = File.Exists("/proc/stat") ? File.ReadLines("/proc/stat").FirstOrDefault() : null;
            if (line is null || !line.StartsWith("cpu ", StringComparison.Ordinal)) return null;
            long[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(long.Parse).ToArray();
            return fields.Length < 8 ? null : new HostCpu(fields.Sum(), fields[7]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>The share of all CPU time between two samples that went to other guests, in percent.</summary>
    public static double? StealPercent(HostCpu? before, HostCpu? after) =>
        before is HostCpu b && after is HostCpu a && a.Total > b.Total ? 100.0 * (a.Steal - b.Steal) / (a.Total - b.Total) : null;
}
