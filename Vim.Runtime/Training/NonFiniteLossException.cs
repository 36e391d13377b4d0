namespace Vim.Runtime.Training;

/// <summary>A training step's loss was NaN or infinite: the step's gradients were discarded and no parameter changed.</summary>
public sealed class NonFiniteLossException(long step, double loss)
    : Exception($"Training step {step}: the loss is {loss}; the step's gradients were discarded and no parameter changed. Lower the learning rate, clip gradients, or check the inputs.")
{
    /// <summary>The step (1-based count of training steps) whose loss was not finite.</summary>
    public long Step { get; } = step;

    /// <summary>The loss.</summary>
    public double Loss { get; } = loss;
}
