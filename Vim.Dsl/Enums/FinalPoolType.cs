namespace Vim.Dsl;

/// <summary>Official <c>final_pool_type</c>: how features are read out when the model has no cls token.</summary>
public enum FinalPoolType
{
    /// <summary><c>"none"</c>: the last token.</summary>
    None,
    /// <summary><c>"mean"</c>: the mean over all tokens.</summary>
    Mean,
    /// <summary><c>"max"</c>: features are all tokens; logits are the maximum over tokens of per-token logits.</summary>
    Max,
    /// <summary><c>"all"</c>: features and logits per token.</summary>
    All,
}
