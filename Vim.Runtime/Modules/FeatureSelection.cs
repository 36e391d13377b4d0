namespace Vim.Runtime.Modules;

/// <summary>The feature maps one forward pass computes: out indices in ascending order and what a Vim map holds.</summary>
public sealed class FeatureSelection
{
    private readonly int[] _indices;

    internal FeatureSelection(int[] ascendingIndices, FeatureSource source)
    {
        _indices = ascendingIndices;
        Source = source;
    }

    /// <summary>The selected out indices, ascending.</summary>
    public IReadOnlyList<int> Indices => _indices;

    /// <summary>The highest selected index: the pass stops after it.</summary>
    public int Last => _indices[^1];

    /// <summary>What a Vim block's map holds.</summary>
    public FeatureSource Source { get; }

    /// <summary>Whether the map at <paramref name="index"/> is wanted.</summary>
    public bool Contains(int index) => Array.BinarySearch(_indices, index) >= 0;
}
