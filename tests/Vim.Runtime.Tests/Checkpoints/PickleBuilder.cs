using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Vim.Runtime.Tests.Checkpoints;

/// <summary>Writes pickle opcodes byte by byte, so tests can build exact (and hostile) pickles.</summary>
internal sealed class PickleBuilder
{
    private readonly List<byte> _b = [];

    public byte[] ToArray() => [.. _b];

    public PickleBuilder Raw(params byte[] bytes) { _b.AddRange(bytes); return this; }
    public PickleBuilder Proto(int p = 2) => Raw(0x80, (byte)p);
    public PickleBuilder Stop() => Raw((byte)'.');
    public PickleBuilder Mark() => Raw((byte)'(');
    public PickleBuilder EmptyDict() => Raw((byte)'}');
    public PickleBuilder EmptyList() => Raw((byte)']');
    public PickleBuilder EmptyTuple() => Raw((byte)')');
    public PickleBuilder Tuple() => Raw((byte)'t');
    public PickleBuilder Tuple1() => Raw(0x85);
    public PickleBuilder Tuple3() => Raw(0x87);
    public PickleBuilder SetItem() => Raw((byte)'s');
    public PickleBuilder SetItems() => Raw((byte)'u');
    public PickleBuilder Append() => Raw((byte)'a');
    public PickleBuilder Reduce() => Raw((byte)'R');
    public PickleBuilder NewObj() => Raw(0x81);
    public PickleBuilder Build() => Raw((byte)'b');
    public PickleBuilder BinPersId() => Raw((byte)'Q');
    public PickleBuilder False() => Raw(0x89);
    public PickleBuilder None() => Raw((byte)'N');
    public PickleBuilder Put(int i) => Raw((byte)'q', (byte)i);
    public PickleBuilder Get(int i) => Raw((byte)'h', (byte)i);
    public PickleBuilder Pop() => Raw((byte)'0');
    public PickleBuilder StackGlobal() => Raw(0x93);

    public PickleBuilder Int(long v)
    {
        if (v >= 0 && v < 256) return Raw((byte)'K', (byte)v);
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, checked((int)v));
        return Raw((byte)'J').Raw(bytes);
    }

    public PickleBuilder Str(string s)
    {
        var utf8 = Encoding.UTF8.GetBytes(s);
        var len = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)utf8.Length);
        return Raw((byte)'X').Raw(len).Raw(utf8);
    }

    public PickleBuilder ShortStr(string s)
    {
        var utf8 = Encoding.UTF8.GetBytes(s);
        return Raw(0x8c, (byte)utf8.Length).Raw(utf8);
    }

    public PickleBuilder Global(string module, string name) => Raw((byte)'c').Raw(Encoding.UTF8.GetBytes($"{module}\n{name}\n"));

    public PickleBuilder IntTuple(params long[] values)
    {
        Mark();
        foreach (var v in values) Int(v);
        return Tuple();
    }

    /// <summary>torch._utils._rebuild_tensor_v2(('storage', torch.{storageType}, key, 'cpu', numel), offset, size, stride, False, OrderedDict()).</summary>
    public PickleBuilder Tensor(string key, long numel, long offset, long[] size, long[] stride, string storageType = "FloatStorage")
    {
        Global("torch._utils", "_rebuild_tensor_v2");
        Mark();
        Mark().Str("storage").Global("torch", storageType).Str(key).Str("cpu").Int(numel).Tuple().BinPersId();
        Int(offset).IntTuple(size).IntTuple(stride).False();
        Global("collections", "OrderedDict").EmptyTuple().Reduce();
        Tuple();
        return Reduce();
    }

    /// <summary>Starts an OrderedDict (push it, then MARK for SETITEMS).</summary>
    public PickleBuilder OrderedDict() => Global("collections", "OrderedDict").EmptyTuple().Reduce();
}

/// <summary>Builds torch.save-style zip archives in memory.</summary>
internal static class PthBuilder
{
    public static byte[] Zip(string prefix, byte[] pickle, IEnumerable<(string Key, byte[] Data)> storages, bool compress = false)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string name, byte[] data)
            {
                var e = zip.CreateEntry(name, compress ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
                using var s = e.Open();
                s.Write(data);
            }
            Add($"{prefix}/data.pkl", pickle);
            foreach (var (key, data) in storages) Add($"{prefix}/data/{key}", data);
            Add($"{prefix}/version", "3\n"u8.ToArray());
        }
        return ms.ToArray();
    }

    public static byte[] Floats(params float[] values)
    {
        var b = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(i * 4), values[i]);
        return b;
    }

    /// <summary>Reads one record of an existing archive.</summary>
    public static byte[] Record(byte[] archive, string name)
    {
        using var zip = new ZipArchive(new MemoryStream(archive), ZipArchiveMode.Read);
        using var s = zip.GetEntry(name)!.Open();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    /// <summary>Copies an archive, replacing some records' contents.</summary>
    public static byte[] Replace(byte[] archive, Func<string, byte[], byte[]?> replace)
    {
        using var src = new ZipArchive(new MemoryStream(archive), ZipArchiveMode.Read);
        using var ms = new MemoryStream();
        using (var dst = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var e in src.Entries)
            {
                using var s = e.Open();
                using var buf = new MemoryStream();
                s.CopyTo(buf);
                var data = replace(e.FullName, buf.ToArray());
                if (data is null) continue;
                var ne = dst.CreateEntry(e.FullName, CompressionLevel.NoCompression);
                using var ns = ne.Open();
                ns.Write(data);
            }
        }
        return ms.ToArray();
    }
}
