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

    /// <summary>
    /// Tokens (B, L, D) → the patch grid (B, D, gridHeight, gridWidth) without the rows at <paramref name="clsPositions"/>,
    /// as the official detection and segmentation backbones reshape block outputs (<c>permute(0, 2, 1).reshape(B, -1, Hp, Wp)</c>).
    /// </summary>
    public static Tensor ToPatchGrid(Tensor tokens, int gridHeight, int gridWidth, params ReadOnlySpan<int> clsPositions) =>
        Backends.For(tokens.Device).ToPatchGrid(tokens, gridHeight, gridWidth, clsPositions);

    /// <summary>Backward of <see cref="InsertToken"/>: the token's gradient (summed over the batch) goes to its parameter; returns the patches' (B, M, D).</summary>
    public static Tensor InsertTokenBackward(Tensor dTokens, Modules.Parameter token, int position) => Backends.For(dTokens.Device).InsertTokenBackward(dTokens, token, position);

    /// <summary>Backward of <see cref="AddBroadcastInPlace"/>: the addend's gradient is dx summed over the batch.</summary>
    public static void AddBroadcastBackward(Tensor dx, Modules.Parameter addend) => Backends.For(dx.Device).AddBroadcastBackward(dx, addend);

    /// <summary>Backward of <see cref="SelectToken"/>: (B, L, D), zero but row <paramref name="position"/>.</summary>
    public static Tensor SelectTokenBackward(Tensor dRow, int position, int length) => Backends.For(dRow.Device).SelectTokenBackward(dRow, position, length);

    /// <summary>Backward of <see cref="MeanOfTwoTokens"/>: (B, L, D), half the gradient at rows i and j.</summary>
    public static Tensor MeanOfTwoTokensBackward(Tensor dRow, int i, int j, int length) => Backends.For(dRow.Device).MeanOfTwoTokensBackward(dRow, i, j, length);

    /// <summary>Backward of <see cref="MeanOverTokens"/>: (B, L, D), the gradient / L at every row.</summary>
    public static Tensor MeanOverTokensBackward(Tensor dRow, int length) => Backends.For(dRow.Device).MeanOverTokensBackward(dRow, length);

    /// <summary>Backward of <see cref="MaxOverTokens"/> at input x: each maximum's row gets the gradient.</summary>
    public static Tensor MaxOverTokensBackward(Tensor x, Tensor dRow) => Backends.For(x.Device).MaxOverTokensBackward(x, dRow);
}
