namespace Vim.Runtime.Training.Distributed;

/// <summary>
/// Which samples a rank reads in an epoch, as PyTorch's <c>DistributedSampler</c> splits them: one permutation of the
/// dataset per epoch (the same on every rank: seeded by seed and epoch), padded by repeating its start to a multiple of
/// the world size (or cut to one, with <c>dropLast</c>), then every WorldSize-th index from this rank on. Every rank gets
/// the same count, and together the ranks read each sample once per epoch (the padding twice).
/// </summary>
public sealed class DistributedSampler
{
    /// <summary>A sampler for <paramref name="rank"/> of <paramref name="worldSize"/> over <paramref name="count"/> samples.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rank is outside the world, the world is empty, or there are no samples.</exception>
    public DistributedSampler(int count, int rank, int worldSize, bool shuffle = true, int seed = 0, bool dropLast = false)
    {
        if (worldSize < 1) throw new ArgumentOutOfRangeException(nameof(worldSize), $"The world size must be at least 1, got {worldSize}.");
        if (rank < 0 || rank >= worldSize) throw new ArgumentOutOfRangeException(nameof(rank), $"Rank {rank} is outside 0..{worldSize - 1}.");
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), $"A sampler needs at least one sample, got {count}.");
        if (dropLast && count < worldSize) throw new ArgumentOutOfRangeException(nameof(count), $"{count} samples cannot give each of {worldSize} ranks one with dropLast.");
        Count = count;
        Rank = rank;
        WorldSize = worldSize;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
        PerRank = dropLast ? count / worldSize : (count + worldSize - 1) / worldSize;
    }

    /// <summary>Samples in the dataset.</summary>
    public int Count { get; }

    /// <summary>This rank.</summary>
    public int Rank { get; }

    /// <summary>The number of ranks.</summary>
    public int WorldSize { get; }

    /// <summary>Whether each epoch reads a new permutation.</summary>
    public bool Shuffle { get; }

    /// <summary>The seed the permutations derive from, with the epoch.</summary>
    public int Seed { get; }

    /// <summary>Whether the tail that does not divide by the world size is dropped instead of padded.</summary>
    public bool DropLast { get; }

    /// <summary>Samples per rank and epoch.</summary>
    public int PerRank { get; }

    /// <summary>This rank's sample indices in <paramref name="epoch"/>, in reading order.</summary>
    public int[] Indices(int epoch)
    {
        var order = Enumerable.Range(0, Count).ToArray();
        // seeded the same in every process (System.Random with a seed is deterministic; HashCode is not)
        if (Shuffle) new Random(Trainer.StepSeed(Seed, epoch)).Shuffle(order);
        return Share(order, Rank, WorldSize, PerRank);
    }

    /// <summary>
    /// Rank <paramref name="rank"/>'s <paramref name="count"/> entries of <paramref name="order"/>: positions rank,
    /// rank + WorldSize, …, where position p ≥ order.Length is order[p mod order.Length] (the padding repeats the start).
    /// </summary>
    public static int[] Share(int[] order, int rank, int worldSize, int count)
    {
        ArgumentNullException.ThrowIfNull(order);
        var mine = new int[count];
        for (int k = 0; k < count; k++) mine[k] = order[(rank + k * worldSize) % order.Length];
        return mine;
    }
}
