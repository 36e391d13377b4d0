namespace Vim.Runtime.Imaging;

/// <summary>Loads an image file, choosing the decoder from its magic bytes (PNG, or Netpbm P2/P3/P5/P6).</summary>
public static class ImageLoader
{
    /// <summary>The largest image file read (256 MiB); larger files, and endless ones such as <c>/dev/zero</c>, are refused.</summary>
    public const int MaxFileBytes = 1 << 28;

    /// <summary>Loads and decodes the image at <paramref name="path"/> (channels as decoded; see <see cref="Image.ToRgb"/>).</summary>
    /// <exception cref="ImageFormatException">The format is unknown, the file is malformed or larger than <see cref="MaxFileBytes"/>.</exception>
    public static Image Load(string path) => Decode(ReadBounded(path));

    private static byte[] ReadBounded(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return ReadBounded(stream, path);
    }

    private static byte[] ReadBounded(Stream stream, string path)
    {
        if (stream.CanSeek && stream.Length - stream.Position > MaxFileBytes) throw TooLarge(path);
        // A device or pipe has no length: read it in pieces, up to the limit.
        using var buffer = new MemoryStream(stream.CanSeek ? (int)(stream.Length - stream.Position) : 1 << 16);
        var chunk = new byte[1 << 16];
        int n;
        while ((n = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + n > MaxFileBytes) throw TooLarge(path);
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    private static ImageFormatException TooLarge(string path) =>
        new($"{path} is larger than {MaxFileBytes >> 20} MiB, the most an image file may be (or it does not end).");

    /// <summary>Reads and decodes an image from <paramref name="stream"/> (up to <see cref="MaxFileBytes"/>).</summary>
    /// <exception cref="ImageFormatException">The format is unknown, the data is malformed or too large.</exception>
    public static Image Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Decode(ReadBounded(stream, "the stream"));
    }

    /// <summary>Loads the image at <paramref name="path"/> and converts it to RGB as PIL's <c>convert("RGB")</c> does.</summary>
    /// <exception cref="ImageFormatException">The format is unknown or the file is malformed.</exception>
    public static Image LoadRgb(string path) => Load(path).ToRgb();

    /// <summary>Decodes an image held in memory, choosing the decoder from its magic bytes.</summary>
    /// <exception cref="ImageFormatException">The format is unknown or the data is malformed.</exception>
    public static Image Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 8 && data[..8].SequenceEqual(PngDecoder.Signature)) return PngDecoder.Decode(data);
        if (data.Length >= 3 && data[..3].SequenceEqual(JpegDecoder.Signature)) return JpegDecoder.Decode(data);
        if (data.Length >= 2 && data[0] == 'P' && data[1] is (byte)'2' or (byte)'3' or (byte)'5' or (byte)'6') return PpmDecoder.Decode(data);
        throw new ImageFormatException("Unknown image format (expected PNG, JPEG or PPM/PGM).");
    }
}
