using System.Threading.Channels;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Training.Data;

/// <summary>One batch: the model inputs (B, C, H, W), the training targets, the examples' own labels and indices.</summary>
public sealed class Batch(Tensor images, Targets targets, int[] labels, int[] indices, int number) : IDisposable
{
    /// <summary>The inputs.</summary>
    public Tensor Images { get; } = images;

    /// <summary>What the loss scores against: the labels, or the mixed soft targets.</summary>
    public Targets Targets { get; } = targets;

    /// <summary>Each example's label (before any mixing).</summary>
    public int[] Labels { get; } = labels;

    /// <summary>Each example's index in the dataset.</summary>
    public int[] Indices { get; } = indices;

    /// <summary>The batch's number within its epoch (0-based).</summary>
    public int Number { get; } = number;

    /// <inheritdoc/>
    public void Dispose() => Images.Dispose();
}

/// <summary>
/// Batches of a dataset, in a seeded order per epoch, read and transformed on background threads while the model trains
/// (up to <see cref="Prefetch"/> batches ahead). Example i of epoch e is transformed with a generator seeded by (seed, e, i)
/// and batch b is mixed with one seeded by (seed, e, b), so an epoch's batches are the same however many threads build them
/// and whatever ran before: a resumed run sees exactly the batches the interrupted one would have.
/// </summary>
public sealed class DataLoader
{
    /// <summary>A loader over <paramref name="dataset"/>.</summary>
    /// <remarks>
    /// With a world size above 1, rank r of a data-parallel group reads every WorldSize-th position of the epoch's order
    /// from position r on, as PyTorch's DistributedSampler splits it (the order padded by its start to a multiple of the
    /// world size). Each example is transformed as at its position in the whole order, so the ranks' epochs together are
    /// one process's epoch.
    /// </remarks>
    public DataLoader(Dataset dataset, SampleTransform transform, int batchSize, bool shuffle, int seed, bool dropLast = false,
        BatchTransform? batchTransform = null, int workers = 0, int prefetch = 2, int repeats = 1, int rank = 0, int worldSize = 1)
    {
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), $"Repeats {repeats} must be at least 1.");
        if (worldSize < 1 || rank < 0 || rank >= worldSize) throw new ArgumentOutOfRangeException(nameof(rank), $"Rank {rank} is outside 0..{worldSize - 1} of a world of {worldSize}.");
        Rank = rank;
        WorldSize = worldSize;
        Repeats = repeats;
        Dataset = dataset ?? throw new ArgumentNullException(nameof(dataset));
        Transform = transform ?? throw new ArgumentNullException(nameof(transform));
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"Batch size {batchSize} must be at least 1.");
        if (dataset.Count == 0) throw new ArgumentException("The dataset is empty.", nameof(dataset));
        if (dropLast && dataset.Count < batchSize) throw new ArgumentException($"The dataset has {dataset.Count} examples, fewer than one batch of {batchSize} (the last partial batch is dropped).", nameof(batchSize));
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
        BatchTransform = batchTransform;
        Workers = workers > 0 ? workers : Math.Max(1, Environment.ProcessorCount);
        Prefetch = Math.Max(1, prefetch);
    }

    /// <summary>The dataset.</summary>
    public Dataset Dataset { get; }

    /// <summary>The per-example transform.</summary>
    public SampleTransform Transform { get; }

    /// <summary>The batch transform (mixup/cutmix), or null.</summary>
    public BatchTransform? BatchTransform { get; }

    /// <summary>Examples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch has its own seeded order (else the dataset's order).</summary>
    public bool Shuffle { get; }

    /// <summary>The run's seed.</summary>
    public int Seed { get; }

    /// <summary>Whether a last partial batch is left out.</summary>
    public bool DropLast { get; }

    /// <summary>Threads that read and transform examples.</summary>
    public int Workers { get; }

    /// <summary>Batches built ahead of the consumer.</summary>
    public int Prefetch { get; }

    /// <summary>
    /// Repeated augmentation (DeiT's RASampler on one process): each example of the permutation appears this many times in a
    /// row, and the epoch keeps the first ⌊N/256⌋·256 positions of that sequence (N itself when N &lt; 256).
    /// </summary>
    public int Repeats { get; }

    /// <summary>This rank of the data-parallel group (0 alone).</summary>
    public int Rank { get; }

    /// <summary>The number of ranks sharing each epoch.</summary>
    public int WorldSize { get; }

    /// <summary>Examples per epoch of the whole group.</summary>
    public int GlobalEpochLength => Repeats == 1 ? Dataset.Count : Dataset.Count >= 256 ? Dataset.Count / 256 * 256 : Dataset.Count;

    /// <summary>Examples per epoch this rank reads: its share of the padded order.</summary>
    public int EpochLength => WorldSize == 1 ? GlobalEpochLength : (GlobalEpochLength + WorldSize - 1) / WorldSize;

    /// <summary>Batches per epoch.</summary>
    public int BatchesPerEpoch => DropLast ? EpochLength / BatchSize : (EpochLength + BatchSize - 1) / BatchSize;

    /// <summary>This rank's examples of epoch <paramref name="epoch"/>, in reading order (see <see cref="GlobalOrder"/>).</summary>
    public int[] Order(int epoch)
    {
        var order = GlobalOrder(epoch);
        return WorldSize == 1 ? order : Distributed.DistributedSampler.Share(order, Rank, WorldSize, EpochLength);
    }

    /// <summary>The order of epoch <paramref name="epoch"/> for the whole group: a seeded permutation (with its repeats), or 0..N−1.</summary>
    public int[] GlobalOrder(int epoch)
    {
        var order = Enumerable.Range(0, Dataset.Count).ToArray();
        if (!Shuffle) return Repeats == 1 ? order : order.SelectMany(i => Enumerable.Repeat(i, Repeats)).Take(GlobalEpochLength).ToArray();
        var random = new Random(Trainer.StepSeed(Seed, ((long)epoch << 32) | 0xFFFFFFFFL));
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        if (Repeats == 1) return order;
        return order.SelectMany(i => Enumerable.Repeat(i, Repeats)).Take(GlobalEpochLength).ToArray();
    }

    /// <summary>The batches of epoch <paramref name="epoch"/>, from batch <paramref name="first"/> on; each is the caller's to dispose.</summary>
    public IEnumerable<Batch> Epoch(int epoch, int first = 0, CancellationToken cancellation = default)
    {
        var order = Order(epoch);
        int batches = BatchesPerEpoch;
        var channel = Channel.CreateBounded<Batch>(new BoundedChannelOptions(Prefetch) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var producer = Task.Run(async () =>
        {
            try
            {
                for (int b = first; b < batches; b++)
                {
                    stop.Token.ThrowIfCancellationRequested();
                    var batch = Build(epoch, b, order);
                    try
                    {
                        await channel.Writer.WriteAsync(batch, stop.Token).ConfigureAwait(false);
                    }
                    catch
                    {
                        batch.Dispose();
                        throw;
                    }
                }
                channel.Writer.Complete();
            }
            catch (Exception e)
            {
                channel.Writer.Complete(e);
            }
        });
        try
        {
            while (true)
            {
                Batch? next;
                try
                {
                    if (!channel.Reader.WaitToReadAsync(stop.Token).AsTask().GetAwaiter().GetResult()) break;
                    if (!channel.Reader.TryRead(out next)) continue;
                }
                catch (ChannelClosedException e) when (e.InnerException is not null)
                {
                    // A read or transform failed: report the example's own error.
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                    throw;
                }
                yield return next;
            }
            if (producer.IsFaulted) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(producer.Exception!.InnerException!).Throw();
        }
        finally
        {
            stop.Cancel();
            try { producer.Wait(); } catch (AggregateException) { }
            while (channel.Reader.TryRead(out var left)) left.Dispose();
        }
    }

    // Position k of this rank's order is position Rank + k·WorldSize of the padded group order.
    private int GlobalPosition(int k) => Rank + k * WorldSize;

    /// <summary>Builds batch <paramref name="number"/> of an epoch whose order is <paramref name="order"/> (on the calling thread and the workers).</summary>
    public Batch Build(int epoch, int number, int[] order)
    {
        int start = number * BatchSize, count = Math.Min(BatchSize, order.Length - start);
        var (c, h, w) = Transform.OutputShape;
        int size = c * h * w;
        var data = new float[(long)count * size];
        var labels = new int[count];
        var indices = new int[count];
        try
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Workers }, k =>
            {
                int index = order[start + k];
                var sample = Dataset.Read(index);
                var random = new Random(Trainer.StepSeed(Seed, ((long)epoch << 32) | (uint)GlobalPosition(start + k)));
                Transform.Apply(sample, random, data.AsSpan(k * size, size));
                labels[k] = sample.Label;
                indices[k] = index;
            });
        }
        catch (AggregateException e)
        {
            // Report the example's own error (a file that fails to decode names itself).
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
        var targets = BatchTransform is null
            ? Targets.FromLabels(labels)
            : BatchTransform.Apply(data, labels, Dataset.Classes.Count, (c, h, w), new Random(Trainer.StepSeed(Seed ^ 0x5bd1e995, ((long)epoch << 32) | (uint)number)));
        return new Batch(Tensor.Wrap(data, new Shape(count, c, h, w)), targets, labels, indices, number);
    }
}
