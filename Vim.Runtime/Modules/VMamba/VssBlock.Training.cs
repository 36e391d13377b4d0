using Vim.Runtime.Ops;
using Vim.Runtime.Tensors;
using Vim.Runtime.Training;

namespace Vim.Runtime.Modules.VMamba;

public sealed partial class VssBlock
{
    /// <summary>What <see cref="ForwardTrain"/> keeps: the input, the map between the branches, each branch's activations and drop-path scales.</summary>
    public sealed class Activations : ActivationStore
    {
        /// <summary>The block's input x (B, H, W, C).</summary>
        public Tensor X = null!;

        /// <summary>x + drop_path(op(norm(x))), the MLP branch's input (when both branches exist).</summary>
        public Tensor? Mid;

        /// <summary>The mixer's and the MLP's activations; null with gradient checkpointing.</summary>
        public SS2D.Activations? Op;

        /// <summary>The MLP's activations.</summary>
        public Mlp.Activations? Mlp;

        /// <summary>Per-sample drop-path scales of the two branches (null: nothing dropped).</summary>
        public float[]? DropOp, DropMlp;

        /// <summary>Whether the branches' activations were kept (false: recompute them in the backward pass).</summary>
        public bool Complete;
    }

    /// <summary>
    /// The training forward: x + drop_path(op(norm(x))), then + drop_path(mlp(norm2(·))), as a new map. <paramref name="saved"/>
    /// takes ownership of <paramref name="x"/>; with <paramref name="keep"/> false it keeps only x (gradient checkpointing).
    /// </summary>
    public Tensor ForwardTrain(Tensor x, float[]? dropOp, float[]? dropMlp, bool keep, out Activations saved)
    {
        var s = saved = new Activations { DropOp = dropOp, DropMlp = dropMlp, Complete = keep };
        s.X = s.Keep(x);
        var current = x;
        if (_op is not null)
        {
            using var mixed = _op.ForwardTrain(_norm!.Forward(current), out var op);
            if (keep) s.Op = s.Keep(op);
            else op.Dispose();
            TrainOps.DropPathInPlace(mixed, dropOp);
            current = TrainOps.Sum(current, mixed);
        }
        if (_mlp is not null)
        {
            if (_op is not null)
            {
                if (keep) s.Mid = s.Keep(current);
            }
            using var hidden = _mlp.ForwardTrain(_norm2!.Forward(current), out var mlp);
            if (keep) s.Mlp = s.Keep(mlp);
            else mlp.Dispose();
            TrainOps.DropPathInPlace(hidden, dropMlp);
            var next = TrainOps.Sum(current, hidden);
            if (!keep && _op is not null) current.Dispose();
            current = next;
        }
        return ReferenceEquals(current, x) ? TrainOps.Copy(x) : current;
    }

    /// <summary>Backward of <see cref="ForwardTrain"/>: every parameter of the block accumulates its gradient; returns ∂/∂x.</summary>
    public Tensor Backward(Activations s, Tensor dOutput)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (!s.Complete)
        {
            // gradient checkpointing: run the forward again, this time keeping everything
            ForwardTrain(TrainOps.Copy(s.X), s.DropOp, s.DropMlp, keep: true, out var full).Dispose();
            using (full) return Backward(full, dOutput);
        }
        // the residual path: x_out = x_in + branch, so ∂/∂x_in starts as ∂/∂x_out
        var dX = TrainOps.Copy(dOutput);
        if (_mlp is not null)
        {
            using var dHidden = TrainOps.DropPath(dX, s.DropMlp);
            using var dNormed = _mlp.Backward(s.Mlp!, dHidden);
            _norm2!.Backward(s.Mid ?? s.X, dNormed, dX, accumulate: true);
        }
        if (_op is not null)
        {
            using var dMixed = TrainOps.DropPath(dX, s.DropOp);
            using var dNormed = _op.Backward(s.Op!, dMixed);
            _norm!.Backward(s.X, dNormed, dX, accumulate: true);
        }
        return dX;
    }
}
