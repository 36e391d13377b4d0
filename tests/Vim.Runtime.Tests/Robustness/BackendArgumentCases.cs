using Vim.Dsl;
using Vim.Runtime.Devices;
using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Tests.Robustness;

/// <summary>
/// Wrong arguments to each backend operation, the same cases for the CPU and the GPU: each call must be refused with
/// an error that names the operation and what it was given, before it writes anything.
/// </summary>
internal sealed class BackendArgumentCases(IBackend backend)
{
    // Every tensor and parameter a case makes, released after the check (on the GPU they hold device memory).
    private readonly List<Tensor> _made = [];

    /// <summary>A refused call: the action, the exception type and the fragments its message must contain.</summary>
    private sealed record Case(Action Call, Type Error, string[] Names, Func<bool>? Untouched = null);

    public static readonly string[] Names =
    [
        "Linear", "PatchEmbed.Rank", "PatchEmbed.Channels", "PatchEmbed.Stride", "PatchEmbed.Small", "AddNorm.Residual", "Norm.Weight", "MambaPrepare.Xz",
        "MambaPrepare.XProj", "MambaScan.Steps", "InsertToken.Width", "InsertToken.Position", "AddBroadcast", "AddInPlace",
        "MultiplyLastAxis", "SelectToken", "MeanOfTwoTokens", "MeanOverTokens.Rank", "Conv2d.Channels", "Conv2d.Stride", "Conv2d.Small",
        "DepthwiseConv2d", "SliceChannels.Outside", "SliceChannels.Empty", "GateInPlace", "CrossScan.Traversals", "CrossScan.Proj",
        "AddChannelFirst", "DirectionProjections.Input", "DirectionProjections.DtProjs",
    ];

    /// <summary>Runs one case: the call throws the expected type, the message names each fragment, and nothing was written.</summary>
    public void Check(string name)
    {
        try
        {
            var c = Build(name);
            var error = Assert.Throws(c.Error, c.Call);
            foreach (string fragment in c.Names) Assert.Contains(fragment, error.Message);
            if (c.Untouched is not null) Assert.True(c.Untouched(), $"{name}: the refused call changed its in-place operand.");
        }
        finally
        {
            foreach (var t in _made) t.Dispose();
            _made.Clear();
        }
    }

    private Tensor T(params int[] shape)
    {
        // Ones, so that an in-place operand that was written shows it.
        var t = Tensor.Zeros(new Shape(shape), backend.Device);
        backend.Fill(t, 1f);
        _made.Add(t);
        return t;
    }

    private Parameter P(string name, params int[] shape)
    {
        var p = new Parameter(name, new Shape(shape), ParameterInit.Zeros, backend.Device, isBuffer: false);
        _made.Add(p.Value);
        return p;
    }

    private bool AllOnes(Tensor t) => backend.Download(t).All(v => v == 1f);

