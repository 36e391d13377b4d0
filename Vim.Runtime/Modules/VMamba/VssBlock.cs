using Vim.Runtime.Devices;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Modules.VMamba;

/// <summary>
/// VSSBlock (spec §6): x += op(norm(x)) when there is an SS2D branch; x += mlp(norm2(x)) when there is an MLP
/// (DropPath is the identity at inference). Keys <c>norm.*</c>, <c>op.*</c>, <c>norm2.*</c>, <c>mlp.*</c>.
/// </summary>
public sealed partial class VssBlock : Module
{
    private readonly LayerNorm? _norm;
    private readonly SS2D? _op;
    private readonly LayerNorm? _norm2;
    private readonly Mlp? _mlp;

    /// <summary>Registers the branches that exist (<paramref name="op"/> null: ssm_ratio ≤ 0; <paramref name="mlp"/> null: mlp_ratio ≤ 0).</summary>
    /// <param name="dim">C.</param>
    /// <param name="op">The SS2D options, or null.</param>
    /// <param name="mlp">The MLP (hidden width, activation, gated), or null.</param>
    /// <param name="device">Where the parameters are allocated.</param>
    public VssBlock(int dim, SS2DOptions? op, (int Hidden, Dsl.ActLayer Activation, bool Gated)? mlp, Device device) : base(device)
    {
        if (op is not null)
        {
            _norm = RegisterModule("norm", new LayerNorm(dim, 1e-5f, device));
            _op = RegisterModule("op", new SS2D(op, device));
        }
        if (mlp is { } m)
        {
            _norm2 = RegisterModule("norm2", new LayerNorm(dim, 1e-5f, device));
            _mlp = RegisterModule("mlp", new Mlp(dim, m.Hidden, m.Activation, m.Gated, device));
        }
    }

    /// <summary>Updates x (B, H, W, C) in place: both residual branches.</summary>
    public void ForwardInPlace(Tensor x)
    {
        var backend = Backends.For(x.Device);
        if (_op is not null)
        {
            using var normed = _norm!.Forward(x);
            using var mixed = _op.Forward(normed);
            backend.AddInPlace(x, mixed);
        }
        if (_mlp is not null)
        {
            using var normed = _norm2!.Forward(x);
            using var hidden = _mlp.Forward(normed);
            backend.AddInPlace(x, hidden);
        }
    }
}
