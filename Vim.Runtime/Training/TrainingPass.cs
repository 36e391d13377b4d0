using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Training;

/// <summary>
/// One training forward of an <see cref="ImageModel"/>: its logits and what its backward pass reads. <see cref="Backward"/>
/// runs the model's generated backward graph once, accumulating ∂loss/∂parameter into every <see cref="Parameter.Grad"/>.
/// Dispose it to give the kept activations back (a pass not backpropagated is simply dropped).
/// </summary>
public sealed class TrainingPass : IDisposable
{
    private ActivationStore? _saved;
    private readonly Func<ActivationStore, Tensor, bool, Tensor?> _backward;
    private readonly bool _inputGradient;

    internal TrainingPass(ImageModel model, Tensor logits, ActivationStore saved, Func<ActivationStore, Tensor, bool, Tensor?> backward, bool inputGradient)
    {
        Model = model;
        Logits = logits;
        _saved = saved;
        _backward = backward;
        _inputGradient = inputGradient;
    }

    /// <summary>The model that ran the forward.</summary>
    public ImageModel Model { get; }

    /// <summary>The forward's output (B, classes), or (B, L, classes) for per-token models; owned by the pass.</summary>
    public Tensor Logits { get; }

    /// <summary>Whether <see cref="Backward"/> has run (a pass is backpropagated once).</summary>
    public bool IsBackpropagated { get; private set; }

    /// <summary>
    /// Backpropagates <paramref name="dLogits"/> = ∂loss/∂logits through the model: every trainable parameter's gradient
    /// grows by its share. Returns ∂loss/∂images when the forward asked for the input gradient (the caller disposes it),
    /// else null. The kept activations are given back afterwards.
    /// </summary>
    /// <exception cref="InvalidOperationException">The pass was already backpropagated or disposed.</exception>
    /// <exception cref="ArgumentException">dLogits does not have the logits' shape or device.</exception>
    public Tensor? Backward(Tensor dLogits)
    {
        ArgumentNullException.ThrowIfNull(dLogits);
        if (IsBackpropagated) throw new InvalidOperationException($"{Model.Info.Name}: this training pass was already backpropagated; run ForwardTrain again for another backward pass.");
        if (_saved is null) throw new InvalidOperationException($"{Model.Info.Name}: this training pass was disposed before its backward pass; run ForwardTrain again.");
        if (dLogits.Shape != Logits.Shape)
            throw new ArgumentException($"{Model.Info.Name}: the logits' gradient has shape {dLogits.Shape}; the logits are {Logits.Shape}.", nameof(dLogits));
        if (dLogits.Device != Logits.Device)
            throw new ArgumentException($"{Model.Info.Name}: the logits' gradient is on {dLogits.Device}; the logits are on {Logits.Device}.", nameof(dLogits));
        if (Model.Device != Logits.Device)
            throw new InvalidOperationException($"{Model.Info.Name}: the model moved to {Model.Device} after the forward on {Logits.Device}; run ForwardTrain again.");
        try
        {
            return _backward(_saved, dLogits, _inputGradient);
        }
        finally
        {
            IsBackpropagated = true;
            _saved.Dispose();
            _saved = null;
        }
    }

    /// <summary>Gives back the logits and the kept activations.</summary>
    public void Dispose()
    {
        _saved?.Dispose();
        _saved = null;
        Logits.Dispose();
    }
}
