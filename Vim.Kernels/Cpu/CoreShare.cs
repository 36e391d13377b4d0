// The cores of a machine shared by threads that each run whole passes of their own (one image per core).
namespace Vim.Kernels.Cpu;

/// <summary>
/// Threads that split a batch between them, each running its kernels alone while all of them are busy. When one
/// runs out of work its cores go to those still running: their kernels may then use
/// <see cref="KernelThreading.MaxDegreeOfParallelism"/> ÷ (threads still running) threads.
/// </summary>
/// <remarks>
/// Without this, the last image of a batch runs on one core while the other waits: with 8 images on 2 cores that
/// wait was ≈ 4 % of the batch's wall time on the development machine, and more when the host slows one core.
/// </remarks>
public sealed class CoreShare
{
    private int running;

    /// <param name="workers">The threads that will share the cores, each entering with <see cref="KernelThreading.Sharing"/>.</param>
    public CoreShare(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        running = workers;
    }

    /// <summary>Called once by each worker that has no work left.</summary>
    public void Leave() => Interlocked.Decrement(ref running);

    /// <summary>The threads each running worker's kernels may use now; it only grows as workers leave.</summary>
    internal int Degree => Math.Max(1, KernelThreading.MaxDegreeOfParallelism / Math.Max(1, Volatile.Read(ref running)));
}
