using System.Buffers.Binary;
using System.IO.Compression;

namespace Vim.Runtime.Imaging;

/// <summary>Writes 8-bit grayscale, gray + alpha, RGB or RGBA PNG files (no filtering, zlib-compressed, with CRCs).</summary>
public static class PngEncoder
{
    /// <summary>The PNG bytes of <paramref name="image"/>.</summary>
    public static byte[] Encode(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        byte colourType = image.Channels switch { 1 => 0, 2 => 4, 3 => 2, _ => 6 };
        using var output = new MemoryStream();
        output.Write(PngDecoder.Signature);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), image.Height);
        header[8] = 8;
        header[9] = colourType;
        Chunk(output, "IHDR", header);
        using (var raw = new MemoryStream())
        {
            using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
            {
                int row = image.Width * image.Channels;
                for (int y = 0; y < image.Height; y++)
                {
                    z.WriteByte(0); // filter: none
                    z.Write(image.Pixels, y * row, row);
                }
            }
            Chunk(output, "IDAT", raw.ToArray());
        }
        Chunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>Writes <paramref name="image"/> to <paramref name="path"/>.</summary>
    public static void Save(Image image, string path) => File.WriteAllBytes(path, Encode(image));

    private static void Chunk(Stream output, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        output.Write(length);
        var typed = new byte[4 + data.Length];
        System.Text.Encoding.ASCII.GetBytes(type, typed);
        data.CopyTo(typed, 4);
        output.Write(typed);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, PngDecoder.Crc32(typed));
        output.Write(crc);
    }
}
