namespace Vim.Runtime.Imaging;

/// <summary>
/// A Netpbm decoder: P6 (binary RGB) and P3 (plain RGB), and also P5/P2 (gray), with any maxval 1..65535.
/// </summary>
/// <remarks>
/// Samples are scaled to 8 bits as PIL does: maxval 255 is kept as is; otherwise each value becomes
/// <c>min(255, round(v / maxval · 255))</c> with round-half-to-even (16-bit samples are big-endian).
/// Plain files reject values above maxval. Header comments (<c>#</c> to end of line) are skipped.
/// Malformed or truncated input raises <see cref="ImageFormatException"/>.
/// </remarks>
public static class PpmDecoder
{
    /// <summary>Decodes the PPM/PGM file at <paramref name="path"/>.</summary>
    /// <exception cref="ImageFormatException">The file is not a valid P2, P3, P5 or P6 file.</exception>
    public static Image Decode(string path) => Decode(File.ReadAllBytes(path));

    /// <summary>Decodes a PPM/PGM held in memory.</summary>
    /// <exception cref="ImageFormatException">The data is not a valid P2, P3, P5 or P6 file.</exception>
    public static Image Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2 || data[0] != 'P' || data[1] is not ((byte)'2' or (byte)'3' or (byte)'5' or (byte)'6'))
        {
            throw new ImageFormatException("Not a P2/P3/P5/P6 Netpbm file (bad magic).");
        }
        bool plain = data[1] is (byte)'2' or (byte)'3';
        int channels = data[1] is (byte)'3' or (byte)'6' ? 3 : 1;
        int pos = 2;
        if (pos >= data.Length || !IsSpace(data[pos])) throw new ImageFormatException("Bad Netpbm magic.");
        long width = ReadHeaderNumber(data, ref pos), height = ReadHeaderNumber(data, ref pos), maxval = ReadHeaderNumber(data, ref pos);
        if (width < 1 || height < 1 || width > Image.MaxDimension || height > Image.MaxDimension || width * height > Image.MaxPixels)
        {
            throw new ImageFormatException($"Netpbm size {width}x{height} is empty or exceeds the limits.");
        }
        if (maxval is < 1 or > 65535) throw new ImageFormatException($"Netpbm maxval {maxval} is not in 1..65535.");
        if (pos >= data.Length || !IsSpace(data[pos])) throw new ImageFormatException("Truncated Netpbm header.");
        pos++; // exactly one whitespace byte before the raster

        long count = width * height * channels;
        var scale = new byte[maxval + 1];
        for (int v = 0; v <= maxval; v++) scale[v] = maxval == 255 ? (byte)v : (byte)Math.Min(255, Math.Round(v / (double)maxval * 255.0, MidpointRounding.ToEven));

        var pixels = new byte[count];
        if (plain)
        {
            for (long i = 0; i < count; i++)
            {
                long v = ReadPlainNumber(data, ref pos);
                if (v > maxval) throw new ImageFormatException($"Netpbm sample {v} exceeds maxval {maxval}.");
                pixels[i] = scale[v];
            }
        }
        else
        {
            int bytesPerSample = maxval < 256 ? 1 : 2;
            if (data.Length - pos < count * bytesPerSample) throw new ImageFormatException("Truncated Netpbm raster.");
            for (long i = 0; i < count; i++)
            {
                int v = bytesPerSample == 1 ? data[pos + (int)i] : (data[pos + 2 * (int)i] << 8) | data[pos + 2 * (int)i + 1];
                pixels[i] = v > maxval ? (byte)255 : scale[v];
            }
        }
        return new Image((int)width, (int)height, channels, pixels);
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C;

    private static long ReadHeaderNumber(ReadOnlySpan<byte> data, ref int pos)
    {
        while (pos < data.Length)
        {
            if (IsSpace(data[pos])) pos++;
            else if (data[pos] == '#') { while (pos < data.Length && data[pos] is not ((byte)'\n' or (byte)'\r')) pos++; }
            else break;
        }
        return ReadDigits(data, ref pos);
    }

    private static long ReadPlainNumber(ReadOnlySpan<byte> data, ref int pos)
    {
        while (pos < data.Length && (IsSpace(data[pos]) || data[pos] == '#'))
        {
            if (data[pos] == '#') { while (pos < data.Length && data[pos] is not ((byte)'\n' or (byte)'\r')) pos++; }
            else pos++;
        }
        return ReadDigits(data, ref pos);
    }

    private static long ReadDigits(ReadOnlySpan<byte> data, ref int pos)
    {
        if (pos >= data.Length) throw new ImageFormatException("Truncated Netpbm file.");
        long v = 0;
        int start = pos;
        while (pos < data.Length && data[pos] is >= (byte)'0' and <= (byte)'9')
        {
            v = v * 10 + (data[pos] - '0');
            if (v > int.MaxValue) throw new ImageFormatException("Netpbm number too large.");
            pos++;
        }
        if (pos == start) throw new ImageFormatException($"Expected a number at offset {start} of the Netpbm file.");
        return v;
    }
}
