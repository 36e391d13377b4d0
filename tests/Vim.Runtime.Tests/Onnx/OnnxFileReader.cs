namespace Vim.Runtime.Tests.Onnx;

/// <summary>Reads back what the tests check in an .onnx file: the names of the top-level graph's initializers (ModelProto.graph 7 → initializer 5 → name 8).</summary>
internal static class OnnxFileReader
{
    public static IReadOnlyList<string> InitializerNames(string path)
    {
        var model = File.ReadAllBytes(path);
        var graph = Fields(model).Single(f => f.Field == 7).Value;
        return Fields(graph).Where(f => f.Field == 5)
            .Select(init => System.Text.Encoding.UTF8.GetString(Fields(init.Value).Single(f => f.Field == 8).Value)).ToList();
    }

    /// <summary>The top-level graph: its nodes (op type, inputs, outputs) in file order, its input and output names, its initializer names.</summary>
    public static (IReadOnlyList<(string Op, string[] Inputs, string[] Outputs)> Nodes, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs, IReadOnlyList<string> Initializers) Graph(string path)
    {
        var graph = Fields(File.ReadAllBytes(path)).Single(f => f.Field == 7).Value;
        static string Text(byte[] b) => System.Text.Encoding.UTF8.GetString(b);
        var fields = Fields(graph).ToList();
        // NodeProto: input 1, output 2, op_type 4; ValueInfoProto: name 1
        var nodes = fields.Where(f => f.Field == 1).Select(n => Fields(n.Value).ToList())
            .Select(n => (Text(n.Single(f => f.Field == 4).Value), n.Where(f => f.Field == 1).Select(f => Text(f.Value)).ToArray(), n.Where(f => f.Field == 2).Select(f => Text(f.Value)).ToArray()))
            .ToList();
        string Name(byte[] message) => Text(Fields(message).First(f => f.Field == 1).Value);
        return (nodes, fields.Where(f => f.Field == 11).Select(f => Name(f.Value)).ToList(), fields.Where(f => f.Field == 12).Select(f => Name(f.Value)).ToList(), InitializerNames(path));
    }

    // The length-delimited fields of one message; varint, fixed32 and fixed64 fields are skipped.
    private static IEnumerable<(int Field, byte[] Value)> Fields(byte[] message)
    {
        int i = 0;
        var fields = new List<(int, byte[])>();
        while (i < message.Length)
        {
            ulong tag = Varint(message, ref i);
            int field = (int)(tag >> 3), wire = (int)(tag & 7);
            switch (wire)
            {
                case 0: Varint(message, ref i); break;
                case 1: i += 8; break;
                case 5: i += 4; break;
                case 2:
                    int length = (int)Varint(message, ref i);
                    fields.Add((field, message[i..(i + length)]));
                    i += length;
                    break;
                default: throw new InvalidDataException($"wire type {wire} at byte {i}");
            }
        }
        return fields;
    }

    private static ulong Varint(byte[] data, ref int i)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = data[i++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
    }
}
