// A fixed team of kernel threads that stay awake between the kernels of a forward pass.
//
// Why not Parallel.For: a batch-1 forward pass of vim_tiny makes about 260 parallel kernel calls of
// 50–500 µs each. Parallel.For queues tasks to the thread pool, whose idle workers sleep; waking one
// through the hypervisor costs tens of microseconds, so on the 2-core development VM a batch-1 pass
// took 103 ms of CPU against 71 ms on one thread. Here the helpers spin for a short while after each
// job (the next kernel usually starts within microseconds) and only then block.
using System.Diagnostics;

namespace Vim.Kernels.Cpu;

internal sealed class WorkerTeam
{
    // How long an idle helper spins before it blocks: longer than the gaps between the kernels of one
    // pass, short enough that an idle process stops burning CPU at once.
    private static readonly long SpinTicks = Stopwatch.Frequency / 2000; // 0.5 ms

    private int busy;
    private readonly SemaphoreSlim wake = new(0);
    private Job? current;
    private int generation;
    private int sleepers;

    public WorkerTeam(int helpers)
    {
        Helpers = helpers;
        for (int i = 0; i < helpers; i++)
        {
            var thread = new Thread(HelperLoop) { IsBackground = true, Name = $"vim-kernel-{i + 1}" };
            thread.Start();
        }
    }

    /// <summary>Threads besides the caller's.</summary>
    public int Helpers { get; }

    /// <summary>
    /// Runs body(0..count−1) on the caller and the helpers; returns when every item has finished. Returns
    /// false without running anything when another thread is using the team (the caller then runs inline).
    /// </summary>
    public bool TryRun(int count, Action<int> body)
    {
        // Not a Monitor: it is re-entrant, and a body that called back in would replace the job it runs in.
        if (Interlocked.CompareExchange(ref busy, 1, 0) != 0)
        {
            return false;
        }

        try
        {
            // One object per job: a helper still finishing the previous job holds the previous object, whose
            // counters are exhausted, so it can never claim an item of this one.
            var job = new Job(count, body);
            Volatile.Write(ref current, job);
            Interlocked.Increment(ref generation);
            int asleep = Volatile.Read(ref sleepers);
            if (asleep > 0)
            {
                wake.Release(asleep);
            }

            using (KernelThreading.Serially())
            {
                // Kernels called from the bodies run inline on the caller too.
                job.Work();
            }

            var spin = new SpinWait();
            while (Volatile.Read(ref job.Pending) > 0)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }

            Volatile.Write(ref current, null);
            job.Failure?.Throw();
            return true;
        }
        finally
        {
            Volatile.Write(ref busy, 0);
        }
    }

    private void HelperLoop()
    {
        // Kernels called from inside a job's body run inline.
        using var serial = KernelThreading.Serially();
        int seen = 0;
        while (true)
        {
            long idleSince = Stopwatch.GetTimestamp();
            int spins = 0;
            while (Volatile.Read(ref generation) == seen)
            {
                if (++spins % 64 != 0 || Stopwatch.GetTimestamp() - idleSince < SpinTicks)
                {
                    Thread.SpinWait(8);
                    continue;
                }

                // Announce the sleep before the last look, so a caller that bumps the generation after that
                // look sees the sleeper and releases it (a spurious release only costs one more loop).
                Interlocked.Increment(ref sleepers);
                if (Volatile.Read(ref generation) == seen)
                {
                    wake.Wait();
                }

                Interlocked.Decrement(ref sleepers);
                idleSince = Stopwatch.GetTimestamp();
            }

            seen = Volatile.Read(ref generation);
            Volatile.Read(ref current)?.Work();
        }
    }

    private sealed class Job
    {
        public int Pending;
        public System.Runtime.ExceptionServices.ExceptionDispatchInfo? Failure;
        private readonly int count;
        private readonly Action<int> body;
        private int next = -1;

        public Job(int count, Action<int> body)
        {
            this.count = count;
            this.body = body;
            Pending = count;
        }

        public void Work()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                try
                {
                    body(i);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref Failure, System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e), null);
                }
                finally
                {
                    Interlocked.Decrement(ref Pending);
                }
            }
        }
    }
}
