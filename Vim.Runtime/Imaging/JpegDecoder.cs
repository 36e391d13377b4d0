using StbImageSharp;

namespace Vim.Runtime.Imaging;

/// <summary>
/// JPEG (baseline and progressive) through StbImageSharp, the managed port of stb_image: decoded to 8-bit grayscale or
/// RGB, turned upright by its EXIF orientation (<see cref="ExifOrientation"/>; torchvision's PIL loader does not, so a
/// rotated camera photo reaches the official code sideways). A file the decoder cannot read (truncated, CMYK,
/// arithmetic-coded) is an <see cref="ImageFormatException"/>.
/// </summary>
public static class JpegDecoder
{
    /// <summary>The start-of-image marker every JPEG file begins with.</summary>
    public static ReadOnlySpan<byte> Signature => [0xFF, 0xD8, 0xFF];

    /// <summary>Decodes a JPEG file's bytes.</summary>
    /// <exception cref="ImageFormatException">The data is not a JPEG this decoder reads.</exception>
    public static Image Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length < 3 || !data[..3].SequenceEqual(Signature)) throw new ImageFormatException("Not a JPEG file (no start-of-image marker).");
        CheckStructure(data);
        ImageResult result;
        try
        {
            result = ImageResult.FromMemory(data.ToArray(), ColorComponents.Default);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ImageFormatException($"Cannot decode the JPEG: {e.Message}");
        }
        if (result is null) throw new ImageFormatException("Cannot decode the JPEG.");
        int channels = result.Comp switch
        {
            ColorComponents.Grey => 1,
            ColorComponents.GreyAlpha => 2,
            ColorComponents.RedGreenBlue => 3,
            ColorComponents.RedGreenBlueAlpha => 4,
            _ => throw new ImageFormatException($"JPEG with {result.Comp} components is not supported."),
        };
        return ExifOrientation.Apply(new Image(result.Width, result.Height, channels, result.Data), ExifOrientation.Read(data));
    }

    /// <summary>
    /// Refuses what the decoder would otherwise turn into plausible pixels: a file cut short (no end-of-image marker after the
    /// scan data; the decoder pads the missing part) and 4-component (CMYK/YCCK) images, whose colours it cannot convert as
    /// print software does.
    /// </summary>
    private static void CheckStructure(ReadOnlySpan<byte> data)
    {
        int at = 2;
        while (at + 4 <= data.Length)
        {
            if (data[at] != 0xFF) throw new ImageFormatException($"Corrupt JPEG: expected a marker at byte {at}.");
            byte marker = data[at + 1];
            if (marker == 0xFF) { at++; continue; }
            int length = (data[at + 2] << 8) | data[at + 3];
            if (length < 2 || at + 2 + length > data.Length) throw new ImageFormatException($"Truncated JPEG: the segment at byte {at} runs past the end of the file.");
            bool frame = marker is >= 0xC0 and <= 0xCF && marker is not 0xC4 and not 0xC8 and not 0xCC;
            if (frame && length >= 8 && data[at + 9] == 4)
                throw new ImageFormatException("CMYK/YCCK JPEGs (4 colour components) are not supported; convert the image to RGB.");
            if (marker == 0xDA) break; // start of scan: entropy-coded data follows
            at += 2 + length;
        }
        if (data.LastIndexOf([(byte)0xFF, (byte)0xD9]) < 0) throw new ImageFormatException("Truncated JPEG: the file ends before its end-of-image marker.");
    }
}
