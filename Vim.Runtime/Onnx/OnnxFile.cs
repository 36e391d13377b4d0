namespace Vim.Runtime.Onnx;

/// <summary>Writes a ModelProto around a built graph.</summary>
internal static class OnnxFile
{
    public static void Write(Stream stream, OnnxGraphBuilder graph)
    {
        // ModelProto: ir_version 1, producer_name 2, producer_version 3, graph 7, opset_import 8 → { domain 1, version 2 }.
        // IR 8 goes with opsets 17–18, 9 with 19–20, 10 with 21.
        var w = new ProtoWriter();
        w.Int64(1, graph.Opset <= 18 ? 8 : graph.Opset <= 20 ? 9 : 10);
        w.String(2, "Vim.Dsl");
        w.String(3, typeof(OnnxFile).Assembly.GetName().Version?.ToString(3) ?? "0");
        w.Message(7, graph.WriteGraph);
        w.Message(8, o => o.Int64(2, graph.Opset));
        stream.Write(w.Written);
    }
}
