using Vim.Dsl;
using Vim.Runtime.Devices;
using Vim.Runtime.Ops;
using Vim.Runtime.Tensors;
using Vim.Runtime.Training;

namespace Vim.Runtime.Modules.VMamba;

public sealed partial class SS2D
{
    /// <summary>What <see cref="ForwardTrain"/> keeps: each step's input, as its backward reads it.</summary>
    public sealed class Activations : ActivationStore
    {
        /// <summary>The normalised block input (B, H, W, C): in_proj's weight gradient.</summary>
        public Tensor X = null!;

        /// <summary>in_proj's output t = [u | z] (B, H, W, D or 2D): the conv's input and the gate.</summary>
        public Tensor T = null!;

        /// <summary>The conv's output before the activation (B, H, W, D).</summary>
        public Tensor UPre = null!;

        /// <summary>u = act(conv), the scan's input (B, H, W, D).</summary>
        public Tensor U = null!;

        /// <summary>The direction projections (B, H, W, 4(R+2N)) and Δraw (B, H, W, 4D).</summary>
        public Tensor Proj = null!, Delta = null!;

        /// <summary>The merged scan output (B, H, W, D), out_norm's input.</summary>
        public Tensor Scan = null!;

        /// <summary>out_norm's intermediate: the LayerNorm output before the conv (cnorm), or the softmax output.</summary>
        public Tensor? Normed;

        /// <summary>The GELU's input (_oact).</summary>
        public Tensor? ActInput;

        /// <summary>y before the gate.</summary>
        public Tensor? Ungated;

        /// <summary>out_proj's input (B, H, W, D).</summary>
        public Tensor Y = null!;
    }

    /// <summary><see cref="Forward"/> keeping what <see cref="Backward"/> reads; <paramref name="saved"/> takes ownership of <paramref name="x"/>.</summary>
    public Tensor ForwardTrain(Tensor x, out Activations saved)
    {
        var o = Options;
        var backend = Backends.For(x.Device);
        var s = saved = new Activations();
        s.X = s.Keep(x);
        s.T = s.Keep(_inProj.Forward(x));
        s.UPre = s.Keep(_conv is not null ? _conv.Forward(s.T) : backend.SliceChannels(s.T, 0, o.DInner));
        s.U = s.Keep(VMambaOps.Activation(s.UPre, o.Activation));
        var (proj, delta) = backend.DirectionProjections(s.U, XProjWeight, DtProjsWeight);
        s.Proj = s.Keep(proj);
        s.Delta = s.Keep(delta);
        s.Scan = s.Keep(backend.CrossScan(s.U, proj, delta, DtProjsBias, ALogs, Ds, o.DtRank, o.DState, o.Traversals));
        var y = OutNormTrain(s, backend);
        if (o.OutActivation)
        {
            s.ActInput = y;
            y = s.Keep(VMambaOps.Activation(y, ActLayer.Gelu));
        }
        if (o.HasGate)
        {
            s.Ungated = y;
            y = s.Keep(TrainOps.Copy(y));
            backend.GateInPlace(y, s.T, o.DInner, o.GateActivation ? o.Activation : null);
        }
        s.Y = y;
        return _outProj.Forward(y);
    }

    // out_norm's training forward: a kept tensor whose inputs the backward reads.
    private Tensor OutNormTrain(Activations s, IBackend backend)
    {
        switch (Options.OutNorm)
        {
            case OutNorm.LayerNorm:
                return s.Keep(_outNorm!.Forward(s.Scan));
            case OutNorm.Sigmoid:
                return s.Keep(VMambaOps.Activation(s.Scan, ActLayer.Sigmoid));
            case OutNorm.Softmax:
                var soft = s.Keep(TrainOps.Copy(s.Scan));
                backend.SpatialSoftmaxInPlace(soft);
                s.Normed = soft;
                return soft;
            case OutNorm.DwConv3:
                return s.Keep(_outConv!.Forward(s.Scan));
            case OutNorm.CNorm:
                s.Normed = s.Keep(_outNorm!.Forward(s.Scan));
                return s.Keep(_outConv!.Forward(s.Normed));
            default:
                return s.Scan;
        }
    }

    /// <summary>Backward of <see cref="ForwardTrain"/>: every parameter of the mixer accumulates its gradient; returns ∂/∂x.</summary>
    public Tensor Backward(Activations s, Tensor dOutput)
    {
        ArgumentNullException.ThrowIfNull(s);
        var o = Options;
        var backend = Backends.For(dOutput.Device);
        using var dT = Tensor.Zeros(s.T.Shape, s.T.Device);
        // out = out_proj(y)
        var dY = _outProj.Backward(s.Y, dOutput)!;
        // y = y' · act(z): dY becomes ∂/∂y', z's gradient goes to the second half of dT
        if (o.HasGate) backend.GateBackward(s.Ungated!, s.T, o.DInner, o.GateActivation ? o.Activation : null, dY, dT);
        if (o.OutActivation) dY = Replace(dY, VMambaOps.ActivationBackward(s.ActInput!, dY, ActLayer.Gelu));
        using var dScan = OutNormBackward(s, dY, backend);
        if (!ReferenceEquals(dScan, dY)) dY.Dispose();
        // the four-direction scan, then the projections that fed it: both accumulate into ∂/∂u
        var (dU, dProj, dDelta) = backend.CrossScanBackward(s.U, s.Proj, s.Delta, DtProjsBias, ALogs, Ds, o.DtRank, o.DState, o.Traversals, dScan);
        using (dProj)
        using (dDelta)
        {
            backend.DirectionProjectionsBackward(s.U, s.Proj, dProj, dDelta, XProjWeight, DtProjsWeight, dU);
        }
        // u = act(conv(t[..., :D]))
        using (dU)
        using (var dUPre = VMambaOps.ActivationBackward(s.UPre, dU, o.Activation))
        {
            if (_conv is not null) _conv.Backward(s.T, dUPre, dT);
            else backend.AddChannelsInPlace(dT, dUPre, 0);
        }
        // t = in_proj(x)
        return _inProj.Backward(s.X, dT)!;
    }

    private Tensor OutNormBackward(Activations s, Tensor dY, IBackend backend)
    {
        switch (Options.OutNorm)
        {
            case OutNorm.LayerNorm:
                return _outNorm!.Backward(s.Scan, dY);
            case OutNorm.Sigmoid:
                return VMambaOps.ActivationBackward(s.Scan, dY, ActLayer.Sigmoid);
            case OutNorm.Softmax:
                return backend.SpatialSoftmaxBackward(s.Normed!, dY);
            case OutNorm.DwConv3:
            {
                var dScan = Tensor.Zeros(s.Scan.Shape, s.Scan.Device);
                _outConv!.Backward(s.Scan, dY, dScan);
                return dScan;
            }
            case OutNorm.CNorm:
            {
                using var dNormed = Tensor.Zeros(s.Normed!.Shape, s.Normed.Device);
                _outConv!.Backward(s.Normed, dY, dNormed);
                return _outNorm!.Backward(s.Scan, dNormed);
            }
            default:
                return dY;
        }
    }

    private static Tensor Replace(Tensor old, Tensor next)
    {
        old.Dispose();
        return next;
    }
}
