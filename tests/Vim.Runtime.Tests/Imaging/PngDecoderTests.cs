using System.Buffers.Binary;
using Vim.Runtime.Imaging;

namespace Vim.Runtime.Tests.Imaging;

public sealed class PngDecoderTests
{
    public static TheoryData<string> PilCases => new() { "rgba", "rgb", "l", "la", "bilevel", "p8", "p4", "p2", "p1", "ptrns" };

    [Theory]
    [MemberData(nameof(PilCases))]
    public void Pngs_written_by_PIL_decode_to_PILs_convert_RGB(string name)
    {
        var image = PngDecoder.Decode(TestPng.Data("decode", name + ".png"));
        byte[] expected = File.ReadAllBytes(TestPng.Data("decode", name + ".rgb"));
        var rgb = image.ToRgb();
        Assert.Equal((13, 9, 3), (rgb.Width, rgb.Height, rgb.Channels));
        Assert.Equal(expected, rgb.Pixels);
    }

    [Fact]
    public void Channel_counts_follow_the_color_type()
    {
        Assert.Equal(4, PngDecoder.Decode(TestPng.Data("decode", "rgba.png")).Channels);
        Assert.Equal(2, PngDecoder.Decode(TestPng.Data("decode", "la.png")).Channels);
        Assert.Equal(1, PngDecoder.Decode(TestPng.Data("decode", "l.png")).Channels);
        Assert.Equal(3, PngDecoder.Decode(TestPng.Data("decode", "p8.png")).Channels);
        var withAlpha = PngDecoder.Decode(TestPng.Data("decode", "ptrns.png"));
        Assert.Equal(4, withAlpha.Channels);
    }

    public static TheoryData<int, int, bool> Formats()
    {
        var data = new TheoryData<int, int, bool>();
        (int, int)[] combos = [(0, 1), (0, 2), (0, 4), (0, 8), (0, 16), (2, 8), (2, 16), (3, 1), (3, 2), (3, 4), (3, 8), (4, 8), (4, 16), (6, 8), (6, 16)];
        foreach (var (ct, d) in combos)
        {
            data.Add(ct, d, false);
            data.Add(ct, d, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Every_color_type_depth_filter_and_interlace_decodes(int colorType, int depth, bool interlace)
    {
        var rng = new Random(colorType * 100 + depth + (interlace ? 7 : 0));
        int spp = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        foreach (var (w, h) in new[] { (1, 1), (3, 2), (13, 11), (17, 9) })
        {
            int max = (1 << depth) - 1;
            int entries = colorType == 3 ? Math.Min(max + 1, 200) : 0;
            byte[]? plte = colorType == 3 ? [.. Enumerable.Range(0, entries * 3).Select(_ => (byte)rng.Next(256))] : null;
            byte[]? trns = colorType == 3 && depth == 8 ? [.. Enumerable.Range(0, 5).Select(i => (byte)(i * 50))] : null;
            int[] samples = [.. Enumerable.Range(0, w * h * spp).Select(_ => rng.Next(colorType == 3 ? entries + (depth == 8 ? 3 : 0) : max + 1))];
            byte[] png = TestPng.Encode(w, h, colorType, depth, samples, interlace, plte, trns, idatChunk: 5);

            var image = PngDecoder.Decode(png);
            int outCh = colorType == 3 ? (trns is null ? 3 : 4) : spp;
            Assert.Equal((w, h, outCh), (image.Width, image.Height, image.Channels));
            for (int p = 0; p < w * h; p++)
            {
                for (int c = 0; c < outCh; c++)
                {
                    int expected;
                    if (colorType == 3)
                    {
                        int index = samples[p];
                        expected = c == 3
                            ? (index < trns!.Length ? trns[index] : 255)
                            : (index < entries ? plte![index * 3 + c] : 0);
                    }
                    else
                    {
                        int v = samples[p * spp + c];
                        expected = depth == 16 ? v >> 8 : depth < 8 ? v * 255 / max : v;
                    }
                    Assert.Equal(expected, image.Pixels[p * outCh + c]);
                }
            }
        }
    }

    [Fact]
    public void Crc_is_checked_unless_disabled()
    {
        byte[] png = SmallPng();
        png[8 + 8 + 13] ^= 0xFF; // IHDR CRC
        var ex = Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(png));
        Assert.Contains("CRC", ex.Message);
        Assert.Equal(4, PngDecoder.Decode(png, verifyCrc: false).Width);
    }

    [Fact]
    public void Every_truncation_raises_ImageFormatException()
    {
        byte[] png = SmallPng();
        int iendStart = png.Length - 12;
        for (int len = 0; len < iendStart; len++)
        {
            Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(png.AsSpan(0, len)));
        }
        // A file cut cleanly before IEND still has all image data: accepted.
        Assert.Equal(4, PngDecoder.Decode(png.AsSpan(0, iendStart)).Width);
    }

    [Fact]
    public void Random_corruption_never_escapes_as_another_exception()
    {
        byte[] original = TestPng.Encode(9, 7, 6, 8, [.. Enumerable.Range(0, 9 * 7 * 4).Select(i => i * 37 % 256)], interlace: true);
        var rng = new Random(5);
        for (int trial = 0; trial < 2000; trial++)
        {
            byte[] png = (byte[])original.Clone();
            for (int k = 0; k < 1 + trial % 3; k++) png[8 + rng.Next(png.Length - 8)] = (byte)rng.Next(256);
            try
            {
                PngDecoder.Decode(png, verifyCrc: false);
            }
            catch (ImageFormatException)
            {
            }
        }
    }

    [Theory]
    [InlineData(0x7FFFFFFF, 1)]
    [InlineData(1, 0x7FFFFFFF)]
    [InlineData(40000, 40000)]
    [InlineData(0, 5)]
    [InlineData(30000, 30000)]
    public void Absurd_dimensions_are_rejected_before_allocating(int w, int h)
    {
        byte[] png = SmallPng();
        var ihdr = png.AsSpan(16, 13).ToArray();
        BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        var ex = Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(ReplaceChunk(png, 8, "IHDR", ihdr)));
        Assert.Contains("PNG size", ex.Message);
    }

