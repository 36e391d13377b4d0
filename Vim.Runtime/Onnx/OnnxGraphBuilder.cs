using System.Runtime.InteropServices;
using Vim.Runtime.Devices;
using Vim.Runtime.Modules;

namespace Vim.Runtime.Onnx;

/// <summary>
/// Builds one ONNX graph: named values, nodes in execution order, weights as initializers under their official
/// state-dict keys. Generated exporters and <see cref="OnnxOps"/> call it; <c>ImageModel.ExportOnnx</c> writes it.
/// </summary>
public sealed class OnnxGraphBuilder
{
    private readonly List<Node> _nodes = [];
    private readonly List<Initializer> _initializers = [];
    private readonly List<ValueInfo> _inputs = [];
    private readonly List<ValueInfo> _outputs = [];
    private readonly IReadOnlyDictionary<Parameter, string> _parameterKeys;
    private readonly Dictionary<Parameter, string> _weights = [];
    private readonly Dictionary<Parameter, string> _transposed = [];
    private readonly Dictionary<string, string> _constants = [];
    private readonly Counter _counter;
    private readonly Stack<string> _scopes = new();

    /// <summary>A top-level graph whose weights are named by <paramref name="parameterKeys"/>.</summary>
    internal OnnxGraphBuilder(string name, int opset, IReadOnlyDictionary<Parameter, string> parameterKeys)
        : this(name, opset, parameterKeys, new Counter())
    {
    }

    private OnnxGraphBuilder(string name, int opset, IReadOnlyDictionary<Parameter, string> parameterKeys, Counter counter)
    {
        Name = name;
        Opset = opset;
        _parameterKeys = parameterKeys;
        _counter = counter;
    }

    /// <summary>The graph's name.</summary>
    public string Name { get; }

    /// <summary>The default-domain operator set the graph is written for.</summary>
    public int Opset { get; }

    internal int NodeCount => _nodes.Count + _nodes.Sum(n => n.Attributes.Where(a => a.GraphValue is not null).Sum(a => a.GraphValue!.NodeCount));

    internal int InitializerCount => _initializers.Count;

    /// <summary>A subgraph (a Scan body) whose value names never collide with this graph's.</summary>
    public OnnxGraphBuilder Subgraph(string name) => new(name, Opset, _parameterKeys, _counter);

    /// <summary>A fresh value name inside the current scope (a subgraph's inputs and outputs).</summary>
    public string NewName(string hint) => NodeName(hint);

    /// <summary>Names the values made inside the scope after it (<c>layers.3.mixer/…</c>) until disposed.</summary>
    public IDisposable Scope(string name)
    {
        _scopes.Push(_scopes.Count == 0 ? name : $"{_scopes.Peek()}.{name}");
        return new PopScope(_scopes);
    }

