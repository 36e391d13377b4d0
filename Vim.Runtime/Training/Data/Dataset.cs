using Vim.Runtime.Imaging;

namespace Vim.Runtime.Training.Data;

/// <summary>One example: an 8-bit image (from a file) or a float CHW array (from memory), and its class.</summary>
public sealed class DataSample
{
    /// <summary>The decoded image, for image datasets.</summary>
    public Image? Image { get; init; }

    /// <summary>The values (C, H, W) for tensor datasets.</summary>
    public float[]? Values { get; init; }

    /// <summary>Shape of <see cref="Values"/> (channels, height, width).</summary>
    public (int Channels, int Height, int Width) Shape { get; init; }

    /// <summary>The class index.</summary>
    public int Label { get; init; }

    /// <summary>Where it came from (a file path, or "tensor #i"), for messages.</summary>
    public string Source { get; init; } = "";
}

/// <summary>A labelled collection of examples, read one at a time (from any thread).</summary>
public abstract class Dataset
{
    /// <summary>Number of examples.</summary>
    public abstract int Count { get; }

    /// <summary>The class names, index = label.</summary>
    public abstract IReadOnlyList<string> Classes { get; }

    /// <summary>The label of example <paramref name="index"/> (without reading it).</summary>
    public abstract int LabelOf(int index);

    /// <summary>Reads example <paramref name="index"/>.</summary>
    public abstract DataSample Read(int index);

    /// <summary>How many examples each class has.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[Classes.Count];
        for (int i = 0; i < Count; i++) counts[LabelOf(i)]++;
        return counts;
    }
}
