namespace Vim.Dsl;

/// <summary>Official VMamba <c>ssm_act_layer</c> / <c>mlp_act_layer</c> (case-insensitive strings upstream).</summary>
public enum ActLayer
{
    /// <summary><c>"silu"</c>: x·sigmoid(x).</summary>
    Silu,
    /// <summary><c>"gelu"</c>: the exact erf form.</summary>
    Gelu,
    /// <summary><c>"relu"</c>: max(x, 0).</summary>
    Relu,
    /// <summary><c>"sigmoid"</c>: 1 / (1 + exp(−x)).</summary>
    Sigmoid,
}
