using System.Buffers.Binary;

namespace Vim.Runtime.Imaging;

/// <summary>
/// The EXIF orientation of a JPEG (tag 0x0112 of IFD0 in its APP1 "Exif" segment) and the transform that makes the
/// pixels upright, as PIL's <c>ImageOps.exif_transpose</c> applies it: 2 mirror, 3 rotate 180°, 4 flip, 5 transpose,
/// 6 rotate 90° clockwise, 7 transverse, 8 rotate 90° counter-clockwise. Cameras store the sensor's pixels and this tag.
/// </summary>
public static class ExifOrientation
{
    /// <summary>The orientation (1–8) recorded in a JPEG's bytes, 1 when there is none or it is malformed.</summary>
    public static int Read(ReadOnlySpan<byte> jpeg)
    {
        int at = 2;
        while (at + 4 <= jpeg.Length && jpeg[at] == 0xFF)
        {
            byte marker = jpeg[at + 1];
            if (marker == 0xDA) break; // the scan: no metadata after it
            int length = (jpeg[at + 2] << 8) | jpeg[at + 3];
            if (length < 2 || at + 2 + length > jpeg.Length) break;
            var segment = jpeg.Slice(at + 4, length - 2);
            if (marker == 0xE1 && segment.Length >= 14 && segment[..6].SequenceEqual("Exif\0\0"u8)) return FromTiff(segment[6..]);
            at += 2 + length;
        }
        return 1;
    }

    private static int FromTiff(ReadOnlySpan<byte> tiff)
    {
        bool little = tiff[0] == (byte)'I' && tiff[1] == (byte)'I';
        if (!little && !(tiff[0] == (byte)'M' && tiff[1] == (byte)'M')) return 1;
        if (U16(tiff, 2, little) != 42) return 1;
        long ifd = U32(tiff, 4, little);
        if (ifd < 8 || ifd + 2 > tiff.Length) return 1;
        int entries = U16(tiff, (int)ifd, little);
        for (int e = 0; e < entries; e++)
        {
            int entry = (int)ifd + 2 + 12 * e;
            if (entry + 12 > tiff.Length) return 1;
            if (U16(tiff, entry, little) != 0x0112) continue;
            int value = U16(tiff, entry + 2, little) == 3 ? U16(tiff, entry + 8, little) : 1; // SHORT, stored in the entry itself
            return value is >= 1 and <= 8 ? value : 1;
        }
        return 1;
    }

    private static int U16(ReadOnlySpan<byte> b, int i, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(b[i..]) : BinaryPrimitives.ReadUInt16BigEndian(b[i..]);

    private static long U32(ReadOnlySpan<byte> b, int i, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(b[i..]) : BinaryPrimitives.ReadUInt32BigEndian(b[i..]);

    /// <summary>The upright image for <paramref name="orientation"/> (the image itself for 1).</summary>
    public static Image Apply(Image image, int orientation)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (orientation is < 1 or > 8) throw new ArgumentOutOfRangeException(nameof(orientation), orientation, "An EXIF orientation is 1 to 8.");
        if (orientation == 1) return image;
        int w = image.Width, h = image.Height, c = image.Channels;
        bool swap = orientation >= 5;
        int ow = swap ? h : w, oh = swap ? w : h;
        var src = image.Pixels;
        var dst = new byte[src.Length];
        for (int y = 0; y < oh; y++)
        {
            for (int x = 0; x < ow; x++)
            {
                // the input pixel that lands at output (x, y)
                var (sx, sy) = orientation switch
                {
                    2 => (w - 1 - x, y),
                    3 => (w - 1 - x, h - 1 - y),
                    4 => (x, h - 1 - y),
                    5 => (y, x),
                    6 => (y, h - 1 - x),
                    7 => (w - 1 - y, h - 1 - x),
                    _ => (w - 1 - y, x),
                };
                Array.Copy(src, ((long)sy * w + sx) * c, dst, ((long)y * ow + x) * c, c);
            }
        }
        return new Image(ow, oh, c, dst);
    }
}
