using Vim.Runtime.Devices;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Ops;

/// <summary>Token-sequence operations (B, L, D) used by generated model code: cls insertion, position embedding, readouts.</summary>
public static class TokenOps
{
    /// <summary>Inserts a (1, 1, D) token at <paramref name="position"/>: (B, M, D) → (B, M + 1, D).</summary>
    public static Tensor InsertToken(Tensor tokens, Tensor token, int position) => Backends.For(tokens.Device).InsertToken(tokens, token, position);

    /// <summary>x (B, L, D) += addend (1, L, D).</summary>
    public static void AddBroadcastInPlace(Tensor x, Tensor addend) => Backends.For(x.Device).AddBroadcastInPlace(x, addend);

    /// <summary>x[:, position] → (B, D).</summary>
    public static Tensor SelectToken(Tensor x, int position) => Backends.For(x.Device).SelectToken(x, position);

    /// <summary>(x[:, i] + x[:, j]) / 2 → (B, D).</summary>
    public static Tensor MeanOfTwoTokens(Tensor x, int i, int j) => Backends.For(x.Device).MeanOfTwoTokens(x, i, j);

    /// <summary>Mean over tokens → (B, D).</summary>
    public static Tensor MeanOverTokens(Tensor x) => Backends.For(x.Device).MeanOverTokens(x);

    /// <summary>Maximum over tokens → (B, D).</summary>
    public static Tensor MaxOverTokens(Tensor x) => Backends.For(x.Device).MaxOverTokens(x);
}
