namespace Vim.Runtime.Training;

/// <summary>
/// The targets of one batch: a class index per row, or a probability distribution per row (mixup/cutmix's soft targets).
/// A row is one image, or one token of a per-token model.
/// </summary>
public sealed class Targets
{
    private Targets(int rows, int classes, int[]? labels, float[]? probabilities)
    {
        Rows = rows;
        Classes = classes;
        Labels = labels;
        Probabilities = probabilities;
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of classes (0 for hard labels, which take theirs from the logits).</summary>
    public int Classes { get; }

    /// <summary>The class index of each row, or null for soft targets.</summary>
    public int[]? Labels { get; }

    /// <summary>Row-major (rows, classes) probabilities, or null for hard labels.</summary>
    public float[]? Probabilities { get; }

    /// <summary>Hard labels, one class index per row.</summary>
    public static Targets FromLabels(params int[] labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return new Targets(labels.Length, 0, (int[])labels.Clone(), null);
    }

    /// <summary>Soft targets: <paramref name="probabilities"/> holds rows × <paramref name="classes"/> values, each row a distribution.</summary>
    public static Targets FromProbabilities(float[] probabilities, int classes)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        if (classes <= 0 || probabilities.Length % classes != 0)
            throw new ArgumentException($"Soft targets: {probabilities.Length} values are not rows of {classes} classes.", nameof(probabilities));
        return new Targets(probabilities.Length / classes, classes, null, (float[])probabilities.Clone());
    }
}
