namespace Vim.Runtime.Modules.VMamba;

/// <summary>SS2D's <c>out_norm</c>, chosen by the <c>forward_type</c> suffix (spec §7.2).</summary>
public enum OutNorm
{
    /// <summary>No suffix: LayerNorm(D), keys <c>out_norm.{weight,bias}</c>.</summary>
    LayerNorm,
    /// <summary><c>_onnone</c>: identity.</summary>
    None,
    /// <summary><c>_onsigmoid</c>: elementwise sigmoid.</summary>
    Sigmoid,
    /// <summary><c>_onsoftmax</c>: softmax over the H·W positions, per image and channel.</summary>
    Softmax,
    /// <summary><c>_ondwconv3</c>: depthwise 3×3 conv without bias, key <c>out_norm.1.weight</c>.</summary>
    DwConv3,
    /// <summary><c>_oncnorm</c>: LayerNorm(D) then depthwise 3×3 conv without bias, keys <c>out_norm.0.*</c>, <c>out_norm.2.weight</c>.</summary>
    CNorm,
}
