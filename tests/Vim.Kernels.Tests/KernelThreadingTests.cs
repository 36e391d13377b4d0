using Vim.Kernels.Cpu;

namespace Vim.Kernels.Tests;

[Collection(GlobalThreadingCollection.Name)]
public class KernelThreadingTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void TeamRunsEveryItemExactlyOnce_JobAfterJob(int helpers)
    {
        var team = new WorkerTeam(helpers);
        var rng = new Random(helpers);
        for (int job = 0; job < 2000; job++)
        {
            int count = rng.Next(1, 50);
            var hits = new int[count];
            Assert.True(team.TryRun(count, i => Interlocked.Increment(ref hits[i])));
            Assert.All(hits, h => Assert.Equal(1, h));
        }
    }

    [Fact]
    public void TeamSpreadsWorkOverItsThreads()
    {
        var team = new WorkerTeam(1);
        var threads = new HashSet<int>();
        // A helper that was descheduled may miss a job on a busy machine; one of many jobs is enough.
        for (int job = 0; job < 50 && threads.Count < 2; job++)
        {
            team.TryRun(32, _ =>
            {
                lock (threads) threads.Add(Environment.CurrentManagedThreadId);
                Thread.SpinWait(20_000);
            });
        }

        Assert.Equal(2, threads.Count);
    }

    [Fact]
    public void TeamReportsAFailingItemAfterTheRestAndStaysUsable()
    {
        var team = new WorkerTeam(1);
        int done = 0;
        var ex = Assert.Throws<InvalidOperationException>(() => team.TryRun(40, i =>
        {
            if (i == 5) throw new InvalidOperationException("item 5 failed");
            Interlocked.Increment(ref done);
        }));
        Assert.Equal("item 5 failed", ex.Message);
        Assert.Equal(39, done);
        var hits = new int[10];
        Assert.True(team.TryRun(10, i => hits[i]++));
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public async Task BusyTeamRefusesASecondCaller_AndKernelsInsideABodyRunInline()
    {
        var team = new WorkerTeam(1);
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        int degreeInBody = -1;
        var first = Task.Run(() => team.TryRun(1, _ =>
        {
            degreeInBody = KernelThreading.CurrentDegree;
            inside.Set();
            release.Wait();
        }), TestContext.Current.CancellationToken);
        inside.Wait(TestContext.Current.CancellationToken);
        Assert.False(team.TryRun(4, _ => { }));
        release.Set();
        Assert.True(await first);
        Assert.Equal(1, degreeInBody);
    }

    [Fact]
    public void SeriallyLimitsThisThreadOnlyAndRestores()
    {
        int before = KernelThreading.CurrentDegree;
        int other = 0;
        using (KernelThreading.Serially())
        {
            Assert.Equal(1, KernelThreading.CurrentDegree);
            var thread = new Thread(() => other = KernelThreading.CurrentDegree);
            thread.Start();
            thread.Join();
        }

        Assert.Equal(KernelThreading.MaxDegreeOfParallelism, other);
        Assert.Equal(before, KernelThreading.CurrentDegree);
    }

    [Fact]
    public void ForWithSeveralThreadsCoversEveryItem()
    {
        int saved = KernelThreading.MaxDegreeOfParallelism;
        try
        {
            KernelThreading.MaxDegreeOfParallelism = 2;
            var hits = new int[1000];
            KernelThreading.For(hits.Length, parallel: true, i => Interlocked.Increment(ref hits[i]));
            Assert.All(hits, h => Assert.Equal(1, h));
        }
        finally
        {
            KernelThreading.MaxDegreeOfParallelism = saved;
        }
    }

    [Fact]
    public void SharedCores_GoToTheWorkersStillRunning_AndTheScopeRestores()
    {
        int saved = KernelThreading.MaxDegreeOfParallelism;
        try
        {
            KernelThreading.MaxDegreeOfParallelism = 4;
            var share = new CoreShare(3);
            int before = KernelThreading.CurrentDegree;
            var seen = new List<int>();
            using (KernelThreading.Sharing(share))
            {
                seen.Add(KernelThreading.CurrentDegree); // 3 running on 4 cores: alone
                share.Leave();
                seen.Add(KernelThreading.CurrentDegree); // 2 running: two cores each
                using (KernelThreading.Serially())
                {
                    seen.Add(KernelThreading.CurrentDegree); // Serially wins inside a share
                }

                share.Leave();
                seen.Add(KernelThreading.CurrentDegree); // the last one: every core
            }

            Assert.Equal([1, 2, 1, 4], seen);
            Assert.Equal(before, KernelThreading.CurrentDegree);
        }
        finally
        {
            KernelThreading.MaxDegreeOfParallelism = saved;
        }
    }

    [Fact]
    public void SharedCores_OtherThreadsAreUnaffected()
    {
        var share = new CoreShare(2);
        int other = 0;
        using (KernelThreading.Sharing(share))
        {
            var thread = new Thread(() => other = KernelThreading.CurrentDegree);
            thread.Start();
            thread.Join();
        }

        Assert.Equal(KernelThreading.MaxDegreeOfParallelism, other);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CoreShare(0));
    }
}
