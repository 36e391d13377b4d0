namespace Vim.Runtime.Imaging;

/// <summary>Loads an image file, choosing the decoder from its magic bytes (PNG, or Netpbm P2/P3/P5/P6).</summary>
public static class ImageLoader
{
    /// <summary>Loads and decodes the image at <paramref name="path"/> (channels as decoded; see <see cref="Image.ToRgb"/>).</summary>
    /// <exception cref="ImageFormatException">The format is unknown or the file is malformed.</exception>
    public static Image Load(string path) => Decode(File.ReadAllBytes(path));

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
