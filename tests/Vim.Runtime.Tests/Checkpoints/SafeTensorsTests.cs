using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Vim.Runtime.Checkpoints;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Tests.Checkpoints;

public sealed class SafeTensorsTests
{
    internal static string DataPath(string name) => Path.Combine(AppContext.BaseDirectory, "Checkpoints", "Data", name);

    /// <summary>Builds a safetensors file from a literal JSON header and raw data bytes.</summary>
    internal static byte[] Build(string headerJson, byte[] data, bool pad = true)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        if (pad && header.Length % 8 != 0) header = [.. header, .. Enumerable.Repeat((byte)' ', 8 - header.Length % 8)];
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    private static CheckpointFormatException Bad(byte[] file)
        => Assert.Throws<CheckpointFormatException>(() => SafeTensors.Read(file, "bad.safetensors"));

    [Fact]
    public void Fixture_loads_in_header_order_with_metadata()
    {
        string path = DataPath("vim_tiny.safetensors");
        var tensors = SafeTensors.Load(path);

        // The header's own key order, read independently.
        byte[] file = File.ReadAllBytes(path);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(file);
        using var doc = JsonDocument.Parse(file.AsMemory(8, (int)n));
        var expectedKeys = doc.RootElement.EnumerateObject().Select(p => p.Name).Where(k => k != "__metadata__").ToList();
        Assert.Equal(expectedKeys, tensors.Keys.ToList());
        Assert.Equal(new Shape(1, 17, 32), tensors["pos_embed"].Shape);

        // Values bitwise equal to the raw little-endian bytes.
        var entry = doc.RootElement.GetProperty("pos_embed").GetProperty("data_offsets");
        long begin = entry[0].GetInt64();
        var raw = file.AsSpan((int)(8 + n + begin), 17 * 32 * 4);
        var values = tensors["pos_embed"].ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal(BinaryPrimitives.ReadInt32LittleEndian(raw[(i * 4)..]), BitConverter.SingleToInt32Bits(values[i]));
        }

        var meta = SafeTensors.ReadMetadata(path);
        Assert.Equal("vim", meta["family"]);

