using Vim.Dsl;
using Vim.Runtime.Devices;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Ops;

/// <summary>The map operations generated VMamba models call between their modules (maps are channel-last (B, H, W, C)).</summary>
public static class VMambaOps
{
    /// <summary>x = act(x), in place.</summary>
    public static void ActivationInPlace(Tensor x, ActLayer activation) => Backends.For(x.Device).ActivationInPlace(x, activation);

    /// <summary>PatchMerging2D's gather (B, H, W, C) → (B, ⌈H/2⌉, ⌈W/2⌉, 4C), zero-padding odd sizes at the bottom/right.</summary>
    public static Tensor PatchMerge(Tensor x) => Backends.For(x.Device).PatchMerge(x);

    /// <summary>x (B, H, W, C) += pos (1, C, H, W) (the official <c>pos_embed</c> layout).</summary>
    public static void AddChannelFirstInPlace(Tensor x, Tensor pos) => Backends.For(x.Device).AddChannelFirstInPlace(x, pos);

    /// <summary>(B, H, W, C) → (B, C, H, W), the layout channel-first (ln2d) models report their intermediates in.</summary>
    public static Tensor ToChannelFirst(Tensor x) => Backends.For(x.Device).ToChannelFirst(x);

    /// <summary>(B, H, W, C) → mean over the H·W positions (B, C) (AdaptiveAvgPool2d(1) + flatten).</summary>
    public static Tensor MeanOverPositions(Tensor x) => Backends.For(x.Device).MeanOverPositions(x);

    /// <summary>act(x) as a new tensor (the training forward keeps the pre-activation).</summary>
    public static Tensor Activation(Tensor x, ActLayer activation)
    {
        var y = TrainOps.Copy(x);
        ActivationInPlace(y, activation);
        return y;
    }

    /// <summary>Backward of <see cref="ActivationInPlace"/> at the pre-activation x: dy·act'(x).</summary>
    public static Tensor ActivationBackward(Tensor x, Tensor dy, ActLayer activation) => Backends.For(x.Device).ActivationBackward(x, dy, activation);

    /// <summary>Backward of <see cref="PatchMerge"/>: the gradient of the (B, H, W, C) map it gathered from.</summary>
    public static Tensor PatchMergeBackward(Tensor dy, int height, int width) => Backends.For(dy.Device).PatchMergeBackward(dy, height, width);

    /// <summary>Backward of <see cref="AddChannelFirstInPlace"/>: pos's gradient is dx summed over the batch.</summary>
    public static void AddChannelFirstBackward(Tensor dx, Modules.Parameter pos) => Backends.For(dx.Device).AddChannelFirstBackward(dx, pos);

    /// <summary>Backward of <see cref="MeanOverPositions"/>: the gradient spread evenly over the H·W positions.</summary>
    public static Tensor MeanOverPositionsBackward(Tensor dRow, int height, int width) => Backends.For(dRow.Device).MeanOverPositionsBackward(dRow, height, width);
}
