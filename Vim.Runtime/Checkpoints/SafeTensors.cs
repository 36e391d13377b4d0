using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length <c>N</c>, <c>N</c> bytes of
/// UTF-8 JSON (<c>{"name": {"dtype", "shape", "data_offsets": [begin, end]}, ..., "__metadata__": {string: string}}</c>),
/// then the raw little-endian tensor data; offsets are relative to the first byte after the header.
/// </summary>
/// <remarks>
/// Reading accepts F32, F16 and BF16 and converts to float32 (F16 and BF16 exactly). Every length, offset and
/// shape is checked before anything is allocated, so a malformed or hostile file raises
/// <see cref="CheckpointFormatException"/> and never makes the reader allocate more than the file's size justifies.
/// The returned dictionaries enumerate in the order of the JSON header, which official writers keep in
/// <c>state_dict()</c> order.
/// </remarks>
public static class SafeTensors
{
    /// <summary>The largest JSON header accepted (100 MB), as in the reference implementation.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    private readonly record struct Entry(string Name, DType DType, int[] Shape, long Numel, long Begin, long End);

    private sealed record Header(List<Entry> Entries, Dictionary<string, string> Metadata);

    /// <summary>Loads every tensor of the file at <paramref name="path"/> as float32, in header order.</summary>
    /// <exception cref="CheckpointFormatException">The file is malformed or uses an unsupported dtype.</exception>
    public static IReadOnlyDictionary<string, Tensor> Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
        return ReadSeekable(fs, Path.GetFileName(path));
    }

    /// <summary>Reads every tensor of an in-memory safetensors file, in header order.</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="sourceName">A name for error messages (e.g. the file name), or <see langword="null"/>.</param>
    /// <exception cref="CheckpointFormatException">The data is malformed or uses an unsupported dtype.</exception>
    public static IReadOnlyDictionary<string, Tensor> Read(ReadOnlySpan<byte> bytes, string? sourceName = null)
    {
        var header = ParseFromSpan(bytes, sourceName, out long dataStart);
        var result = new TensorDictionary();
        ReadOnlySpan<byte> data = bytes[(int)dataStart..];
        foreach (var e in header.Entries)
        {
            result.TryAdd(e.Name, Decode(e, data.Slice((int)e.Begin, (int)(e.End - e.Begin))));
        }
        return result;
    }

    /// <summary>Reads every tensor of a safetensors file from <paramref name="stream"/>, starting at its current position.</summary>
    /// <param name="stream">A readable stream; a seekable one is read in place, any other is first buffered.</param>
    /// <param name="sourceName">A name for error messages (e.g. the file name), or <see langword="null"/>.</param>
    /// <exception cref="CheckpointFormatException">The data is malformed or uses an unsupported dtype.</exception>
    public static IReadOnlyDictionary<string, Tensor> Read(Stream stream, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.CanSeek) return ReadSeekable(stream, sourceName);
        // Buffer only the bytes that actually arrive; declared sizes are never trusted for allocation.
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return Read(ms.GetBuffer().AsSpan(0, (int)ms.Length), sourceName);
    }

    /// <summary>Reads the <c>__metadata__</c> string map of the file at <paramref name="path"/> (empty when absent).</summary>
    /// <remarks>The whole header is validated, as for <see cref="Load"/>; tensor data is not read.</remarks>
    /// <exception cref="CheckpointFormatException">The file is malformed.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
        return ParseFromStream(fs, Path.GetFileName(path), out _).Metadata;
    }

    /// <summary>Reads the <c>__metadata__</c> string map of an in-memory safetensors file (empty when absent).</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="sourceName">A name for error messages, or <see langword="null"/>.</param>
    /// <exception cref="CheckpointFormatException">The data is malformed.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(ReadOnlySpan<byte> bytes, string? sourceName = null)
        => ParseFromSpan(bytes, sourceName, out _).Metadata;

    /// <summary>
    /// Writes <paramref name="tensors"/> as float32 in the standard layout: header length, JSON header padded
    /// with spaces to a multiple of 8 bytes (metadata first, then the tensors in the given order), data back to back.
    /// </summary>
    /// <param name="path">The file to create or overwrite.</param>
    /// <param name="tensors">Names and tensors, in the order to store them.</param>
    /// <param name="metadata">Optional <c>__metadata__</c> strings.</param>
    /// <exception cref="ArgumentException">A name is repeated or is <c>__metadata__</c>.</exception>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Save(fs, tensors, metadata);
    }

    /// <summary>Writes <paramref name="tensors"/> to <paramref name="stream"/>, as <see cref="Save(string, IEnumerable{KeyValuePair{string, Tensor}}, IReadOnlyDictionary{string, string}?)"/> does.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="tensors">Names and tensors, in the order to store them.</param>
    /// <param name="metadata">Optional <c>__metadata__</c> strings.</param>
    /// <exception cref="ArgumentException">A name is repeated or is <c>__metadata__</c>.</exception>
    public static void Save(Stream stream, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in list)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(tensors));
            ArgumentNullException.ThrowIfNull(tensor, nameof(tensors));
            if (name == MetadataKey) throw new ArgumentException($"'{MetadataKey}' is reserved and cannot name a tensor.", nameof(tensors));
            if (!seen.Add(name)) throw new ArgumentException($"Tensor name '{name}' appears twice.", nameof(tensors));
        }

        using var headerStream = new MemoryStream();
        using (var w = new Utf8JsonWriter(headerStream))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(MetadataKey);
                foreach (var (k, v) in metadata) w.WriteString(k, v);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, tensor) in list)
            {
                long bytes = checked(tensor.Numel * 4);
                w.WriteStartObject(name);
                w.WriteString("dtype", "F32");
                w.WriteStartArray("shape");
                foreach (int d in tensor.Shape.Dims) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }
        while (headerStream.Length % 8 != 0) headerStream.WriteByte((byte)' ');

        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)headerStream.Length);
        stream.Write(len);
        stream.Write(headerStream.GetBuffer().AsSpan(0, (int)headerStream.Length));
        byte[]? scratch = null;
        foreach (var (_, tensor) in list)
        {
            ReadOnlySpan<float> span = tensor.Device.Kind == Devices.DeviceKind.Cpu ? tensor.Span : tensor.ToArray();
            if (BitConverter.IsLittleEndian)
            {
                stream.Write(MemoryMarshal.AsBytes(span));
            }
            else
            {
                scratch ??= new byte[4096];
                for (int i = 0; i < span.Length; i += 1024)
                {
                    int n = Math.Min(1024, span.Length - i);
                    for (int j = 0; j < n; j++) BinaryPrimitives.WriteSingleLittleEndian(scratch.AsSpan(j * 4), span[i + j]);
                    stream.Write(scratch, 0, n * 4);
                }
            }
        }
        stream.Flush();
    }

    private static IReadOnlyDictionary<string, Tensor> ReadSeekable(Stream stream, string? sourceName)
    {
        long start = stream.Position;
        var header = ParseFromStream(stream, sourceName, out long dataStart);
        var result = new TensorDictionary();
        foreach (var e in header.Entries)
        {
            long byteCount = e.End - e.Begin;
            stream.Position = start + dataStart + e.Begin;
            Tensor t;
            if (e.DType == DType.F32 && BitConverter.IsLittleEndian)
            {
                var values = new float[e.Numel];
                ReadExactly(stream, MemoryMarshal.AsBytes(values.AsSpan()), sourceName, e.Name);
                t = Tensor.Wrap(values, new Shape(e.Shape));
            }
            else
            {
                var raw = new byte[byteCount];
                ReadExactly(stream, raw, sourceName, e.Name);
                t = Decode(e, raw);
            }
            result.TryAdd(e.Name, t);
        }
        return result;
    }

    private static void ReadExactly(Stream stream, Span<byte> dest, string? sourceName, string name)
    {
        try
        {
            stream.ReadExactly(dest);
        }
        catch (EndOfStreamException ex)
        {
            throw new CheckpointFormatException(sourceName, $"the data of tensor '{name}' ends early (the file was truncated while being read).", ex);
        }
    }

    private static Tensor Decode(Entry e, ReadOnlySpan<byte> raw)
    {
        var values = new float[e.Numel];
        switch (e.DType)
        {
            case DType.F32: ElementConversion.F32(raw, values); break;
            case DType.F16: ElementConversion.F16(raw, values); break;
            case DType.BF16: ElementConversion.BF16(raw, values); break;
            default: throw new InvalidOperationException($"Unexpected dtype {e.DType}.");
        }
        return Tensor.Wrap(values, new Shape(e.Shape));
    }

    private static Header ParseFromSpan(ReadOnlySpan<byte> bytes, string? sourceName, out long dataStart)
    {
        long headerLength = ReadHeaderLength(bytes, bytes.Length, sourceName);
        dataStart = 8 + headerLength;
        return ParseHeader(bytes.Slice(8, (int)headerLength), bytes.Length - dataStart, sourceName);
    }

    private static Header ParseFromStream(Stream stream, string? sourceName, out long dataStart)
    {
        long available = stream.Length - stream.Position;
        Span<byte> prefix = stackalloc byte[8];
        int got = stream.ReadAtLeast(prefix, Math.Min(8, (int)Math.Min(available, 8)), throwOnEndOfStream: false);
        long headerLength = ReadHeaderLength(prefix[..got], available, sourceName);
        var json = new byte[headerLength];
        stream.ReadExactly(json);
        dataStart = 8 + headerLength;
        return ParseHeader(json, available - dataStart, sourceName);
    }

    private static long ReadHeaderLength(ReadOnlySpan<byte> prefix, long fileLength, string? sourceName)
    {
        if (prefix.Length < 8 || fileLength < 8)
        {
            throw new CheckpointFormatException(sourceName ?? "safetensors data", $"the file is {fileLength} bytes long; a safetensors file starts with an 8-byte header length.");
        }
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > MaxHeaderBytes)
        {
            throw new CheckpointFormatException(sourceName ?? "safetensors data", $"the header length {n} exceeds the limit of {MaxHeaderBytes} bytes (is this a safetensors file?).");
        }
        if ((long)n > fileLength - 8)
        {
            throw new CheckpointFormatException(sourceName ?? "safetensors data", $"the header length {n} runs past the end of the file ({fileLength} bytes, so at most {fileLength - 8} bytes of header).");
        }
        if (n < 2)
        {
            throw new CheckpointFormatException(sourceName ?? "safetensors data", $"the header length {n} is too small for a JSON object.");
        }
        return (long)n;
    }

    private static Header ParseHeader(ReadOnlySpan<byte> json, long dataLength, string? sourceName)
    {
        string src = sourceName ?? "safetensors data";
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            throw new CheckpointFormatException(src, "the header is not valid UTF-8; expected a UTF-8 JSON object of tensor entries.");
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException ex)
        {
            throw new CheckpointFormatException(src, $"the header is not valid JSON ({ex.Message}); expected a JSON object of tensor entries.", ex);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException(src, $"the header is a JSON {root.ValueKind}; expected a JSON object of tensor entries.");
            }
            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var names = new HashSet<string>(StringComparer.Ordinal);
            bool sawMetadata = false;
            foreach (var prop in root.EnumerateObject())
            {
                string name = prop.Name;
                if (name == MetadataKey)
                {
                    if (sawMetadata) throw new CheckpointFormatException(src, $"'{MetadataKey}' appears twice in the header.");
                    sawMetadata = true;
                    ParseMetadata(prop.Value, metadata, src);
                    continue;
                }
                if (!names.Add(name)) throw new CheckpointFormatException(src, $"tensor '{name}' appears twice in the header; names must be unique.");
                entries.Add(ParseEntry(name, prop.Value, dataLength, src));
            }

            // No two tensors may share bytes.
            var sorted = entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin).ToList();
            for (int i = 1; i < sorted.Count; i++)
            {
                var a = sorted[i - 1];
                var b = sorted[i];
                if (b.Begin < a.End)
                {
                    throw new CheckpointFormatException(src, $"tensors '{a.Name}' data_offsets [{a.Begin}, {a.End}] and '{b.Name}' data_offsets [{b.Begin}, {b.End}] overlap; every tensor needs its own bytes.");
                }
            }
            return new Header(entries, metadata);
        }
    }

    private static void ParseMetadata(JsonElement value, Dictionary<string, string> metadata, string src)
    {
        if (value.ValueKind == JsonValueKind.Null) return;
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(src, $"'{MetadataKey}' is a JSON {value.ValueKind}; expected an object of strings.");
        }
        foreach (var m in value.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String)
            {
                throw new CheckpointFormatException(src, $"'{MetadataKey}' entry '{m.Name}' is a JSON {m.Value.ValueKind}; metadata values must be strings.");
            }
            if (!metadata.TryAdd(m.Name, m.Value.GetString()!))
            {
                throw new CheckpointFormatException(src, $"'{MetadataKey}' entry '{m.Name}' appears twice.");
            }
        }
    }

    private static Entry ParseEntry(string name, JsonElement value, long dataLength, string src)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(src, $"tensor '{name}' is a JSON {value.ValueKind}; expected an object with dtype, shape and data_offsets.");
        }
        if (!value.TryGetProperty("dtype", out var dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String)
        {
            throw new CheckpointFormatException(src, $"tensor '{name}' has no string 'dtype'; expected one of F32, F16, BF16.");
        }
        string dtypeName = dtypeEl.GetString()!;
        (DType dtype, int size) = dtypeName switch
        {
            "F32" => (DType.F32, 4),
            "F16" => (DType.F16, 2),
            "BF16" => (DType.BF16, 2),
            _ => throw new CheckpointFormatException(src, $"tensor '{name}' has dtype '{dtypeName}', which is not supported; expected F32, F16 or BF16 (all are read as float32)."),
        };

        if (!value.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array)
        {
            throw new CheckpointFormatException(src, $"tensor '{name}' has no 'shape' array; expected a list of non-negative integers.");
        }
        var dims = new List<int>();
        foreach (var d in shapeEl.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long v) || v < 0 || v > int.MaxValue)
            {
                throw new CheckpointFormatException(src, $"tensor '{name}' shape {shapeEl.GetRawText()} is invalid; expected non-negative integers up to {int.MaxValue}.");
            }
            dims.Add((int)v);
        }
        int[] shape = [.. dims];
        string shapeText = "[" + string.Join(", ", shape) + "]";

        if (!value.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
        {
            throw new CheckpointFormatException(src, $"tensor '{name}' has no 'data_offsets' pair; expected [begin, end].");
        }
        var b = offEl[0];
        var e = offEl[1];
        if (b.ValueKind != JsonValueKind.Number || e.ValueKind != JsonValueKind.Number
            || !b.TryGetInt64(out long begin) || !e.TryGetInt64(out long end) || begin < 0 || end < 0)
        {
            throw new CheckpointFormatException(src, $"tensor '{name}' data_offsets {offEl.GetRawText()} are invalid; expected two non-negative integers [begin, end].");
        }
        if (begin > end)
        {
            throw new CheckpointFormatException(src, $"tensor '{name}' data_offsets [{begin}, {end}] begin after they end; expected begin <= end.");
        }

        long numel = 1;
        foreach (int d in shape)
        {
            if (d != 0 && numel > Array.MaxLength / d)
            {
                // Keep going only to detect a zero dimension, which makes the tensor empty.
                if (shape.Contains(0)) { numel = 0; break; }
                throw new CheckpointFormatException(src, $"tensor '{name}' shape {shapeText} has more than {Array.MaxLength} elements; at most that many fit in one tensor.");
            }
            numel *= d;
        }
        long bytes = numel * size;
        if (end - begin != bytes)
        {
            throw new CheckpointFormatException(src, $"tensor '{name}' data_offsets [{begin}, {end}] do not match dtype {dtypeName} and shape {shapeText} ({bytes} bytes).");
        }
        if (end > dataLength)
        {
            throw new CheckpointFormatException(src, $"tensor '{name}' data_offsets [{begin}, {end}] run past the end of the data ({dataLength} bytes after the header).");
        }
        return new Entry(name, dtype, shape, numel, begin, end);
    }

}
