using Vim.Runtime.Modules;
using Vim.Runtime.Ops;

namespace Vim.Runtime.Training.Distributed;

/// <summary>
/// The trainable parameters grouped into buckets for the gradient all-reduce, as PyTorch's DistributedDataParallel
/// groups them: in reverse registration order (the order the backward pass finishes them), a small first bucket so
/// the reduction can start early, then buckets of about 25 MiB. One collective per bucket instead of
/// one per parameter; every rank builds the same plan from the same model.
/// </summary>
public sealed class GradientBuckets
{
    /// <summary>DDP's defaults: 1 MiB for the first bucket, 25 MiB after.</summary>
    public const long FirstCapBytes = 1L << 20, CapBytes = 25L << 20;

    private readonly Parameter[][] _buckets;

    /// <summary>Plans the buckets of <paramref name="parameters"/> (registration order; those not requiring a gradient are left out).</summary>
    public GradientBuckets(IEnumerable<Parameter> parameters, long firstCapBytes = FirstCapBytes, long capBytes = CapBytes)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (firstCapBytes < 1 || capBytes < 1) throw new ArgumentOutOfRangeException(nameof(capBytes), "Bucket caps must be positive.");
        var buckets = new List<Parameter[]>();
        var current = new List<Parameter>();
        long bytes = 0;
        foreach (var p in parameters.Where(p => !p.IsBuffer && p.RequiresGrad).Reverse())
        {
            current.Add(p);
            bytes += 4 * p.Shape.Numel;
            if (bytes >= (buckets.Count == 0 ? firstCapBytes : capBytes))
            {
                buckets.Add([.. current]);
                current.Clear();
                bytes = 0;
            }
        }
        if (current.Count > 0) buckets.Add([.. current]);
        _buckets = [.. buckets];
    }

    /// <summary>The buckets, each its parameters in reduction order.</summary>
    public IReadOnlyList<IReadOnlyList<Parameter>> Buckets => _buckets;

    /// <summary>
    /// Replaces every gradient by its mean over the ranks: per bucket, one grouped sum by <paramref name="communicator"/>
    /// (NCCL fuses a group into one launch), then a scale by 1 / WorldSize on the gradients' device. A parameter the
    /// backward never reached contributes zeros (every rank must call the same collectives, whatever its batch touched).
    /// </summary>
    public void AllReduceMean(ICommunicator communicator)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        if (communicator.WorldSize == 1) return;
        float scale = 1f / communicator.WorldSize;
        foreach (var bucket in _buckets)
        {
            var gradients = bucket.Select(p => p.GradForAccumulation()).ToList();
            communicator.AllReduceSum(gradients);
            foreach (var g in gradients) TensorOps.ScaleInPlace(g, scale);
        }
    }
}
