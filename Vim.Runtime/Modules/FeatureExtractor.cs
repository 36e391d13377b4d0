using Vim.Runtime.Tensors;

namespace Vim.Runtime.Modules;

/// <summary>
/// A model used as a backbone, as timm's <c>features_only=True</c> builds one: its forward returns the selected feature
/// maps (B, C, H, W), described by <see cref="FeatureInfo"/>. The wrapped <see cref="Model"/> keeps its head, so
/// classification checkpoints load into it strictly as they are.
/// </summary>
public sealed class FeatureExtractor
{
    /// <summary>Wraps <paramref name="model"/>, selecting <paramref name="outIndices"/> (null: the model's default; negative counts from the last).</summary>
    /// <exception cref="ArgumentException">An index is not one of the model's maps, repeats, or the source does not apply.</exception>
    public FeatureExtractor(ImageModel model, IReadOnlyList<int>? outIndices = null, FeatureSource source = FeatureSource.BlockOutput)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.CheckSource(source);
        Model = model;
        FeatureInfo = model.FeatureInfoFor(outIndices);
        OutIndices = FeatureInfo.Select(f => f.Index).ToList();
        Source = source;
    }

    /// <summary>The model whose maps are taken (load checkpoints and move devices here).</summary>
    public ImageModel Model { get; }

    /// <summary>The selected out indices, in the order <see cref="Forward"/> returns their maps.</summary>
    public IReadOnlyList<int> OutIndices { get; }

    /// <summary>Channels, reduction and module of each returned map, in order.</summary>
    public IReadOnlyList<FeatureInfo> FeatureInfo { get; }

    /// <summary>What a Vim map holds.</summary>
    public FeatureSource Source { get; }

    /// <summary>The selected maps for normalised images (B, C, H, W); the caller disposes them.</summary>
    public IReadOnlyList<Tensor> Forward(Tensor x) => Model.ForwardFeatureMaps(x, OutIndices, Source);
}
