namespace Vim.Runtime.Modules;

/// <summary>
/// One feature map a backbone can hand out (timm's <c>feature_info</c> entry): its index as <c>out_indices</c> names it,
/// the module whose output it is, its channel count and its reduction (input pixels per map position).
/// </summary>
/// <param name="Index">The out index: a Vim block (<c>layers.{i}</c>) or a VMamba stage.</param>
/// <param name="Module">The official module the map comes out of, as its state-dict prefix names it.</param>
/// <param name="Channels">Channels C of the (B, C, H, W) map.</param>
/// <param name="Reduction">Input pixels per map position along each side (the nominal stride).</param>
public sealed record FeatureInfo(int Index, string Module, int Channels, int Reduction);

/// <summary>What a Vim block's feature map holds.</summary>
public enum FeatureSource
{
    /// <summary>The block's output h_i (its mixer's output), as the official segmentation backbone takes it.</summary>
    BlockOutput,

    /// <summary>
    /// The residual stream after the block, r_i + h_i: what the next block normalises (the official backbone's
    /// <c>use_residual_as_feature</c>, which takes it after the next block's RoPE; here it is never rotated).
    /// </summary>
    Residual,
}
