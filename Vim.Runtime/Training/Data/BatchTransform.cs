namespace Vim.Runtime.Training.Data;

/// <summary>A transform of a whole batch and its labels into the training targets (mixup and cutmix mix examples).</summary>
public abstract class BatchTransform
{
    /// <summary>Mixes <paramref name="images"/> (B·C·H·W, in place) and returns the targets of the mixed batch.</summary>
    public abstract Targets Apply(float[] images, int[] labels, int classes, (int Channels, int Height, int Width) shape, Random random);
}
