// Threading policy shared by every CPU kernel: one knob for the degree of parallelism, a per-thread
// override for callers that already run one pass per core, and a helper that runs `count`
// independent work items either inline or on a team of kernel threads (WorkerTeam).
namespace Vim.Kernels.Cpu;

/// <summary>Controls how the CPU kernels use threads.</summary>
public static class KernelThreading
{
    private static int maxDegreeOfParallelism = Environment.ProcessorCount;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, WorkerTeam> Teams = new();

    [ThreadStatic]
    private static bool serialOnThisThread;

    [ThreadStatic]
    private static CoreShare? shareOnThisThread;

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
    /// The threads a kernel called from this thread may use: 1 inside <see cref="Serially"/>, the share's
    /// <see cref="CoreShare"/> degree inside <see cref="Sharing"/>, otherwise <see cref="MaxDegreeOfParallelism"/>.
    /// </summary>
    public static int CurrentDegree => serialOnThisThread ? 1 : shareOnThisThread?.Degree ?? maxDegreeOfParallelism;

    /// <summary>
    /// Until the returned scope is disposed, kernels called from this thread run on it alone. For callers
    /// that spread independent work (one image per core) over the threads themselves: splitting each
    /// kernel as well would only add synchronisation.
    /// </summary>
    public static SerialScope Serially()
    {
        bool previous = serialOnThisThread;
        serialOnThisThread = true;
        return new SerialScope(previous);
    }

    /// <summary>
    /// Until the returned scope is disposed, kernels called from this thread run alone while every worker of
    /// <paramref name="share"/> is busy, and spread over the cores that workers who have left no longer use.
    /// The kernels give the same results at any degree, so when that happens does not change any output.
    /// </summary>
    public static ShareScope Sharing(CoreShare share)
    {
        ArgumentNullException.ThrowIfNull(share);
        var previous = shareOnThisThread;
        shareOnThisThread = share;
        return new ShareScope(previous);
    }

    /// <summary>
    /// Runs <paramref name="body"/> for 0..count-1. Work is only spread over threads when the caller
    /// says it is large enough (<paramref name="parallel"/>): handing work to the team costs a few microseconds,
    /// which would dominate the small shapes.
    /// </summary>
    internal static void For(int count, bool parallel, Action<int> body)
    {
        int degree = CurrentDegree;
        if (!parallel || degree <= 1 || count <= 1)
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }

            return;
        }

        if (!Team(degree).TryRun(count, body))
        {
            // Another thread holds the team (two forward passes at once): this call runs on its own thread.
            for (int i = 0; i < count; i++)
            {
                body(i);
            }
        }
    }

    // One team per degree ever asked for (in practice one): a team's helpers block once idle.
    private static WorkerTeam Team(int degree) => Teams.GetOrAdd(degree, static d => new WorkerTeam(d - 1));

    /// <summary>Restores the thread's previous mode when disposed (see <see cref="Serially"/>).</summary>
    public readonly struct SerialScope : IDisposable
    {
        private readonly bool previous;

        internal SerialScope(bool previous) => this.previous = previous;

        /// <summary>Restores the mode this thread had before <see cref="Serially"/>.</summary>
        public void Dispose() => serialOnThisThread = previous;
    }

    /// <summary>Restores the share this thread had before <see cref="Sharing"/> when disposed.</summary>
    public readonly struct ShareScope : IDisposable
    {
        private readonly CoreShare? previous;

        internal ShareScope(CoreShare? previous) => this.previous = previous;

        /// <summary>Restores the share this thread had before <see cref="Sharing"/>.</summary>
        public void Dispose() => shareOnThisThread = previous;
    }
}