    private Case Build(string name)
    {
        var arg = typeof(ArgumentException);
        var range = typeof(ArgumentOutOfRangeException);
        switch (name)
        {
            case "Linear":
                return new(() => backend.Linear(T(2, 5), P("w", 3, 4), null), arg, ["Linear(w)", "(2, 5)", "does not end in 4"]);
            case "PatchEmbed.Rank":
                return new(() => backend.PatchEmbed(T(3, 8, 8), P("w", 4, 3, 4, 4), P("b", 4), 4), arg, ["PatchEmbed", "(3, 8, 8)", "(B, C, H, W)"]);
            case "PatchEmbed.Channels":
                return new(() => backend.PatchEmbed(T(1, 2, 8, 8), P("w", 4, 3, 4, 4), P("b", 4), 4), arg, ["PatchEmbed", "(1, 2, 8, 8)", "have 2 channels", "expects 3"]);
            case "PatchEmbed.Stride":
                return new(() => backend.PatchEmbed(T(1, 3, 8, 8), P("w", 4, 3, 4, 4), P("b", 4), 0), arg, ["PatchEmbed", "stride 0"]);
            case "PatchEmbed.Small":
                return new(() => backend.PatchEmbed(T(1, 3, 3, 8), P("w", 4, 3, 4, 4), P("b", 4), 4), arg, ["PatchEmbed", "3x8", "smaller than the patch 4x4"]);
            case "AddNorm.Residual":
            {
                var residual = T(2, 5);
                return new(() => backend.AddNorm(T(2, 4), residual, NormKind.Rms, P("w", 4), null, 1e-5f), arg, ["AddNorm", "(2, 4)", "(2, 5)"], () => AllOnes(residual));
            }
            case "Norm.Weight":
                return new(() => backend.Norm(T(2, 4), NormKind.Layer, P("w", 5), P("b", 5), 1e-5f), arg, ["Norm(w)", "(5)", "width 4"]);
            case "MambaPrepare.Xz":
                return new(() => backend.MambaPrepare(T(1, 3, 10), 4, P("conv", 4, 1, 4), null, P("x_proj", 10, 4), P("dt_proj", 4, 2), 4, false),
                    arg, ["MambaPrepare", "(1, 3, 10)", "2·4"]);
            case "MambaPrepare.XProj":
                return new(() => backend.MambaPrepare(T(1, 3, 8), 4, P("conv", 4, 1, 4), null, P("x_proj", 9, 4), P("dt_proj", 4, 2), 4, false),
                    arg, ["MambaPrepare(x_proj)", "(9, 4)", "R + 2N = 10"]);
            case "MambaScan.Steps":
            {
                var xz = T(1, 3, 8);
                var output = T(1, 3, 4);
                return new(() =>
                {
                    using var branch = backend.MambaPrepare(xz, 4, P("conv", 4, 1, 4), null, P("x_proj", 10, 4), P("dt_proj", 4, 2), 4, false);
                    backend.MambaScan(branch, xz, P("A_log", 4, 4), P("D", 4), P("dt_bias", 4), false, output, accumulate: true, 1f, steps: 4);
                }, range, ["MambaScan", "steps 4 outside 0..L=3"], () => AllOnes(output));
            }
            case "InsertToken.Width":
                return new(() => backend.InsertToken(T(1, 3, 4), T(5), 0), arg, ["InsertToken", "(5)", "width 4"]);
            case "InsertToken.Position":
                return new(() => backend.InsertToken(T(1, 3, 4), T(4), 4), range, ["InsertToken", "position 4 outside 0..3"]);
            case "AddBroadcast":
            {
                var x = T(2, 4);
                return new(() => backend.AddBroadcastInPlace(x, T(3)), arg, ["AddBroadcast", "(3)", "(2, 4)"], () => AllOnes(x));
            }
            case "AddInPlace":
            {
                var a = T(2, 4);
                return new(() => backend.AddInPlace(a, T(7)), arg, ["AddInPlace", "(2, 4)", "(7)"], () => AllOnes(a));
            }
            case "MultiplyLastAxis":
            {
                var a = T(3, 4);
                return new(() => backend.MultiplyLastAxisInPlace(a, T(3)), arg, ["MultiplyLastAxis", "(3)", "(3, 4)"], () => AllOnes(a));
            }
            case "SelectToken":
                return new(() => backend.SelectToken(T(2, 3, 4), 3), range, ["SelectToken", "token 3 outside 0..2", "(2, 3, 4)"]);
            case "MeanOfTwoTokens":
                return new(() => backend.MeanOfTwoTokens(T(2, 3, 4), 0, -1), range, ["MeanOfTwoTokens", "token -1 outside 0..2"]);
            case "MeanOverTokens.Rank":
                return new(() => backend.MeanOverTokens(T(3, 4)), arg, ["MeanOverTokens", "(3, 4)", "(B, L, D)"]);
            case "Conv2d.Channels":
                return new(() => backend.Conv2d(T(1, 5, 5, 2), false, P("w", 4, 3, 3, 3), null, 1, 1), arg, ["Conv2d(w)", "(1, 5, 5, 2)", "3 input channels"]);
            case "Conv2d.Stride":
                return new(() => backend.Conv2d(T(1, 5, 5, 3), false, P("w", 4, 3, 3, 3), null, 0, 1), arg, ["Conv2d(w)", "stride 0"]);
            case "Conv2d.Small":
                return new(() => backend.Conv2d(T(1, 3, 2, 2), true, P("w", 4, 3, 5, 5), null, 1, 1), arg, ["Conv2d(w)", "2x2", "kernel 5x5"]);
            case "DepthwiseConv2d":
                return new(() => backend.DepthwiseConv2d(T(1, 4, 4, 2), P("w", 3, 1, 3, 3), null), arg, ["DepthwiseConv2d(w)", "(1, 4, 4, 2)", "≥ 3"]);
            case "SliceChannels.Outside":
                return new(() => backend.SliceChannels(T(2, 4), 2, 3), arg, ["SliceChannels", "2..5", "(2, 4)"]);
            case "SliceChannels.Empty":
                return new(() => backend.SliceChannels(T(2, 4), 1, 0), arg, ["SliceChannels", "1..1"]);
            case "GateInPlace":
            {
                var y = T(2, 3);
                return new(() => backend.GateInPlace(y, T(2, 4), 2, ActLayer.Silu), arg, ["GateInPlace", "(2, 4)", "channel 2", "(2, 3)"], () => AllOnes(y));
            }
            case "CrossScan.Traversals":
                return new(() => backend.CrossScan(T(1, 2, 2, 4), T(1, 2, 2, 40), T(1, 2, 2, 16), P("dt", 16), P("A_logs", 16, 4), P("Ds", 16), 2, 4, [0, 1, 2]),
                    arg, ["CrossScan", "4 traversals, got 3"]);
            case "CrossScan.Proj":
                return new(() => backend.CrossScan(T(1, 2, 2, 4), T(1, 2, 2, 39), T(1, 2, 2, 16), P("dt", 16), P("A_logs", 16, 4), P("Ds", 16), 2, 4, [0, 1, 2, 3]),
                    arg, ["CrossScan", "(1, 2, 2, 39)", "4(R+2N) = 40"]);
            case "AddChannelFirst":
            {
                var x = T(1, 2, 2, 3);
                return new(() => backend.AddChannelFirstInPlace(x, T(1, 3, 2, 3)), arg, ["AddChannelFirst", "(1, 3, 2, 3)", "(1, 2, 2, 3)"], () => AllOnes(x));
            }
            case "DirectionProjections.Input":
                return new(() => backend.DirectionProjections(T(1, 2, 2, 5), P("x_proj", 4, 10, 4), P("dt_projs", 4, 4, 2)), arg, ["DirectionProjections(x_proj)", "(1, 2, 2, 5)", "d_inner 4"]);
            case "DirectionProjections.DtProjs":
                return new(() => backend.DirectionProjections(T(1, 2, 2, 4), P("x_proj", 4, 10, 4), P("dt_projs", 4, 5, 2)), arg, ["DirectionProjections(dt_projs)", "(4, 5, 2)", "(4, 4, R ≤ 10)"]);
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "No such case.");
        }
    }
}
