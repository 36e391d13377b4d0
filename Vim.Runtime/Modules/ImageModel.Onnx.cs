using Vim.Runtime.Checkpoints;
using Vim.Runtime.Onnx;

namespace Vim.Runtime.Modules;

/// <summary>ONNX export: the generated graph builder of each variant, written as one self-contained .onnx file.</summary>
public abstract partial class ImageModel
{
    /// <summary>The operator sets the exporters write: 17 brings LayerNormalization; 18 moves reduction axes to inputs.</summary>
    public const int MinOnnxOpset = 17, MaxOnnxOpset = 21;

    // 2 GiB less room for the graph's nodes and constants.
    private const long MaxEmbeddedWeightBytes = (2L << 30) - (64L << 20);

    /// <summary>
    /// Writes the model as ONNX: input <c>images</c> (B, C, H, W) normalised, output <c>logits</c> (as <see cref="Forward"/>
    /// returns them), the weights embedded under their official state-dict keys. The selective scans are ONNX <c>Scan</c>
    /// loops over the sequence. Atomic: a failure leaves no partial file.
    /// </summary>
    /// <param name="path">The .onnx file to write.</param>
    /// <param name="opset">The default-domain operator set, 17 to 21.</param>
    /// <param name="dynamicBatch">A symbolic batch dimension; otherwise batch 1.</param>
    /// <exception cref="NotSupportedException">The variant has an operation the exporter cannot express (the message names it).</exception>
    public OnnxExport ExportOnnx(string path, int opset = 17, bool dynamicBatch = true)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (opset is < MinOnnxOpset or > MaxOnnxOpset)
        {
            throw new ArgumentOutOfRangeException(nameof(opset), $"{Info.Name}: ONNX opset {opset} is not written; use {MinOnnxOpset} to {MaxOnnxOpset} (LayerNormalization needs 17).");
        }
        // A protobuf message holds at most 2 GiB, and this writer embeds every weight (no external-data files).
        long weightBytes = NamedParameters().Sum(p => 4 * p.Value.Shape.Numel);
        if (weightBytes > MaxEmbeddedWeightBytes)
        {
            throw new NotSupportedException($"{Info.Name}: its weights take {weightBytes / 1e9:0.00} GB, more than one ONNX file can embed (2 GiB); external-data export is not built.");
        }
        var keys = new Dictionary<Parameter, string>(ReferenceEqualityComparer.Instance);
        foreach (var (key, parameter) in NamedParameters()) keys[parameter] = key;
        var graph = new OnnxGraphBuilder(Info.Name, opset, keys);
        var logits = ReadingValues(() => BuildOnnx(graph, dynamicBatch ? -1 : 1));
        graph.Output(logits, "logits", null);
        AtomicFile.Write(path, stream => OnnxFile.Write(stream, graph));
        return new OnnxExport(Path.GetFullPath(path), new FileInfo(path).Length, graph.NodeCount, graph.InitializerCount, opset);
    }

    /// <summary>The generated exporter: declares the <c>images</c> input (batch −1: symbolic) and returns the logits' value name.</summary>
    protected virtual string BuildOnnx(OnnxGraphBuilder graph, long batch) =>
        throw new NotSupportedException($"{Info.Name} has no generated ONNX exporter; rebuild it with the current Vim.Generators.");
}
