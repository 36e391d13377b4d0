using Vim.Runtime.Tensors;
using Vim.Runtime.Training.Distributed;

namespace Vim.Runtime.Tests.Training.Distributed;

/// <summary>
/// A test double of a data-parallel group: N ranks on N threads of one process, meeting at a barrier. Sums run in rank
/// order on every rank, so all ranks hold the same bits, as NCCL's all-reduce guarantees.
/// </summary>
internal sealed class InProcessGroup
{
    private readonly Barrier _barrier;
    private readonly float[]?[] _deposits;

    public InProcessGroup(int worldSize)
    {
        _barrier = new Barrier(worldSize);
        _deposits = new float[worldSize][];
        Ranks = Enumerable.Range(0, worldSize).Select(r => (ICommunicator)new Member(this, r)).ToArray();
    }

    public IReadOnlyList<ICommunicator> Ranks { get; }

    /// <summary>Runs <paramref name="work"/> on every rank at once; the first failure is rethrown.</summary>
    public void Run(Action<ICommunicator> work) =>
        Task.WaitAll(Ranks.Select(rank => Task.Factory.StartNew(() => work(rank), TaskCreationOptions.LongRunning)).ToArray());

    private sealed class Member(InProcessGroup group, int rank) : ICommunicator
    {
        public int Rank => rank;

        public int WorldSize => group._deposits.Length;

        public void AllReduceSum(Tensor buffer)
        {
            group._deposits[rank] = buffer.ToArray();
            group._barrier.SignalAndWait();
            var sum = new float[buffer.Numel];
            foreach (var deposit in group._deposits)
            {
                for (int i = 0; i < sum.Length; i++) sum[i] += deposit![i];
            }
            group._barrier.SignalAndWait();
            sum.CopyTo(buffer.Span);
        }

        public void Broadcast(Tensor buffer, int root)
        {
            if (rank == root) group._deposits[root] = buffer.ToArray();
            group._barrier.SignalAndWait();
            if (rank != root) group._deposits[root]!.CopyTo(buffer.Span);
            group._barrier.SignalAndWait();
        }

        public void Dispose()
        {
        }
    }
}
