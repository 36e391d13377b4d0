using Vim.Runtime.Tensors;

namespace Vim.Runtime.Training.Distributed;

/// <summary>
/// One rank's view of a data-parallel group: the collectives gradient synchronisation needs. On GPUs the engine is
/// NCCL; every rank calls the same collectives in the same order.
/// </summary>
public interface ICommunicator : IDisposable
{
    /// <summary>This rank, 0 ≤ Rank &lt; WorldSize.</summary>
    int Rank { get; }

    /// <summary>The number of ranks.</summary>
    int WorldSize { get; }

    /// <summary>Replaces <paramref name="buffer"/> on every rank by the element-wise sum over the ranks.</summary>
    void AllReduceSum(Tensor buffer);

    /// <summary>Sums each buffer over the ranks, in place, as one collective where the engine can group them (a gradient bucket).</summary>
    void AllReduceSum(IReadOnlyList<Tensor> buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        foreach (var buffer in buffers) AllReduceSum(buffer);
    }

    /// <summary>Replaces <paramref name="buffer"/> on every rank by rank <paramref name="root"/>'s.</summary>
    void Broadcast(Tensor buffer, int root);
}
