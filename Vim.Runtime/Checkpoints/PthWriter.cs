using System.Buffers.Binary;
using System.Text;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Checkpoints;

/// <summary>An ordered dict for <see cref="PthWriter"/>: string or integer keys, written as a dict or (with <see cref="Ordered"/>) a collections.OrderedDict.</summary>
public sealed class PthDict(bool ordered = false)
{
    private readonly List<KeyValuePair<object, object?>> _items = [];

    /// <summary>Whether it is written as <c>collections.OrderedDict</c> (what state dicts are).</summary>
    public bool Ordered { get; } = ordered;

    /// <summary>The entries in order.</summary>
    public IReadOnlyList<KeyValuePair<object, object?>> Items => _items;

    /// <summary>Adds an entry (keys: string, int or long).</summary>
    public PthDict Add(object key, object? value)
    {
        if (key is not (string or int or long)) throw new ArgumentException($"A checkpoint dict key must be a string or an integer, got {key?.GetType().Name ?? "null"}.", nameof(key));
        _items.Add(new(key, value));
        return this;
    }
}

/// <summary>A tuple for <see cref="PthWriter"/>.</summary>
public sealed record PthTuple(params object?[] Items);

/// <summary>
/// Writes checkpoints as <c>torch.save</c> does (the zip format of PyTorch ≥ 1.6, pickle protocol 2): the object tree —
/// <see cref="PthDict"/>, lists, <see cref="PthTuple"/>, strings, integers, doubles, booleans, null, and float32 CPU tensors
/// (each its own storage under <c>data/N</c>, 64-byte aligned) — with only the globals <c>torch.load(weights_only=True)</c>
/// accepts: <c>collections.OrderedDict</c>, <c>torch._utils._rebuild_tensor_v2</c>, <c>torch.FloatStorage</c>. The file
/// appears atomically: it is written beside its destination and renamed over it, so a kill never leaves half a checkpoint.
/// </summary>
public static class PthWriter
{
    /// <summary>Writes <paramref name="root"/> to <paramref name="path"/> atomically.</summary>
    /// <exception cref="IOException">The folder is not writable or the disk is full; <paramref name="path"/> keeps what it held.</exception>
    public static void Save(string path, object? root)
    {
        ArgumentNullException.ThrowIfNull(path);
        string archive = Path.GetFileNameWithoutExtension(path);
        if (archive.Length == 0) archive = "archive";
        AtomicFile.Write(path, stream => Write(stream, root, archive));
    }

    /// <summary>Writes the archive to <paramref name="stream"/>; <paramref name="archive"/> is the folder name inside the zip.</summary>
    public static void Write(Stream stream, object? root, string archive)
    {
        var storages = new List<Tensor>();
        byte[] pickle = Pickle(root, storages);
        var zip = new ZipWriter(stream);
        zip.Add($"{archive}/data.pkl", pickle);
        for (int i = 0; i < storages.Count; i++)
        {
            var values = storages[i].ToArray();
            var bytes = new byte[values.Length * 4];
            Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Checkpoints are written little-endian.");
            zip.Add($"{archive}/data/{i}", bytes);
        }
        zip.Add($"{archive}/version", "3\n"u8.ToArray());
        zip.Finish();
    }

    private static byte[] Pickle(object? root, List<Tensor> storages)
    {
        var p = new MemoryStream();
        p.WriteByte(0x80);
        p.WriteByte(2);
        Value(p, root, storages, 0);
        p.WriteByte((byte)'.');
        return p.ToArray();
    }

    private static void Value(MemoryStream p, object? v, List<Tensor> storages, int depth)
    {
        if (depth > 100) throw new ArgumentException("The checkpoint nests more than 100 levels deep.");
        switch (v)
        {
            case null: p.WriteByte((byte)'N'); break;
            case bool b: p.WriteByte(b ? (byte)0x88 : (byte)0x89); break;
            case int i: Int(p, i); break;
            case long l: Int(p, l); break;
            case float f: Float(p, f); break;
            case double d: Float(p, d); break;
            case string s: String(p, s); break;
            case Tensor t: TensorValue(p, t, storages); break;
            case PthTuple t:
                p.WriteByte((byte)'(');
                foreach (var item in t.Items) Value(p, item, storages, depth + 1);
                p.WriteByte((byte)'t');
                break;
            case PthDict d:
                if (d.Ordered)
                {
                    Global(p, "collections", "OrderedDict");
                    p.WriteByte((byte)')');
                    p.WriteByte((byte)'R');
                }
                else
                {
                    p.WriteByte((byte)'}');
                }
                if (d.Items.Count == 0) break;
                p.WriteByte((byte)'(');
                foreach (var (key, value) in d.Items)
                {
                    Value(p, key, storages, depth + 1);
                    Value(p, value, storages, depth + 1);
                }
                p.WriteByte((byte)'u');
                break;
            case System.Collections.IEnumerable list:
                p.WriteByte((byte)']');
                var items = list.Cast<object?>().ToList();
                if (items.Count == 0) break;
                p.WriteByte((byte)'(');
                foreach (var item in items) Value(p, item, storages, depth + 1);
                p.WriteByte((byte)'e');
                break;
            default:
                throw new ArgumentException($"A checkpoint cannot hold a {v.GetType().Name}; it holds dicts, lists, tuples, strings, numbers, booleans, null and tensors.");
        }
    }

