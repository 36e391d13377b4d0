namespace Vim.Runtime.Training;

/// <summary>
/// timm 0.4.12's <c>CosineLRScheduler</c> as the official recipes create it (one cycle, no restarts): a linear warmup from
/// <see cref="WarmupLr"/> over the first <see cref="WarmupT"/> units, then lr = min + ½(base − min)(1 + cos(π·t/T)) for
/// t &lt; T, then <see cref="MinLr"/>. timm counts t from 0 without subtracting the warmup (warmup_prefix false), so the
/// cosine already runs during the warmup's span; with <see cref="WarmupPrefix"/> (timm's <c>warmup_prefix</c>) the cosine starts
/// after the warmup instead and spans the rest: min + ½(base − min)(1 + cos(π·(t − W)/(T − W))). A unit is an epoch (the
/// recipes) or an optimizer step (per-step updates).
/// </summary>
public sealed class CosineSchedule
{
    /// <summary>The schedule over <paramref name="total"/> units.</summary>
    /// <param name="baseLr">Peak learning rate.</param>
    /// <param name="total">T, the cosine's length (epochs or steps).</param>
    /// <param name="minLr">The floor.</param>
    /// <param name="warmupT">Warmup length.</param>
    /// <param name="warmupLr">The warmup's start.</param>
    /// <param name="warmupPrefix">Start the cosine after the warmup (over T − W) instead of at t = 0.</param>
    public CosineSchedule(double baseLr, double total, double minLr = 0, double warmupT = 0, double warmupLr = 0, bool warmupPrefix = false)
    {
        if (!(baseLr >= 0) || !(minLr >= 0) || !(warmupLr >= 0)) throw new ArgumentOutOfRangeException(nameof(baseLr), "Learning rates must be non-negative.");
        if (!(total > 0)) throw new ArgumentOutOfRangeException(nameof(total), $"The schedule's length {total} must be positive.");
        if (!(warmupT >= 0)) throw new ArgumentOutOfRangeException(nameof(warmupT), $"The warmup {warmupT} must be non-negative.");
        BaseLr = baseLr;
        Total = total;
        MinLr = minLr;
        WarmupT = warmupT;
        WarmupLr = warmupLr;
        WarmupPrefix = warmupPrefix;
        if (warmupPrefix && warmupT >= total) throw new ArgumentOutOfRangeException(nameof(warmupT), $"A warmup of {warmupT} leaves no cosine in a schedule of {total}.");
    }

    /// <summary>Whether the cosine starts after the warmup.</summary>
    public bool WarmupPrefix { get; }

    /// <summary>Peak learning rate.</summary>
    public double BaseLr { get; }

    /// <summary>The cosine's length T.</summary>
    public double Total { get; }

    /// <summary>The floor.</summary>
    public double MinLr { get; }

    /// <summary>Warmup length.</summary>
    public double WarmupT { get; }

    /// <summary>The warmup's start.</summary>
    public double WarmupLr { get; }

    /// <summary>The learning rate at time <paramref name="t"/> (epoch or step).</summary>
    public double At(double t)
    {
        if (t < WarmupT) return WarmupLr + t * (BaseLr - WarmupLr) / WarmupT;
        if (t >= Total) return MinLr;
        double phase = WarmupPrefix ? (t - WarmupT) / (Total - WarmupT) : t / Total;
        return MinLr + 0.5 * (BaseLr - MinLr) * (1 + Math.Cos(Math.PI * phase));
    }
}
