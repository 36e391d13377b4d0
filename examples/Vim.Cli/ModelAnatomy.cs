using Vim.Runtime.Devices;
using Vim.Runtime.Modules;
using Vim.Runtime.Registry;

namespace Vim.Cli;

/// <summary>
/// A model's structure read from its parameter shapes on the meta device (nothing is allocated), and a FLOP estimate
/// per image derived from it.
/// </summary>
internal sealed record ModelAnatomy
{
    public required ModelInfo Info { get; init; }
    public required long ParameterCount { get; init; }
    public required int Channels { get; init; }
    public required int PatchSize { get; init; }
    public required int GridHeight { get; init; }
    public required int GridWidth { get; init; }
    /// <summary>Sequence length L (patches plus cls tokens).</summary>
    public required int Tokens { get; init; }
    public required int D { get; init; }
    public required int E { get; init; }
    public required int N { get; init; }
    public required int R { get; init; }
    public required int K { get; init; }
    public required int Depth { get; init; }
    public required int NumClasses { get; init; }
    /// <summary>Scans per layer: 1 (none), 2 (v1: shared conv/x_proj/dt_proj, second A; v2: full second branch).</summary>
    public required int Scans { get; init; }
    /// <summary>Separate conv/x_proj/dt_proj branches per layer: 2 for v2 (<c>_b</c> parameters), else 1.</summary>
    public required int Branches { get; init; }
    public required string Norm { get; init; }

    public int NumPatches => GridHeight * GridWidth;

    public static ModelAnatomy Of(string name)
    {
        var info = Models.Get(name);
        var model = info.Create(Device.Meta);
        var shapes = model.NamedParameters().ToDictionary(p => p.Key, p => p.Value.Shape);

        Vim.Runtime.Tensors.Shape Need(string key) =>
            shapes.TryGetValue(key, out var s) ? s : throw new InvalidOperationException($"{info.Name}: no parameter '{key}'; this layout is not a Vision Mamba the CLI understands.");

        var patch = Need("patch_embed.proj.weight"); // (D, C, P, P)
        string m = "layers.0.mixer.";
        var inProj = Need(m + "in_proj.weight");     // (2E, D)
        var conv = Need(m + "conv1d.weight");        // (E, 1, K)
        var xProj = Need(m + "x_proj.weight");       // (R + 2N, E)
        var dtProj = Need(m + "dt_proj.weight");     // (E, R)
        var aLog = Need(m + "A_log");                // (E, N)
        int depth = shapes.Keys.Where(k => k.StartsWith("layers.", StringComparison.Ordinal))
            .Select(k => int.Parse(k.Split('.')[1], System.Globalization.CultureInfo.InvariantCulture)).Distinct().Count();
        int numClasses = shapes.TryGetValue("head.weight", out var head) ? head[0] : 0;

        // The generated class exposes its grid; read it rather than re-deriving the stride.
        int gridH = ReadInt(model, "GridHeight"), gridW = ReadInt(model, "GridWidth");
        int tokens = ReadInt(model, "SequenceLength");
        if (gridH <= 0 || gridW <= 0 || tokens <= 0)
        {
            int p = patch[2];
            gridH = (info.ImgHeight - p) / p + 1;
            gridW = (info.ImgWidth - p) / p + 1;
            tokens = shapes.TryGetValue("pos_embed", out var pos) ? pos[1] : gridH * gridW;
        }

        return new ModelAnatomy
        {
            Info = info,
            ParameterCount = model.ParameterCount,
            Channels = patch[1],
            PatchSize = patch[2],
            GridHeight = gridH,
            GridWidth = gridW,
            Tokens = tokens,
            D = patch[0],
            E = aLog[0],
            N = aLog[1],
            R = dtProj[1],
            K = conv[2],
            Depth = depth,
            NumClasses = numClasses,
            Scans = shapes.ContainsKey(m + "A_b_log") ? 2 : 1,
            Branches = shapes.ContainsKey(m + "conv1d_b.weight") ? 2 : 1,
            Norm = shapes.ContainsKey("norm_f.bias") ? "LayerNorm" : "RMSNorm",
        };
    }

    private static int ReadInt(ImageModel model, string property) =>
        model.GetType().GetProperty(property)?.GetValue(model) is int v ? v : -1;

    private static double Gemm(double m, double n, double k) => 2 * m * n * k;

    /// <summary>FLOPs per image, by part (2·m·n·k per GEMM; the scan as Mamba's <c>flops_selective_scan_ref</c>: 9·L·E·N + 2·L·E for D and z).</summary>
    public IReadOnlyList<(string Part, double Flops)> FlopsByPart()
    {
        double l = Tokens;
        var parts = new List<(string, double)>
        {
            ("patch_embed (conv as GEMM)", Gemm(NumPatches, D, (double)Channels * PatchSize * PatchSize)),
            ("in_proj", Depth * Gemm(l, 2.0 * E, D)),
            ("conv1d (depthwise)", Depth * Branches * 2.0 * l * E * K),
            ("x_proj", Depth * Branches * Gemm(l, R + 2.0 * N, E)),
            ("dt_proj", Depth * Branches * Gemm(l, E, R)),
            ("selective scan", Depth * Scans * (9.0 * l * E * N + 2.0 * l * E)),
            ("out_proj", Depth * Gemm(l, D, E)),
            ("head", NumClasses > 0 ? Gemm(1, NumClasses, D) : 0),
        };
        return parts;
    }

    public double Flops => FlopsByPart().Sum(p => p.Flops);

    /// <summary>FLOPs of the GEMMs only (patch conv, projections, head).</summary>
    public double GemmFlops => FlopsByPart().Where(p => p.Part is not ("conv1d (depthwise)" or "selective scan")).Sum(p => p.Flops);
}