    private static void Int(MemoryStream p, long v)
    {
        if (v is >= 0 and <= 255)
        {
            p.WriteByte((byte)'K');
            p.WriteByte((byte)v);
        }
        else if (v is >= int.MinValue and <= int.MaxValue)
        {
            p.WriteByte((byte)'J');
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, (int)v);
            p.Write(b);
        }
        else
        {
            p.WriteByte(0x8a); // LONG1: 8 bytes, two's complement little-endian
            p.WriteByte(8);
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(b, v);
            p.Write(b);
        }
    }

    private static void Float(MemoryStream p, double v)
    {
        p.WriteByte((byte)'G');
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(b, v);
        p.Write(b);
    }

    private static void String(MemoryStream p, string s)
    {
        var utf8 = Encoding.UTF8.GetBytes(s);
        p.WriteByte((byte)'X');
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, utf8.Length);
        p.Write(b);
        p.Write(utf8);
    }

    private static void Global(MemoryStream p, string module, string name)
    {
        p.WriteByte((byte)'c');
        p.Write(Encoding.ASCII.GetBytes(module + "\n" + name + "\n"));
    }

    // torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict()), the storage a persistent id
    // ('storage', torch.FloatStorage, key, 'cpu', numel) as torch.save pickles it.
    private static void TensorValue(MemoryStream p, Tensor t, List<Tensor> storages)
    {
        string key = storages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        storages.Add(t);
        Global(p, "torch._utils", "_rebuild_tensor_v2");
        p.WriteByte((byte)'(');
        p.WriteByte((byte)'(');
        String(p, "storage");
        Global(p, "torch", "FloatStorage");
        String(p, key);
        String(p, "cpu");
        Int(p, t.Numel);
        p.WriteByte((byte)'t');
        p.WriteByte((byte)'Q'); // BINPERSID
        Int(p, 0);
        var dims = t.Shape.ToArray();
        var strides = new long[dims.Length];
        long stride = 1;
        for (int i = dims.Length - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= dims[i];
        }
        p.WriteByte((byte)'(');
        foreach (int d in dims) Int(p, d);
        p.WriteByte((byte)'t');
        p.WriteByte((byte)'(');
        foreach (long s in strides) Int(p, s);
        p.WriteByte((byte)'t');
        p.WriteByte(0x89);
        Global(p, "collections", "OrderedDict");
        p.WriteByte((byte)')');
        p.WriteByte((byte)'R');
        p.WriteByte((byte)'t');
        p.WriteByte((byte)'R');
    }

    /// <summary>A zip archive of stored (uncompressed) entries, each entry's data starting on a 64-byte boundary.</summary>
    private sealed class ZipWriter(Stream stream)
    {
        private readonly List<(string Name, uint Crc, long Size, long Offset)> _entries = [];
        private long _position;

        public void Add(string name, byte[] data)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            uint crc = System.IO.Hashing.Crc32.HashToUInt32(data);
            long offset = _position;
            if (offset > uint.MaxValue || data.LongLength > uint.MaxValue) throw new IOException("Checkpoints of more than 4 GiB are not supported (no zip64).");
            // The local header is 30 bytes + name + extra; the extra field pads the data to a multiple of 64.
            long dataStart = offset + 30 + nameBytes.Length + 4;
            int pad = (int)((64 - dataStart % 64) % 64);
            var header = new byte[30];
            BinaryPrimitives.WriteUInt32LittleEndian(header, 0x04034b50);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 20);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(14), crc);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(18), (uint)data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(22), (uint)data.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(26), (ushort)nameBytes.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(28), (ushort)(4 + pad));
            Put(header);
            Put(nameBytes);
            var extra = new byte[4 + pad];
            BinaryPrimitives.WriteUInt16LittleEndian(extra, 0x4246); // "FB", the id torch's writer uses for its padding
            BinaryPrimitives.WriteUInt16LittleEndian(extra.AsSpan(2), (ushort)pad);
            Put(extra);
            Put(data);
            _entries.Add((name, crc, data.Length, offset));
        }

        public void Finish()
        {
            long start = _position;
            foreach (var (name, crc, size, offset) in _entries)
            {
                var nameBytes = Encoding.UTF8.GetBytes(name);
                var h = new byte[46];
                BinaryPrimitives.WriteUInt32LittleEndian(h, 0x02014b50);
                BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(4), 20);
                BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(6), 20);
                BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(16), crc);
                BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(20), (uint)size);
                BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(24), (uint)size);
                BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(28), (ushort)nameBytes.Length);
                BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(42), (uint)offset);
                Put(h);
                Put(nameBytes);
            }
            long size2 = _position - start;
            if (_entries.Count > ushort.MaxValue || start > uint.MaxValue) throw new IOException("The checkpoint has too many entries for a zip without zip64.");
            var end = new byte[22];
            BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
            BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), (ushort)_entries.Count);
            BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), (ushort)_entries.Count);
            BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), (uint)size2);
            BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), (uint)start);
            Put(end);
        }

        private void Put(byte[] bytes)
        {
            stream.Write(bytes);
            _position += bytes.Length;
        }
    }
}

/// <summary>Writes a file so that it either appears whole or not at all: into a temporary file beside it, flushed to disk, then renamed over it.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>.</summary>
    /// <exception cref="IOException">The folder is not writable or the disk is full (the message says which file); the old file is left as it was.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw new IOException($"Could not write {full}: {e.Message}{(File.Exists(full) ? " (the previous file is unchanged)" : "")}", e);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
