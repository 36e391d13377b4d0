namespace Vim.Dsl;

/// <summary>Official VMamba <c>norm_layer</c>; it also fixes the activation layout (<c>channel_first</c>).</summary>
public enum NormLayer
{
    /// <summary><c>"ln"</c>: LayerNorm, channel-last activations (B, H, W, C), <c>nn.Linear</c> layers.</summary>
    Ln,
    /// <summary><c>"ln2d"</c>: LayerNorm over the channels of channel-first activations (B, C, H, W), <c>Linear2d</c> layers.</summary>
    Ln2d,
    /// <summary><c>"bn"</c>: BatchNorm2d, channel-first (no released model uses it).</summary>
    Bn,
}
