using System.Buffers.Binary;
using System.IO.Compression;

namespace Vim.Runtime.Imaging;

/// <summary>
/// A PNG decoder written for this project: every standard color type and bit depth, all five filters,
/// Adam7 interlacing, several IDAT chunks, and CRC checking.
/// </summary>
/// <remarks>
/// <para>Output channels: gray → 1, gray+alpha → 2, RGB → 3, RGBA → 4, palette → 3 (4 when a tRNS chunk gives
/// palette alpha; the palette is expanded).</para>
/// <para>Sample values: 8-bit samples are kept. Gray of depth 1, 2 and 4 is scaled to 0..255 (×255, ×85, ×17) as
/// PIL's "1"/"L;2"/"L;4" raw modes do. 16-bit samples keep their high byte (<c>v &gt;&gt; 8</c>), which is what PIL
/// does for 16-bit RGB, RGBA and gray+alpha. For 16-bit <i>gray</i> PIL opens mode "I" (Pillow 9) or "I;16" (newer)
/// and its <c>convert("RGB")</c> clips values to 255 instead (0x1234 → 255); we take the high byte there too
/// (0x1234 → 0x12), a deliberate difference.</para>
/// <para>tRNS color keys of gray and RGB images are ignored (PIL's <c>convert("RGB")</c> ignores them too). A palette
/// index past the end of PLTE decodes as black. Ancillary and unknown chunks are skipped.</para>
/// <para>Malformed input raises <see cref="ImageFormatException"/>: a bad signature, truncated or oversized chunks,
/// a bad CRC (when checked), an invalid header, sizes beyond <see cref="Image.MaxDimension"/> /
/// <see cref="Image.MaxPixels"/>, a missing palette, corrupt zlib data, or decompressed data shorter or longer than
/// the header implies. The decoder never allocates more than the output image plus two scanlines beyond the
/// concatenated IDAT data.</para>
/// </remarks>
public static class PngDecoder
{
    /// <summary>The 8-byte PNG signature.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Decodes the PNG file at <paramref name="path"/>.</summary>
    /// <exception cref="ImageFormatException">The file is not a valid PNG.</exception>
    public static Image Decode(string path, bool verifyCrc = true) => Decode(File.ReadAllBytes(path), verifyCrc);

