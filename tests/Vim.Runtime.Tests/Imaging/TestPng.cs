using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Vim.Runtime.Imaging;

namespace Vim.Runtime.Tests.Imaging;

/// <summary>A tiny PNG writer for tests: any color type/depth, Adam7, chosen filters, split IDAT.</summary>
internal static class TestPng
{
    public static string DataDir => Path.Combine(AppContext.BaseDirectory, "Imaging", "Data");

    public static string Data(params string[] parts) => Path.Combine([DataDir, .. parts]);

    /// <summary>samples[(y * w + x) * spp + c] are raw sample values (0..2^depth-1).</summary>
    public static byte[] Encode(int w, int h, int colorType, int depth, int[] samples, bool interlace = false,
        byte[]? plte = null, byte[]? trns = null, Func<int, int>? filterForRow = null, int idatChunk = 0)
    {
        int spp = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        int bpp = Math.Max(1, spp * depth / 8);
        filterForRow ??= r => r % 5;
        var raw = new MemoryStream();
        (int, int, int, int)[] passes = interlace
            ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            : [(0, 0, 1, 1)];
        int rowCounter = 0;
        foreach (var (px, py, dx, dy) in passes)
        {
            int pw = (w - px + dx - 1) / dx, ph = (h - py + dy - 1) / dy;
            if (pw <= 0 || ph <= 0) continue;
            int rowBytes = (pw * spp * depth + 7) / 8;
            var prev = new byte[rowBytes];
            for (int r = 0; r < ph; r++)
            {
                var line = new byte[rowBytes];
                int bit = 0;
                for (int i = 0; i < pw; i++)
                {
                    int x = px + i * dx, y = py + r * dy;
                    for (int c = 0; c < spp; c++)
                    {
                        int v = samples[(y * w + x) * spp + c];
                        if (depth == 16) { line[bit / 8] = (byte)(v >> 8); line[bit / 8 + 1] = (byte)v; }
                        else if (depth == 8) line[bit / 8] = (byte)v;
                        else line[bit / 8] |= (byte)(v << (8 - depth - bit % 8));
                        bit += depth;
                    }
                }
                int f = filterForRow(rowCounter++);
                raw.WriteByte((byte)f);
                raw.Write(Filter(f, line, prev, bpp));
                prev = line;
            }
        }
        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) z.Write(raw.ToArray());
        byte[] idat = compressed.ToArray();

        var png = new MemoryStream();
        png.Write(PngDecoder.Signature);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = (byte)depth; ihdr[9] = (byte)colorType; ihdr[12] = (byte)(interlace ? 1 : 0);
        WriteChunk(png, "IHDR", ihdr);
        if (plte is not null) WriteChunk(png, "PLTE", plte);
        if (trns is not null) WriteChunk(png, "tRNS", trns);
        WriteChunk(png, "tEXt", Encoding.ASCII.GetBytes("Comment\0ancillary chunks are skipped"));
        int step = idatChunk > 0 ? idatChunk : Math.Max(1, idat.Length);
        for (int o = 0; o < idat.Length; o += step) WriteChunk(png, "IDAT", idat.AsSpan(o, Math.Min(step, idat.Length - o)));
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    public static void WriteChunk(Stream s, string type, ReadOnlySpan<byte> body)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, body.Length);
        s.Write(len);
        byte[] typeAndBody = [.. Encoding.ASCII.GetBytes(type), .. body];
        s.Write(typeAndBody);
        BinaryPrimitives.WriteUInt32BigEndian(len, PngDecoder.Crc32(typeAndBody));
        s.Write(len);
    }

    private static byte[] Filter(int f, byte[] line, byte[] prev, int bpp)
    {
        var o = new byte[line.Length];
        for (int i = 0; i < line.Length; i++)
        {
            int a = i >= bpp ? line[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
            int pred = f switch
            {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) >> 1,
                _ => Paeth(a, b, c),
            };
            o[i] = (byte)(line[i] - pred);
        }
        return o;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    /// <summary>Reads the F32 tensor <paramref name="name"/> of a safetensors file (8-byte LE header size, JSON header).</summary>
    public static (int[] Shape, float[] Data) ReadSafetensor(string path, string name)
    {
        byte[] bytes = File.ReadAllBytes(path);
        long n = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        using var doc = System.Text.Json.JsonDocument.Parse(bytes.AsMemory(8, (int)n));
        var entry = doc.RootElement.GetProperty(name);
        Assert.Equal("F32", entry.GetProperty("dtype").GetString());
        int[] shape = [.. entry.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32())];
        var offs = entry.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var data = new float[(offs[1] - offs[0]) / 4];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(8 + n + offs[0] + 4 * i)));
        }
        return (shape, data);
    }
}
