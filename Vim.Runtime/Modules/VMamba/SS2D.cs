using Vim.Dsl;
using Vim.Runtime.Devices;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Modules.VMamba;

// Shapes: B batch, H×W map, C model width, D d_inner, N state, R dt rank, K = 4 directions. Maps are
// channel-last (B, H, W, ·) whatever the model's norm_layer: ln2d computes the same function (spec §2.3).

/// <summary>
/// SS2D, the VMamba mixer (spec §7): in_proj → depthwise conv → act → four-direction selective scan (cross-scan and
/// merge folded into the scan's indexing) → out_norm → [GELU] → [· gate] → out_proj. Own keys <c>x_proj_weight</c>,
/// <c>A_logs</c>, <c>Ds</c>, <c>dt_projs_weight</c>, <c>dt_projs_bias</c>; children <c>in_proj</c>, <c>conv2d</c>,
/// <c>out_norm</c>, <c>out_proj</c> in the forward type's order.
/// </summary>
public sealed partial class SS2D : Module
{
    private readonly Linear _inProj;
    private readonly DwConv2d? _conv;
    private readonly LayerNorm? _outNorm;
    private readonly DwConv2d? _outConv;
    private readonly Linear _outProj;

    /// <summary>Registers every parameter under its official key, initialised as <c>ssm_init</c> says (spec §9).</summary>
    public SS2D(SS2DOptions options, Device device) : base(device)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        int c = options.DModel, d = options.DInner, n = options.DState, r = options.DtRank;
        var linear = ParameterInit.TruncatedNormal(0.02);
        var (aInit, dtWeightInit, dtBiasInit) = options.Init switch
        {
            SsmInit.V1 => (VMambaInit.Normal(1.0), VMambaInit.Normal(0.1), VMambaInit.Normal(0.1)),
            SsmInit.V2 => (ParameterInit.Zeros, VMambaInit.UniformRange(0, 0.1), VMambaInit.UniformRange(0, 0.1)),
            _ => (ParameterInit.ALog, ParameterInit.Uniform(1.0 / Math.Sqrt(r)), ParameterInit.InverseSoftplusDt(0.001, 0.1, 1e-4)),
        };
        XProjWeight = RegisterParameter("x_proj_weight", new Shape(4, r + 2 * n, d), ParameterInit.Uniform(1.0 / Math.Sqrt(d)));
        ALogs = RegisterParameter("A_logs", new Shape(4 * d, n), aInit);
        Ds = RegisterParameter("Ds", new Shape(4 * d), ParameterInit.Ones);
        DtProjsWeight = RegisterParameter("dt_projs_weight", new Shape(4, d, r), dtWeightInit);
        DtProjsBias = RegisterParameter("dt_projs_bias", new Shape(4, d), dtBiasInit);

        if (!options.LegacyOrder) RegisterOutNorm(options, device, out _outNorm, out _outConv);
        _inProj = RegisterModule("in_proj", new Linear(c, options.HasGate ? 2 * d : d, bias: false, device, linear));
        _conv = options.ConvKernel > 1 ? RegisterModule("conv2d", new DwConv2d(d, options.ConvKernel, options.ConvBias, device)) : null;
        if (options.LegacyOrder) RegisterOutNorm(options, device, out _outNorm, out _outConv);
        _outProj = RegisterModule("out_proj", new Linear(d, c, bias: false, device, linear));
    }

    private void RegisterOutNorm(SS2DOptions o, Device device, out LayerNorm? norm, out DwConv2d? conv)
    {
        norm = o.OutNorm switch
        {
            OutNorm.LayerNorm => RegisterModule("out_norm", new LayerNorm(o.DInner, 1e-5f, device)),
            OutNorm.CNorm => RegisterModule("out_norm.0", new LayerNorm(o.DInner, 1e-5f, device)),
            _ => null,
        };
        conv = o.OutNorm switch
        {
            OutNorm.DwConv3 => RegisterModule("out_norm.1", new DwConv2d(o.DInner, 3, bias: false, device)),
            OutNorm.CNorm => RegisterModule("out_norm.2", new DwConv2d(o.DInner, 3, bias: false, device)),
            _ => null,
        };
    }

    /// <summary>The resolved structure.</summary>
    public SS2DOptions Options { get; }

    /// <summary><c>x_proj_weight</c> (4, R + 2N, D).</summary>
    public Parameter XProjWeight { get; }

    /// <summary><c>A_logs</c> (4D, N); A = −exp(A_logs), row k·D + d.</summary>
    public Parameter ALogs { get; }

    /// <summary><c>Ds</c> (4D).</summary>
    public Parameter Ds { get; }

    /// <summary><c>dt_projs_weight</c> (4, D, R).</summary>
    public Parameter DtProjsWeight { get; }

    /// <summary><c>dt_projs_bias</c> (4, D).</summary>
    public Parameter DtProjsBias { get; }

    /// <summary>x (B, H, W, C), already normalised by the block → (B, H, W, C).</summary>
    public Tensor Forward(Tensor x)
    {
        var o = Options;
        var backend = Backends.For(x.Device);
        // t = in_proj(x): (B, H, W, D) or, with the gate, (B, H, W, 2D) = [u | z]                    (§7.3)
        using var t = _inProj.Forward(x);
        // u = act(dwconv_k(u))                                                                      (§7.3)
        using var u = _conv is not null ? _conv.Forward(t) : backend.SliceChannels(t, 0, o.DInner);
        backend.ActivationInPlace(u, o.Activation);
        // P_k = x_proj[k] · u ; Δraw_k = dt_projs[k] · P_k[:R], at every grid position              (§7.6)
        var (proj, delta) = backend.DirectionProjections(u, XProjWeight, DtProjsWeight);
        Tensor y;
        using (proj)
        using (delta)
        {
            // four selective scans (row, column, reversed row, reversed column), merged on the grid (§7.5, §7.7)
            y = backend.CrossScan(u, proj, delta, DtProjsBias, ALogs, Ds, o.DtRank, o.DState, o.Traversals);
        }
        y = ApplyOutNorm(y, backend);
        if (o.OutActivation) backend.ActivationInPlace(y, ActLayer.Gelu);
        // y · act(z)                                                                                 (§7.3)
        if (o.HasGate) backend.GateInPlace(y, t, o.DInner, o.GateActivation ? o.Activation : null);
        using (y)
        {
            return _outProj.Forward(y);
        }
    }

    private Tensor ApplyOutNorm(Tensor y, IBackend backend)
    {
        switch (Options.OutNorm)
        {
            case OutNorm.LayerNorm:
                using (y) return _outNorm!.Forward(y);
            case OutNorm.Sigmoid:
                backend.ActivationInPlace(y, ActLayer.Sigmoid);
                return y;
            case OutNorm.Softmax:
                backend.SpatialSoftmaxInPlace(y);
                return y;
            case OutNorm.DwConv3:
                using (y) return _outConv!.Forward(y);
            case OutNorm.CNorm:
                using (y)
                {
                    using var normed = _outNorm!.Forward(y);
                    return _outConv!.Forward(normed);
                }
            default:
                return y;
        }
    }
}
