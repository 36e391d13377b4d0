using Vim.Runtime.Devices;
using Vim.Runtime.Ops;
using Vim.Runtime.Tensors;
using Vim.Runtime.Training;

namespace Vim.Runtime.Modules.VMamba;

public sealed partial class Mlp
{
    /// <summary>What <see cref="ForwardTrain"/> keeps.</summary>
    public sealed class Activations : ActivationStore
    {
        /// <summary>The input (…, C), for fc1's weight gradient.</summary>
        public Tensor X = null!;

        /// <summary>fc1's output (…, hidden or 2·hidden): the activation's input.</summary>
        public Tensor H = null!;

        /// <summary>a before the gate (gMlp).</summary>
        public Tensor? Ungated;

        /// <summary>fc2's input (…, hidden).</summary>
        public Tensor Y = null!;
    }

    /// <summary><see cref="Forward"/> keeping what <see cref="Backward"/> reads; <paramref name="saved"/> takes ownership of <paramref name="x"/>.</summary>
    public Tensor ForwardTrain(Tensor x, out Activations saved)
    {
        var backend = Backends.For(x.Device);
        var s = saved = new Activations();
        s.X = s.Keep(x);
        s.H = s.Keep(_fc1.Forward(x));
        if (Gated)
        {
            s.Ungated = s.Keep(backend.SliceChannels(s.H, 0, Hidden));
            s.Y = s.Keep(TrainOps.Copy(s.Ungated));
            backend.GateInPlace(s.Y, s.H, Hidden, Activation);
        }
        else
        {
            s.Y = s.Keep(VMambaOps.Activation(s.H, Activation));
        }
        return _fc2.Forward(s.Y);
    }

    /// <summary>Backward of <see cref="ForwardTrain"/>: fc1's and fc2's gradients accumulate; returns ∂/∂x.</summary>
    public Tensor Backward(Activations s, Tensor dOutput)
    {
        ArgumentNullException.ThrowIfNull(s);
        var backend = Backends.For(dOutput.Device);
        using var dY = _fc2.Backward(s.Y, dOutput)!;
        if (!Gated)
        {
            using var dH = VMambaOps.ActivationBackward(s.H, dY, Activation);
            return _fc1.Backward(s.X, dH)!;
        }
        // y = a · act(g), [a | g] = h: g's gradient goes to the second half, a's (dY after the gate) to the first
        using var dHidden = Tensor.Zeros(s.H.Shape, s.H.Device);
        backend.GateBackward(s.Ungated!, s.H, Hidden, Activation, dY, dHidden);
        backend.AddChannelsInPlace(dHidden, dY, 0);
        return _fc1.Backward(s.X, dHidden)!;
    }
}
