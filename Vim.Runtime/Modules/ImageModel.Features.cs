using Vim.Runtime.Tensors;

namespace Vim.Runtime.Modules;

/// <summary>Backbone feature maps, as timm's <c>features_only</c> models hand them out.</summary>
public abstract partial class ImageModel
{
    /// <summary>
    /// Every feature map <see cref="ForwardFeatureMaps"/> can return, in out-index order: each Vim block's token map
    /// on the patch grid (a bidirectional model: each pair's), each VMamba stage's output before its downsample.
    /// </summary>
    public IReadOnlyList<FeatureInfo> FeatureInfo => FeatureInfoCore;

    /// <summary>The generated list behind <see cref="FeatureInfo"/>; empty for a model built without it.</summary>
    protected virtual IReadOnlyList<FeatureInfo> FeatureInfoCore => [];

    /// <summary>How many of the last maps an unspecified selection takes (timm: the last three blocks of a ViT, every stage of a CNN).</summary>
    protected virtual int DefaultFeatureCount => int.MaxValue;

    /// <summary>Whether the model has a residual stream beside its block outputs (<see cref="FeatureSource.Residual"/>): Vim, not VMamba.</summary>
    public virtual bool HasResidualStream => false;

    /// <summary>The out indices a selection of null stands for.</summary>
    public IReadOnlyList<int> DefaultOutIndices => FeatureInfo.Skip(Math.Max(0, FeatureInfo.Count - DefaultFeatureCount)).Select(f => f.Index).ToList();

    /// <summary>
    /// Feature maps (B, C, H, W) for normalised images (B, C, H, W), one per out index in the order given: a Vim block's
    /// tokens reshaped to the patch grid without the cls token(s), a VMamba stage's output channel-first. A negative
    /// index counts from the last map (-1: the last). The pass stops after the deepest map asked for. Thread safety as
    /// for <see cref="Forward"/>; the caller disposes the maps.
    /// </summary>
    /// <param name="x">Images (B, C, H, W), normalised.</param>
    /// <param name="outIndices">Which maps (see <see cref="FeatureInfo"/>); null: <see cref="DefaultOutIndices"/>.</param>
    /// <param name="source">For Vim: block outputs, or the residual stream after each block.</param>
    /// <exception cref="ArgumentException">An index is not one of <see cref="FeatureInfo"/>'s, repeats, or the model has no such source.</exception>
    public IReadOnlyList<Tensor> ForwardFeatureMaps(Tensor x, IReadOnlyList<int>? outIndices = null, FeatureSource source = FeatureSource.BlockOutput)
    {
        ArgumentNullException.ThrowIfNull(x);
        var requested = ResolveOutIndices(outIndices ?? DefaultOutIndices);
        CheckSource(source);
        int[] ascending = requested.Order().ToArray();
        var maps = ReadingValues(() => ForwardFeatureMapsCore(x, new FeatureSelection(ascending, source)));
        // The pass computes the maps in depth order; hand them back in the order asked for.
        return requested.Select(i => maps[Array.BinarySearch(ascending, i)]).ToList();
    }

    /// <summary>The <see cref="FeatureInfo"/> entries of <paramref name="outIndices"/> (null: the default), in that order.</summary>
    public IReadOnlyList<FeatureInfo> FeatureInfoFor(IReadOnlyList<int>? outIndices)
    {
        var byIndex = FeatureInfo.ToDictionary(f => f.Index);
        return ResolveOutIndices(outIndices ?? DefaultOutIndices).Select(i => byIndex[i]).ToList();
    }

    /// <summary>The generated pass: the selected maps, ascending by index.</summary>
    protected virtual IReadOnlyList<Tensor> ForwardFeatureMapsCore(Tensor x, FeatureSelection selection) =>
        throw new NotSupportedException($"{Info.Name} has no generated feature maps; rebuild it with the current Vim.Generators.");

    /// <summary>compute(x) per image on a CPU batch, as <see cref="ForEachImage(Tensor, Func{Tensor, Tensor})"/>, for passes that return several maps.</summary>
    protected IReadOnlyList<Tensor> ForEachImage(Tensor x, Func<Tensor, IReadOnlyList<Tensor>> compute)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(compute);
        return Observer is null && CpuBatchSplit.Applies(x) ? CpuBatchSplit.RunMany(x, compute) : compute(x);
    }

    internal void CheckSource(FeatureSource source)
    {
        if (source == FeatureSource.Residual && !HasResidualStream)
        {
            throw new ArgumentException($"{Info.Name} has no residual stream beside its stage outputs; FeatureSource.Residual applies to Vim models.", nameof(source));
        }
        if (!Enum.IsDefined(source)) throw new ArgumentOutOfRangeException(nameof(source), $"{Info.Name}: unknown feature source {(int)source}; expected BlockOutput or Residual.");
    }

    private int[] ResolveOutIndices(IReadOnlyList<int> outIndices)
    {
        var infos = FeatureInfo;
        if (infos.Count == 0) throw new NotSupportedException($"{Info.Name} has no generated feature maps; rebuild it with the current Vim.Generators.");
        if (outIndices.Count == 0) throw new ArgumentException($"{Info.Name}: no out indices given; ask for at least one of {Valid(infos)}.", nameof(outIndices));
        var resolved = new int[outIndices.Count];
        for (int k = 0; k < outIndices.Count; k++)
        {
            int i = outIndices[k];
            int index = i < 0 && -i <= infos.Count ? infos[infos.Count + i].Index : i;
            if (i < 0 && -i > infos.Count || !infos.Any(f => f.Index == index))
            {
                throw new ArgumentOutOfRangeException(nameof(outIndices), $"{Info.Name}: out index {i} is not one of its feature maps; valid: {Valid(infos)}, or -1..-{infos.Count} counting from the last.");
            }
            if (Array.IndexOf(resolved, index, 0, k) >= 0) throw new ArgumentException($"{Info.Name}: out index {index} is asked for twice.", nameof(outIndices));
            resolved[k] = index;
        }
        return resolved;
    }

    private static string Valid(IReadOnlyList<FeatureInfo> infos)
    {
        var indices = infos.Select(f => f.Index).ToList();
        bool contiguous = indices[^1] - indices[0] == indices.Count - 1;
        return contiguous ? $"{indices[0]}..{indices[^1]}" : string.Join(", ", indices);
    }
}
