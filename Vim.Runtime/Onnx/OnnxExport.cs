namespace Vim.Runtime.Onnx;

/// <summary>What <see cref="Modules.ImageModel.ExportOnnx"/> wrote: the file, its size, and the graph's node and initializer counts.</summary>
public sealed record OnnxExport(string Path, long Bytes, int Nodes, int Initializers, int Opset);
