namespace Vim.Runtime.Training;

/// <summary>
/// The settings of one training forward: whether stochastic layers are active (training mode), the seeded random source
/// they draw from, and whether blocks keep their activations or recompute them in the backward pass.
/// </summary>
public sealed class TrainingContext
{
    private readonly Random _random;

    /// <summary>A context for one forward pass.</summary>
    /// <param name="training">Training mode: drop-path is active (eval mode computes the deterministic function).</param>
    /// <param name="seed">Seed of the drop-path draws; the same seed gives the same masks.</param>
    /// <param name="checkpointing">Blocks keep only their input and recompute the rest in the backward pass.</param>
    public TrainingContext(bool training, int seed, bool checkpointing)
    {
        Training = training;
        Seed = seed;
        Checkpointing = checkpointing;
        _random = new Random(seed);
    }

    /// <summary>Training mode (drop-path active).</summary>
    public bool Training { get; }

    /// <summary>The seed of the draws.</summary>
    public int Seed { get; }

    /// <summary>Gradient checkpointing: blocks recompute their activations in the backward pass.</summary>
    public bool Checkpointing { get; }

    /// <summary>
    /// timm's drop-path for <paramref name="batch"/> samples at <paramref name="rate"/>: each sample is kept with
    /// probability 1 − rate and then scaled by 1/(1 − rate), else zeroed. Null when nothing is dropped (eval mode or rate 0),
    /// which the model treats as scale 1 without a pass over the tensor.
    /// </summary>
    public float[]? DropPath(double rate, int batch)
    {
        if (!Training || rate <= 0) return null;
        if (rate >= 1) throw new ArgumentOutOfRangeException(nameof(rate), $"Drop-path rate {rate} must be below 1.");
        double keep = 1 - rate;
        var scales = new float[batch];
        for (int i = 0; i < batch; i++)
        {
            // timm: floor(keep + U[0, 1)) is 1 with probability keep.
            scales[i] = Math.Floor(keep + _random.NextDouble()) >= 1 ? (float)(1 / keep) : 0f;
        }

        return scales;
    }

    /// <summary>
    /// Dropout over <paramref name="count"/> elements at <paramref name="rate"/>: each element kept with probability
    /// 1 − rate and scaled by 1/(1 − rate), else zeroed. Null when nothing is dropped (eval mode or rate 0).
    /// </summary>
    public float[]? Dropout(double rate, long count)
    {
        if (!Training || rate <= 0) return null;
        if (rate >= 1) throw new ArgumentOutOfRangeException(nameof(rate), $"Dropout rate {rate} must be below 1.");
        float scale = (float)(1 / (1 - rate));
        var mask = new float[count];
        for (long i = 0; i < count; i++) mask[i] = _random.NextDouble() >= rate ? scale : 0f;
        return mask;
    }
}
