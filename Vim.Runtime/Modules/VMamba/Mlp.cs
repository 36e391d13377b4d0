using Vim.Dsl;
using Vim.Runtime.Devices;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Modules.VMamba;

/// <summary>VMamba's Mlp / gMlp (spec §6.1–6.2): keys <c>fc1.{weight,bias}</c>, <c>fc2.{weight,bias}</c>.</summary>
public sealed partial class Mlp : Module
{
    private readonly Linear _fc1;
    private readonly Linear _fc2;

    /// <summary>fc1: C → hidden (2·hidden when <paramref name="gated"/>), act, fc2: hidden → C.</summary>
    /// <param name="dim">C.</param>
    /// <param name="hidden">int(C·mlp_ratio).</param>
    /// <param name="activation">mlp_act_layer.</param>
    /// <param name="gated">gmlp: out = fc2(a · act(g)) with [a | g] = fc1(x).</param>
    /// <param name="device">Where the parameters are allocated.</param>
    public Mlp(int dim, int hidden, ActLayer activation, bool gated, Device device) : base(device)
    {
        Hidden = hidden;
        Activation = activation;
        Gated = gated;
        var init = ParameterInit.TruncatedNormal(0.02);
        _fc1 = RegisterModule("fc1", new Linear(dim, gated ? 2 * hidden : hidden, bias: true, device, init));
        _fc2 = RegisterModule("fc2", new Linear(hidden, dim, bias: true, device, init));
    }

    /// <summary>Hidden width.</summary>
    public int Hidden { get; }

    /// <summary>The activation.</summary>
    public ActLayer Activation { get; }

    /// <summary>Whether this is the gated MLP.</summary>
    public bool Gated { get; }

    /// <summary>x (…, C) → (…, C).</summary>
    public Tensor Forward(Tensor x)
    {
        var backend = Backends.For(x.Device);
        using var h = _fc1.Forward(x);
        if (!Gated)
        {
            backend.ActivationInPlace(h, Activation);
            return _fc2.Forward(h);
        }
        using var a = backend.SliceChannels(h, 0, Hidden);
        backend.GateInPlace(a, h, Hidden, Activation);
        return _fc2.Forward(a);
    }
}