    /// <summary>Decodes a PNG held in memory.</summary>
    /// <param name="data">The whole file.</param>
    /// <param name="verifyCrc">Whether chunk CRCs are checked (default true).</param>
    /// <exception cref="ImageFormatException">The data is not a valid PNG.</exception>
    public static Image Decode(ReadOnlySpan<byte> data, bool verifyCrc = true)
    {
        if (data.Length < 8 || !data[..8].SequenceEqual(Signature))
        {
            throw new ImageFormatException("Not a PNG file (bad signature).");
        }

        Header? header = null;
        byte[]? palette = null;      // RGB triples
        byte[]? paletteAlpha = null;
        using var idat = new MemoryStream();
        bool seenIdat = false, idatEnded = false, seenEnd = false;
        int pos = 8;

        while (pos < data.Length)
        {
            if (data.Length - pos < 12) throw new ImageFormatException($"Truncated PNG chunk at offset {pos}.");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            if (length > int.MaxValue) throw new ImageFormatException($"PNG chunk length {length} at offset {pos} is too large.");
            if (length > data.Length - pos - 12) throw new ImageFormatException($"Truncated PNG chunk at offset {pos}: {length} bytes declared, {data.Length - pos - 12} left.");
            ReadOnlySpan<byte> typeBytes = data.Slice(pos + 4, 4);
            ReadOnlySpan<byte> body = data.Slice(pos + 8, (int)length);
            string type = System.Text.Encoding.ASCII.GetString(typeBytes);
            foreach (byte b in typeBytes)
            {
                if (!char.IsAsciiLetter((char)b)) throw new ImageFormatException($"Invalid PNG chunk type at offset {pos}.");
            }
            if (verifyCrc)
            {
                uint expected = BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 8 + (int)length)..]);
                uint actual = Crc(Crc(0xFFFFFFFFu, typeBytes), body) ^ 0xFFFFFFFFu;
                if (expected != actual) throw new ImageFormatException($"Bad CRC in PNG chunk {type} at offset {pos}.");
            }
            pos += 12 + (int)length;

            if (header is null && type != "IHDR") throw new ImageFormatException($"PNG chunk {type} appears before IHDR.");
            if (seenIdat && type != "IDAT") idatEnded = true;
            switch (type)
            {
                case "IHDR":
                    if (header is not null) throw new ImageFormatException("Duplicate IHDR chunk.");
                    header = ParseHeader(body);
                    break;
                case "PLTE":
                    if (seenIdat) throw new ImageFormatException("PLTE chunk after IDAT.");
                    if (body.Length == 0 || body.Length % 3 != 0 || body.Length > 768) throw new ImageFormatException($"Invalid PLTE length {body.Length}.");
                    palette = body.ToArray();
                    break;
                case "tRNS":
                    if (header is { ColorType: 3 }) paletteAlpha = body.ToArray();
                    break;
                case "IDAT":
                    if (idatEnded) throw new ImageFormatException("IDAT chunks are not consecutive.");
                    seenIdat = true;
                    idat.Write(body);
                    break;
                case "IEND":
                    seenEnd = true;
                    break;
            }
            if (seenEnd) break;
        }

        if (header is null) throw new ImageFormatException("PNG has no IHDR chunk.");
        if (!seenIdat) throw new ImageFormatException("PNG has no IDAT chunk (truncated file?).");
        var h = header.Value;
        if (h.ColorType == 3 && palette is null) throw new ImageFormatException("Palette PNG without PLTE chunk.");

        idat.Position = 0;
        try
        {
            using var z = new ZLibStream(idat, CompressionMode.Decompress);
            return DecodeImage(h, z, palette, paletteAlpha);
        }
        catch (InvalidDataException e)
        {
            throw new ImageFormatException("Corrupt zlib data in PNG IDAT: " + e.Message, e);
        }
    }

    private readonly record struct Header(int Width, int Height, int BitDepth, int ColorType, bool Interlaced)
    {
        public int SamplesPerPixel => ColorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        public int BitsPerPixel => SamplesPerPixel * BitDepth;
        public int OutChannels(bool paletteAlpha) => ColorType switch { 0 => 1, 2 => 3, 3 => paletteAlpha ? 4 : 3, 4 => 2, _ => 4 };
    }

    private static Header ParseHeader(ReadOnlySpan<byte> b)
    {
        if (b.Length != 13) throw new ImageFormatException($"IHDR has length {b.Length}, expected 13.");
        uint w = BinaryPrimitives.ReadUInt32BigEndian(b), hgt = BinaryPrimitives.ReadUInt32BigEndian(b[4..]);
        int depth = b[8], color = b[9];
        if (w == 0 || hgt == 0) throw new ImageFormatException($"PNG size {w}x{hgt} is empty.");
        if (w > Image.MaxDimension || hgt > Image.MaxDimension || (ulong)w * hgt > Image.MaxPixels)
        {
            throw new ImageFormatException($"PNG size {w}x{hgt} exceeds the limits ({Image.MaxDimension} per side, {Image.MaxPixels} pixels).");
        }
        bool ok = color switch
        {
            0 => depth is 1 or 2 or 4 or 8 or 16,
            3 => depth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => depth is 8 or 16,
            _ => false,
        };
        if (!ok) throw new ImageFormatException($"Invalid PNG color type {color} with bit depth {depth}.");
        if (b[10] != 0) throw new ImageFormatException($"Unknown PNG compression method {b[10]}.");
        if (b[11] != 0) throw new ImageFormatException($"Unknown PNG filter method {b[11]}.");
        if (b[12] > 1) throw new ImageFormatException($"Unknown PNG interlace method {b[12]}.");
        return new Header((int)w, (int)hgt, depth, color, b[12] == 1);
    }

    // Adam7 passes: x start, y start, x step, y step.
    private static readonly (int X, int Y, int Dx, int Dy)[] Adam7 =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    private static Image DecodeImage(Header h, Stream z, byte[]? palette, byte[]? paletteAlpha)
    {
        int outCh = h.OutChannels(paletteAlpha is not null);
        var image = new Image(h.Width, h.Height, outCh);
        int filterBpp = Math.Max(1, h.BitsPerPixel / 8);
        int maxRowBytes = (int)(((long)h.Width * h.BitsPerPixel + 7) / 8);
        var prev = new byte[maxRowBytes + 1];
        var cur = new byte[maxRowBytes + 1];

        var passes = h.Interlaced ? Adam7 : [(0, 0, 1, 1)];
        foreach (var (px, py, dx, dy) in passes)
        {
            int pw = (h.Width - px + dx - 1) / dx, ph = (h.Height - py + dy - 1) / dy;
            if (pw <= 0 || ph <= 0) continue;
            int rowBytes = (int)(((long)pw * h.BitsPerPixel + 7) / 8);
            Array.Clear(prev);
            for (int r = 0; r < ph; r++)
            {
                Span<byte> line = cur.AsSpan(0, rowBytes + 1);
                int got = z.ReadAtLeast(line, line.Length, throwOnEndOfStream: false);
                if (got < line.Length) throw new ImageFormatException("PNG image data is shorter than the header implies (truncated or corrupt IDAT).");
                Unfilter(line[0], line[1..], prev.AsSpan(1, rowBytes), filterBpp);
                WriteRow(h, line[1..], image, px + 0, py + r * dy, dx, pw, palette, paletteAlpha);
                (prev, cur) = (cur, prev);
            }
        }
        if (z.ReadByte() >= 0) throw new ImageFormatException("PNG image data is longer than the header implies.");
        return image;
    }

    private static void Unfilter(byte filter, Span<byte> row, ReadOnlySpan<byte> prior, int bpp)
    {
        switch (filter)
        {
            case 0:
                break;
            case 1:
                for (int i = bpp; i < row.Length; i++) row[i] += row[i - bpp];
                break;
            case 2:
                for (int i = 0; i < row.Length; i++) row[i] += prior[i];
                break;
            case 3:
                for (int i = 0; i < row.Length; i++)
                {
                    int left = i >= bpp ? row[i - bpp] : 0;
                    row[i] += (byte)((left + prior[i]) >> 1);
                }
                break;
            case 4:
                for (int i = 0; i < row.Length; i++)
                {
                    int a = i >= bpp ? row[i - bpp] : 0, b = prior[i], c = i >= bpp ? prior[i - bpp] : 0;
                    int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                    row[i] += (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
                }
                break;
            default:
                throw new ImageFormatException($"Unknown PNG filter type {filter}.");
        }
    }

    private static void WriteRow(Header h, ReadOnlySpan<byte> row, Image image, int x0, int y, int dx, int count,
        byte[]? palette, byte[]? paletteAlpha)
    {
        byte[] dst = image.Pixels;
        int outCh = image.Channels;
        long rowBase = (long)y * image.Width;
        int depth = h.BitDepth;
        int spp = h.SamplesPerPixel;

        if (depth >= 8 && h.ColorType != 3)
        {
            int bytesPerSample = depth / 8;
            for (int i = 0; i < count; i++)
            {
                long d = (rowBase + x0 + (long)i * dx) * outCh;
                int s = i * spp * bytesPerSample;
                for (int c = 0; c < spp; c++) dst[d + c] = row[s + c * bytesPerSample]; // high byte for 16-bit
            }
            return;
        }

        int mask = (1 << depth) - 1;
        for (int i = 0; i < count; i++)
        {
            int bit = i * depth;
            int v = (row[bit >> 3] >> (8 - depth - (bit & 7))) & mask;
            long d = (rowBase + x0 + (long)i * dx) * outCh;
            if (h.ColorType == 0)
            {
                dst[d] = (byte)(v * 255 / mask);
            }
            else
            {
                int p = v * 3;
                if (p + 2 < palette!.Length)
                {
                    dst[d] = palette[p]; dst[d + 1] = palette[p + 1]; dst[d + 2] = palette[p + 2];
                }
                else
                {
                    dst[d] = 0; dst[d + 1] = 0; dst[d + 2] = 0;
                }
                if (outCh == 4) dst[d + 3] = v < paletteAlpha!.Length ? paletteAlpha[v] : (byte)255;
            }
        }
    }

    private static uint Crc(uint crc, ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    /// <summary>Computes the PNG/zlib CRC-32 of <paramref name="bytes"/> (used by tests to build files).</summary>
    internal static uint Crc32(ReadOnlySpan<byte> bytes) => Crc(0xFFFFFFFFu, bytes) ^ 0xFFFFFFFFu;
}