    /// <summary>
    /// A float graph input; a negative dimension is symbolic, named by <paramref name="symbols"/> at its index
    /// (default <c>batch</c> for the first, <c>dim{i}</c> after); null dims: rank unknown (a subgraph's inputs).
    /// </summary>
    public string Input(string name, long[]? dims, params string[] symbols)
    {
        _inputs.Add(new ValueInfo(name, dims, symbols));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> a graph output named <paramref name="name"/> (dims as for <see cref="Input"/>, null: rank unknown).</summary>
    public void Output(string value, string name, long[]? dims, params string[] symbols)
    {
        if (value != name) _nodes.Add(new Node("Identity", [value], [name], [], NodeName("Identity")));
        _outputs.Add(new ValueInfo(name, dims, symbols));
    }

    /// <summary>The parameter as an initializer under its official key (added once).</summary>
    public string Weight(Parameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        if (_weights.TryGetValue(parameter, out var name)) return name;
        if (!_parameterKeys.TryGetValue(parameter, out name)) throw new InvalidOperationException($"ONNX export: parameter '{parameter.Name}' does not belong to the exported model.");
        if (parameter.Value.Device.Kind == DeviceKind.Meta) throw new InvalidOperationException($"ONNX export: '{name}' is on the meta device and has no values; create the model on the CPU (or load a checkpoint) first.");
        _initializers.Add(new Initializer(name, parameter.Shape.ToArray().Select(d => (long)d).ToArray(), 1, MemoryMarshal.AsBytes(parameter.Value.ToArray().AsSpan()).ToArray()));
        _weights[parameter] = name;
        return name;
    }

    /// <summary>A 2-D weight transposed (out, in) → (in, out) for MatMul; one Transpose node per weight, folded by runtimes.</summary>
    public string WeightTransposed(Parameter parameter)
    {
        if (_transposed.TryGetValue(parameter, out var name)) return name;
        name = Op("Transpose", [Weight(parameter)], OnnxAttribute.Ints("perm", 1, 0));
        _transposed[parameter] = name;
        return name;
    }

    /// <summary>A 1-D int64 constant (shapes, axes, slice bounds), shared by every use of the same values.</summary>
    public string Int64s(params long[] values)
    {
        string key = "i64:" + string.Join(",", values);
        if (_constants.TryGetValue(key, out var name)) return name;
        name = $"const_{_counter.Next()}";
        _initializers.Add(new Initializer(name, [values.Length], 7, MemoryMarshal.AsBytes(values.AsSpan()).ToArray()));
        _constants[key] = name;
        return name;
    }

    /// <summary>An int64 scalar constant (rank 0): a Gather index.</summary>
    public string Int64Scalar(long value)
    {
        string key = "i64s:" + value;
        if (_constants.TryGetValue(key, out var name)) return name;
        name = $"const_{_counter.Next()}";
        _initializers.Add(new Initializer(name, [], 7, BitConverter.GetBytes(value)));
        _constants[key] = name;
        return name;
    }

    /// <summary>A float scalar constant (rank 0).</summary>
    public string Scalar(float value)
    {
        string key = "f32:" + BitConverter.SingleToInt32Bits(value);
        if (_constants.TryGetValue(key, out var name)) return name;
        name = $"const_{_counter.Next()}";
        _initializers.Add(new Initializer(name, [], 1, BitConverter.GetBytes(value)));
        _constants[key] = name;
        return name;
    }

    /// <summary>Adds a node with one output; returns the output's name.</summary>
    public string Op(string opType, IReadOnlyList<string> inputs, params OnnxAttribute[] attributes) => Op(opType, inputs, 1, attributes)[0];

    /// <summary>Adds a node with <paramref name="outputs"/> outputs; returns their names.</summary>
    public IReadOnlyList<string> Op(string opType, IReadOnlyList<string> inputs, int outputs, params OnnxAttribute[] attributes)
    {
        string node = NodeName(opType);
        var names = Enumerable.Range(0, outputs).Select(i => outputs == 1 ? node : $"{node}_{i}").ToArray();
        _nodes.Add(new Node(opType, inputs.ToArray(), names, attributes, node));
        return names;
    }

    private string NodeName(string opType)
    {
        int n = _counter.Next();
        return _scopes.Count == 0 ? $"{opType}_{n}" : $"{_scopes.Peek()}/{opType}_{n}";
    }

    internal void WriteGraph(ProtoWriter w)
    {
        // GraphProto: node 1, name 2, initializer 5, input 11, output 12
        foreach (var node in _nodes) w.Message(1, n => WriteNode(n, node));
        w.String(2, Name);
        foreach (var init in _initializers) w.Message(5, t => WriteTensor(t, init));
        foreach (var input in _inputs) w.Message(11, v => WriteValueInfo(v, input));
        foreach (var output in _outputs) w.Message(12, v => WriteValueInfo(v, output));
    }

    private static void WriteNode(ProtoWriter w, Node node)
    {
        // NodeProto: input 1, output 2, name 3, op_type 4, attribute 5
        foreach (var input in node.Inputs) w.String(1, input);
        foreach (var output in node.Outputs) w.String(2, output);
        w.String(3, node.Name);
        w.String(4, node.OpType);
        foreach (var a in node.Attributes) w.Message(5, p => WriteAttribute(p, a));
    }

    private static void WriteAttribute(ProtoWriter w, OnnxAttribute a)
    {
        // AttributeProto: name 1, f 2, i 3, t 5, g 6, ints 8, type 20
        w.String(1, a.Name);
        switch (a.Type)
        {
            case 1: w.Float(2, a.FloatValue); break;
            case 2: w.Int64(3, a.IntValue); break;
            case 4: w.Message(5, t => WriteTensor(t, new Initializer("", [1], 1, BitConverter.GetBytes(a.FloatValue)))); break;
            case 5: w.Message(6, g => a.GraphValue!.WriteGraph(g)); break;
            case 7: w.PackedInt64(8, a.IntsValue); break;
        }
        w.Int64(20, a.Type);
    }

    private static void WriteTensor(ProtoWriter w, Initializer t)
    {
        // TensorProto: dims 1, data_type 2 (FLOAT 1, INT64 7), name 8, raw_data 9 (little-endian)
        if (t.Dims.Length > 0) w.PackedInt64(1, t.Dims);
        w.Int64(2, t.DataType);
        if (t.Name.Length > 0) w.String(8, t.Name);
        w.Bytes(9, t.Data);
    }

    private static void WriteValueInfo(ProtoWriter w, ValueInfo v)
    {
        // ValueInfoProto: name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1 (FLOAT), shape 2 → dim 1 → dim_value 1 | dim_param 2
        w.String(1, v.Name);
        w.Message(2, type => type.Message(1, tensor =>
        {
            tensor.Int64(1, 1);
            if (v.Dims is null) return;
            tensor.Message(2, shape =>
            {
                for (int i = 0; i < v.Dims.Length; i++)
                {
                    long d = v.Dims[i];
                    string symbol = i < v.Symbols.Length ? v.Symbols[i] : i == 0 ? "batch" : $"dim{i}";
                    shape.Message(1, dim =>
                    {
                        if (d < 0) dim.String(2, symbol);
                        else dim.Int64(1, d);
                    });
                }
            });
        }));
    }

    private sealed record Node(string OpType, string[] Inputs, string[] Outputs, OnnxAttribute[] Attributes, string Name);

    private sealed record Initializer(string Name, long[] Dims, int DataType, byte[] Data);

    private sealed record ValueInfo(string Name, long[]? Dims, string[] Symbols);

    private sealed class Counter
    {
        private int _next;

        public int Next() => _next++;
    }

    private sealed class PopScope(Stack<string> scopes) : IDisposable
    {
        public void Dispose() => scopes.Pop();
    }
}
