using Vim.Runtime.Tensors;

namespace Vim.Runtime.Training;

/// <summary>A loss over a batch of logits: its value and ∂loss/∂logits, computed in double on the host.</summary>
public abstract class Loss
{
    /// <summary>The loss of <paramref name="logits"/> (rows × classes, any leading shape) against <paramref name="targets"/>, and its gradient.</summary>
    /// <exception cref="ArgumentException">The targets do not match the logits (row count, class count, a label out of range).</exception>
    public LossValue Evaluate(Tensor logits, Targets targets)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        if (logits.Rank < 2) throw new ArgumentException($"{Name}: logits {logits.Shape} need a class axis: (B, classes) or (B, L, classes).", nameof(logits));
        int classes = logits.Shape[^1];
        long rows = logits.Numel / Math.Max(classes, 1);
        if (rows != targets.Rows) throw new ArgumentException($"{Name}: {targets.Rows} targets for {rows} rows of logits {logits.Shape}.", nameof(targets));
        if (targets.Probabilities is not null && targets.Classes != classes)
            throw new ArgumentException($"{Name}: soft targets over {targets.Classes} classes for logits of {classes} classes.", nameof(targets));
        if (targets.Labels is { } labels)
        {
            for (int i = 0; i < labels.Length; i++)
            {
                if ((uint)labels[i] >= (uint)classes) throw new ArgumentException($"{Name}: label {labels[i]} of row {i} is outside 0..{classes - 1}.", nameof(targets));
            }
        }

        float[] z = logits.ToArray();
        var gradient = new float[z.Length];
        double total = 0;
        var p = new double[classes];
        var t = new double[classes];
        for (int r = 0; r < rows; r++)
        {
            var row = z.AsSpan(r * classes, classes);
            // log-softmax with the maximum subtracted
            double max = double.NegativeInfinity;
            foreach (float v in row) max = Math.Max(max, v);
            double sum = 0;
            for (int c = 0; c < classes; c++) sum += Math.Exp(row[c] - max);
            double logSum = max + Math.Log(sum);
            for (int c = 0; c < classes; c++) p[c] = Math.Exp(row[c] - logSum);
            RowTarget(targets, r, t);
            // −Σ t·log p, and its gradient p·Σt − t
            double targetMass = 0, rowLoss = 0;
            for (int c = 0; c < classes; c++)
            {
                targetMass += t[c];
                if (t[c] != 0) rowLoss -= t[c] * (row[c] - logSum);
            }
            total += rowLoss;
            for (int c = 0; c < classes; c++) gradient[r * classes + c] = (float)((p[c] * targetMass - t[c]) / rows);
        }

        return new LossValue(total / rows, Tensor.FromArray(gradient, logits.Shape.ToArray()).To(logits.Device));
    }

    /// <summary>The loss's name in messages.</summary>
    protected abstract string Name { get; }

    /// <summary>Fills <paramref name="target"/> with the distribution row <paramref name="row"/> is scored against.</summary>
    protected abstract void RowTarget(Targets targets, int row, double[] target);
}

/// <summary>The value of a loss and ∂loss/∂logits (owned by the caller).</summary>
public readonly record struct LossValue(double Value, Tensor Gradient) : IDisposable
{
    /// <summary>Gives the gradient's storage back.</summary>
    public void Dispose() => Gradient.Dispose();
}

/// <summary>
/// Cross-entropy with hard labels, mean over rows; with <paramref name="smoothing"/> &gt; 0, timm's
/// <c>LabelSmoothingCrossEntropy</c>: (1 − s)·nll + s·mean_c(−log p) (what the official recipe uses without mixup).
/// Soft targets are accepted as they are (then the smoothing is not applied again).
/// </summary>
public sealed class CrossEntropyLoss(double smoothing = 0.0) : Loss
{
    /// <summary>The label-smoothing factor s.</summary>
    public double Smoothing { get; } = smoothing is >= 0 and < 1 ? smoothing : throw new ArgumentOutOfRangeException(nameof(smoothing), $"Label smoothing {smoothing} must be in [0, 1).");

    /// <inheritdoc/>
    protected override string Name => Smoothing > 0 ? $"CrossEntropyLoss(smoothing {Smoothing})" : "CrossEntropyLoss";

    /// <inheritdoc/>
    protected override void RowTarget(Targets targets, int row, double[] target)
    {
        if (targets.Probabilities is { } soft)
        {
            for (int c = 0; c < target.Length; c++) target[c] = soft[row * target.Length + c];
            return;
        }

        double spread = Smoothing / target.Length;
        Array.Fill(target, spread);
        target[targets.Labels![row]] += 1 - Smoothing;
    }
}

/// <summary>timm's <c>SoftTargetCrossEntropy</c>: −Σ_c t_c·log p_c, mean over rows, for mixup/cutmix targets (hard labels become one-hot).</summary>
public sealed class SoftTargetCrossEntropyLoss : Loss
{
    /// <inheritdoc/>
    protected override string Name => "SoftTargetCrossEntropyLoss";

    /// <inheritdoc/>
    protected override void RowTarget(Targets targets, int row, double[] target)
    {
        if (targets.Probabilities is { } soft)
        {
            for (int c = 0; c < target.Length; c++) target[c] = soft[row * target.Length + c];
            return;
        }

        Array.Clear(target);
        target[targets.Labels![row]] = 1;
    }
}