        // The stream overloads (seekable and not) give the same tensors.
        using (var fs = File.OpenRead(path))
        {
            AssertSameTensors(tensors, SafeTensors.Read(fs, "x"));
        }
        using (var ns = new NonSeekableStream(file))
        {
            AssertSameTensors(tensors, SafeTensors.Read(ns, "x"));
        }
        AssertSameTensors(tensors, SafeTensors.Read(file));
    }

    internal static void AssertSameTensors(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyDictionary<string, Tensor> actual)
    {
        Assert.Equal(expected.Keys.ToList(), actual.Keys.ToList());
        foreach (var (k, t) in expected)
        {
            var u = actual[k];
            Assert.True(t.Shape == u.Shape, $"{k}: shape {t.Shape} vs {u.Shape}");
            var a = t.ToArray();
            var b = u.ToArray();
            for (int i = 0; i < a.Length; i++)
            {
                if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i]))
                {
                    Assert.Fail($"{k}[{i}]: {a[i]} vs {b[i]}");
                }
            }
        }
    }

    [Fact]
    public void Save_then_load_round_trips_bitwise_with_metadata()
    {
        var special = new[] { 0f, -0f, 1.5f, float.NaN, BitConverter.Int32BitsToSingle(0x7fc00123), float.PositiveInfinity, float.Epsilon, -3.25e30f };
        var tensors = new List<KeyValuePair<string, Tensor>>
        {
            new("z.last_first", Tensor.FromArray(special, 2, 4)),
            new("a.scalar", Tensor.FromArray([42f])),
            new("m.empty", Tensor.FromArray([], 0, 3)),
            new("b.vec", Tensor.FromArray([1f, 2f, 3f], 3)),
        };
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcödé \"quoted\"" };
        string path = Path.Combine(Path.GetTempPath(), $"vim-st-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafeTensors.Save(path, tensors, metadata);
            byte[] file = File.ReadAllBytes(path);
            long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(file);
            Assert.Equal(0, (8 + n) % 8);
            Assert.Equal(8 + n + 4 * (8 + 1 + 0 + 3), file.Length);

            var loaded = SafeTensors.Load(path);
            Assert.Equal(["z.last_first", "a.scalar", "m.empty", "b.vec"], loaded.Keys.ToList());
            AssertSameTensors(new OrderedView(tensors), loaded);
            Assert.Equal(new Shape(), loaded["a.scalar"].Shape);
            Assert.Equal(new Shape(0, 3), loaded["m.empty"].Shape);
            var meta = SafeTensors.ReadMetadata(path);
            Assert.Equal(metadata.OrderBy(k => k.Key), meta.OrderBy(k => k.Key));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Save_refuses_duplicate_and_reserved_names()
    {
        var t = Tensor.FromArray([1f], 1);
        using var ms = new MemoryStream();
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(ms, [new("a", t), new("a", t)]));
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(ms, [new("__metadata__", t)]));
    }

    [Fact]
    public void F16_and_BF16_convert_exactly()
    {
        // F16: 1.0 = 0x3C00, -2.0 = 0xC000, 65504 = 0x7BFF, smallest subnormal 2^-24 = 0x0001, -0 = 0x8000, +inf = 0x7C00.
        // BF16: 1.0 = 0x3F80, -2.5 = 0xC020, 3.140625 = 0x4049, 1e38-ish 0x7F7F = 3.3895314e38, NaN 0x7FC0.
        byte[] data =
        [
            0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00, 0x00, 0x80, 0x00, 0x7C,
            0x80, 0x3F, 0x20, 0xC0, 0x49, 0x40, 0x7F, 0x7F, 0xC0, 0x7F, 0x00, 0x00,
        ];
        string header = """{"h":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},"b":{"dtype":"BF16","shape":[6],"data_offsets":[12,24]}}""";
        var t = SafeTensors.Read(Build(header, data));
        Assert.Equal(new Shape(2, 3), t["h"].Shape);
        Assert.Equal([1f, -2f, 65504f, MathF.Pow(2, -24), -0f, float.PositiveInfinity], t["h"].ToArray());
        Assert.True(float.IsNegative(t["h"].ToArray()[4]));
        var b = t["b"].ToArray();
        Assert.Equal(1f, b[0]);
        Assert.Equal(-2.5f, b[1]);
        Assert.Equal(3.140625f, b[2]);
        Assert.Equal(BitConverter.Int32BitsToSingle(0x7F7F0000), b[3]);
        Assert.True(float.IsNaN(b[4]));
        Assert.Equal(0f, b[5]);
    }

    [Fact]
    public void Truncation_anywhere_is_a_format_error()
    {
        byte[] file = File.ReadAllBytes(DataPath("vim_tiny.safetensors"));
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(file);
        var cuts = new SortedSet<int>();
        for (int i = 0; i < 8 + n + 64; i++) cuts.Add(i);                // every byte through the header and a little beyond
        for (int i = (int)(8 + n); i < file.Length; i += 997) cuts.Add(i); // spread through the data
        cuts.Add(file.Length - 1);
        foreach (int cut in cuts)
        {
            var ex = Assert.Throws<CheckpointFormatException>(() => SafeTensors.Read(file.AsSpan(0, cut), "cut.safetensors"));
            Assert.StartsWith("cut.safetensors: ", ex.Message);
            using var ms = new MemoryStream(file, 0, cut);
            Assert.Throws<CheckpointFormatException>(() => SafeTensors.Read(ms, "cut.safetensors"));
        }
    }

    [Fact]
    public void Header_length_problems_are_named()
    {
        var file = Build("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", new byte[4]);
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)file.Length);
        Assert.Contains("runs past the end of the file", Bad(file).Message);
        BinaryPrimitives.WriteUInt64LittleEndian(file, ulong.MaxValue);
        Assert.Contains("exceeds the limit", Bad(file).Message);
        BinaryPrimitives.WriteUInt64LittleEndian(file, 200_000_000);
        Assert.Contains("exceeds the limit", Bad(file).Message);
        Assert.Contains("8-byte header length", Bad([1, 2, 3]).Message);
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}""", "not valid JSON")]
    [InlineData("""[1,2,3]""", "expected a JSON object")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},}""", "not valid JSON")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "'a' appears twice")]
    [InlineData("""{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}""", "dtype 'I64', which is not supported")]
    [InlineData("""{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}""", "dtype 'F64'")]
    [InlineData("""{"a":{"shape":[1],"data_offsets":[0,4]}}""", "no string 'dtype'")]
    [InlineData("""{"a":{"dtype":"F32","data_offsets":[0,4]}}""", "no 'shape' array")]
    [InlineData("""{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", "shape [-1] is invalid")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}""", "is invalid")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1]}}""", "no 'data_offsets'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}""", "no 'data_offsets'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}""", "are invalid")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}""", "begin after they end")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", "data_offsets [0, 4] do not match dtype F32 and shape [2] (8 bytes)")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}}""", "run past the end of the data (16 bytes after the header)")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", "overlap")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,16]}}""", "more than")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1048576,1048576],"data_offsets":[0,16]}}""", "more than")]
    [InlineData("""{"a":{"dtype":"F32","shape":[536870911],"data_offsets":[0,2147483644]}}""", "run past the end of the data")]
    [InlineData("""{"a":{"dtype":"F32","shape":[99999999999],"data_offsets":[0,16]}}""", "is invalid")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"__metadata__":{"k":1}}""", "metadata values must be strings")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"__metadata__":[1]}""", "expected an object of strings")]
    [InlineData("""{"a":[1,2]}""", "expected an object with dtype")]
    [InlineData("""{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{}}}}}}}}}}""", "not valid JSON")]
    public void Malformed_headers_are_named(string header, string expected)
    {
        var ex = Bad(Build(header, new byte[16]));
        Assert.StartsWith("bad.safetensors: ", ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Zero_dimension_with_huge_other_dimensions_is_an_empty_tensor()
    {
        var t = SafeTensors.Read(Build("""{"a":{"dtype":"F32","shape":[0,2147483647,2147483647],"data_offsets":[0,0]}}""", []));
        Assert.Equal(0, t["a"].Numel);
    }

    private sealed class OrderedView(List<KeyValuePair<string, Tensor>> items) : IReadOnlyDictionary<string, Tensor>
    {
        public Tensor this[string key] => items.First(kv => kv.Key == key).Value;
        public IEnumerable<string> Keys => items.Select(kv => kv.Key);
        public IEnumerable<Tensor> Values => items.Select(kv => kv.Value);
        public int Count => items.Count;
        public bool ContainsKey(string key) => items.Any(kv => kv.Key == key);
        public bool TryGetValue(string key, out Tensor value)
        {
            value = items.FirstOrDefault(kv => kv.Key == key).Value!;
            return value is not null;
        }
        public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => items.GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

internal sealed class NonSeekableStream(byte[] data) : Stream
{
    private readonly MemoryStream _inner = new(data);
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7));
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
