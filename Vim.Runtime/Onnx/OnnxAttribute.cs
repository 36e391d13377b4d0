namespace Vim.Runtime.Onnx;

/// <summary>A node attribute: an integer, integers, a float, a one-element tensor or a subgraph (ONNX AttributeProto).</summary>
public sealed class OnnxAttribute
{
    private OnnxAttribute(string name, int type)
    {
        Name = name;
        Type = type;
    }

    /// <summary>The attribute's name.</summary>
    public string Name { get; }

    // AttributeProto.AttributeType: FLOAT 1, INT 2, TENSOR 4, GRAPH 5, INTS 7
    internal int Type { get; }
    internal long IntValue { get; private init; }
    internal float FloatValue { get; private init; }
    internal long[] IntsValue { get; private init; } = [];
    internal OnnxGraphBuilder? GraphValue { get; private init; }

    /// <summary>An integer attribute.</summary>
    public static OnnxAttribute Int(string name, long value) => new(name, 2) { IntValue = value };

    /// <summary>A list of integers.</summary>
    public static OnnxAttribute Ints(string name, params long[] values) => new(name, 7) { IntsValue = values };

    /// <summary>A float attribute.</summary>
    public static OnnxAttribute Float(string name, float value) => new(name, 1) { FloatValue = value };

    /// <summary>A one-element float tensor (ConstantOfShape's <c>value</c>).</summary>
    public static OnnxAttribute FloatTensor(string name, float value) => new(name, 4) { FloatValue = value };

    /// <summary>A subgraph (Scan's <c>body</c>).</summary>
    public static OnnxAttribute Graph(string name, OnnxGraphBuilder body) => new(name, 5) { GraphValue = body };
}