    [Fact]
    public void A_plausible_size_with_too_little_data_fails_on_the_data()
    {
        byte[] png = SmallPng();
        var ihdr = png.AsSpan(16, 13).ToArray();
        BinaryPrimitives.WriteInt32BigEndian(ihdr, 4000);
        var ex = Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(ReplaceChunk(png, 8, "IHDR", ihdr)));
        Assert.Contains("shorter", ex.Message);
    }

    [Fact]
    public void Too_much_image_data_is_rejected()
    {
        byte[] png = SmallPng();
        var ihdr = png.AsSpan(16, 13).ToArray();
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), 2); // header says 2 rows, data has 3
        var ex = Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(ReplaceChunk(png, 8, "IHDR", ihdr)));
        Assert.Contains("longer", ex.Message);
    }

    [Theory]
    [InlineData(0, 3, "color type")]   // gray with depth 3
    [InlineData(2, 4, "color type")]   // RGB with depth 4
    [InlineData(5, 8, "color type")]   // unknown color type
    public void Invalid_headers_are_rejected(int colorType, int depth, string message)
    {
        byte[] png = SmallPng();
        var ihdr = png.AsSpan(16, 13).ToArray();
        ihdr[8] = (byte)depth;
        ihdr[9] = (byte)colorType;
        var ex = Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(ReplaceChunk(png, 8, "IHDR", ihdr)));
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void Other_malformed_inputs_are_rejected()
    {
        Assert.Contains("signature", Assert.Throws<ImageFormatException>(() => PngDecoder.Decode("GIF89a.........."u8)).Message);
        Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(ReadOnlySpan<byte>.Empty));

        // Bad filter byte.
        byte[] bad = TestPng.Encode(4, 3, 2, 8, new int[36], filterForRow: r => r == 1 ? 9 : 0);
        Assert.Contains("filter type", Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(bad)).Message);

        // Corrupt zlib stream (CRC fixed up so only the zlib layer sees it).
        byte[] png = SmallPng();
        int idat = FindChunk(png, "IDAT");
        int len = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(idat));
        var body = png.AsSpan(idat + 8, len).ToArray();
        body[0] = 0x12; // invalid zlib header
        Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(ReplaceChunk(png, idat, "IDAT", body)));

        // Palette image without PLTE.
        byte[] noPlte = TestPng.Encode(2, 2, 3, 8, [0, 1, 0, 1]);
        Assert.Contains("PLTE", Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(noPlte)).Message);

        // Chunk length beyond the file.
        byte[] longChunk = SmallPng();
        BinaryPrimitives.WriteInt32BigEndian(longChunk.AsSpan(FindChunk(longChunk, "IDAT")), 1 << 30);
        Assert.Contains("Truncated", Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(longChunk)).Message);
    }

    [Fact]
    public void ImageLoader_picks_the_decoder_by_magic_bytes()
    {
        var png = ImageLoader.Load(TestPng.Data("decode", "rgb.png"));
        Assert.Equal((13, 9, 3), (png.Width, png.Height, png.Channels));
        string ppm = Path.Combine(Path.GetTempPath(), $"vim-{Guid.NewGuid():N}.ppm");
        try
        {
            File.WriteAllBytes(ppm, [.. "P6 2 1 255\n"u8, 1, 2, 3, 4, 5, 6]);
            Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6 }, ImageLoader.Load(ppm).Pixels);
            File.WriteAllBytes(ppm, "BM......"u8.ToArray());
            Assert.Throws<ImageFormatException>(() => ImageLoader.Load(ppm));
        }
        finally
        {
            File.Delete(ppm);
        }
        Assert.Equal(3, ImageLoader.LoadRgb(TestPng.Data("decode", "l.png")).Channels);
    }

    private static byte[] SmallPng() =>
        TestPng.Encode(4, 3, 2, 8, [.. Enumerable.Range(0, 36).Select(i => i * 7)], filterForRow: r => r + 2);

    private static int FindChunk(byte[] png, string type)
    {
        int pos = 8;
        while (pos < png.Length)
        {
            int len = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            if (System.Text.Encoding.ASCII.GetString(png, pos + 4, 4) == type) return pos;
            pos += 12 + len;
        }
        throw new InvalidOperationException(type);
    }

    private static byte[] ReplaceChunk(byte[] png, int pos, string type, byte[] body)
    {
        int len = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
        var s = new MemoryStream();
        s.Write(png, 0, pos);
        TestPng.WriteChunk(s, type, body);
        s.Write(png, pos + 12 + len, png.Length - pos - 12 - len);
        return s.ToArray();
    }
}
