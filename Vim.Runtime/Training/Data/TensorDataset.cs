namespace Vim.Runtime.Training.Data;

/// <summary>Examples held in memory: N values of (C, H, W) each, already in the model's input scale, with their labels.</summary>
public sealed class TensorDataset : Dataset
{
    private readonly float[] _values;
    private readonly int[] _labels;

    /// <summary>Wraps <paramref name="values"/> (N·C·H·W, row-major) and <paramref name="labels"/> (N) without copying.</summary>
    public TensorDataset(float[] values, int[] labels, int channels, int height, int width, IReadOnlyList<string>? classes = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(labels);
        long size = (long)channels * height * width;
        if (channels < 1 || height < 1 || width < 1 || values.LongLength != size * labels.Length)
            throw new ArgumentException($"{values.Length} values are not {labels.Length} examples of ({channels}, {height}, {width}).", nameof(values));
        int classCount = classes?.Count ?? (labels.Length == 0 ? 0 : labels.Max() + 1);
        foreach (int l in labels)
        {
            if ((uint)l >= (uint)classCount) throw new ArgumentException($"Label {l} is outside 0..{classCount - 1}.", nameof(labels));
        }
        _values = values;
        _labels = labels;
        Shape = (channels, height, width);
        Classes = classes ?? Enumerable.Range(0, classCount).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
    }

    /// <summary>Each example's (C, H, W).</summary>
    public (int Channels, int Height, int Width) Shape { get; }

    /// <inheritdoc/>
    public override int Count => _labels.Length;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Classes { get; }

    /// <inheritdoc/>
    public override int LabelOf(int index) => _labels[index];

    /// <inheritdoc/>
    public override DataSample Read(int index)
    {
        int size = Shape.Channels * Shape.Height * Shape.Width;
        return new DataSample { Values = _values.AsSpan(index * size, size).ToArray(), Shape = Shape, Label = _labels[index], Source = $"tensor #{index}" };
    }
}
