using System.Text;
using Vim.Runtime.Imaging;

namespace Vim.Runtime.Tests.Imaging;

public sealed class PpmDecoderTests
{
    [Fact]
    public void P6_with_maxval_255_is_read_raw()
    {
        var image = PpmDecoder.Decode([.. "P6\n# comment\n2 1\n255\n"u8, 1, 2, 3, 250, 251, 252]);
        Assert.Equal((2, 1, 3), (image.Width, image.Height, image.Channels));
        Assert.Equal(new byte[] { 1, 2, 3, 250, 251, 252 }, image.Pixels);
    }

    [Fact]
    public void P3_plain_with_comments_and_small_maxval_is_scaled_like_PIL()
    {
        // PIL: round(v / maxval * 255), half to even. 1/15*255 = 17, 7/15*255 = 119, 15 -> 255.
        var image = PpmDecoder.Decode(Encoding.ASCII.GetBytes("P3 # c\n1 2 # size\n15\n0 1 7\n  15 15 # x\n 0\n"));
        Assert.Equal(new byte[] { 0, 17, 119, 255, 255, 0 }, image.Pixels);
        // maxval 2: 1/2*255 = 127.5 -> 128 (half to even)
        Assert.Equal(new byte[] { 0, 128, 255 }, PpmDecoder.Decode("P3 1 1 2 0 1 2"u8).Pixels);
    }

    [Fact]
    public void P6_16_bit_is_big_endian_and_scaled()
    {
        var image = PpmDecoder.Decode([.. "P6 1 1 65535\n"u8, 0xFF, 0xFF, 0x80, 0x00, 0x00, 0x80]);
        // 65535 -> 255; 32768/65535*255 = 127.50 -> 128; 128/65535*255 = 0.498 -> 0
        Assert.Equal(new byte[] { 255, 128, 0 }, image.Pixels);
    }

    [Fact]
    public void P5_and_P2_give_gray()
    {
        var p5 = PpmDecoder.Decode([.. "P5 2 1 255\n"u8, 5, 6]);
        Assert.Equal(1, p5.Channels);
        Assert.Equal(new byte[] { 5, 6 }, p5.Pixels);
        var p2 = PpmDecoder.Decode("P2 2 1 1\n0 1"u8);
        Assert.Equal(1, p2.Channels);
        Assert.Equal(new byte[] { 0, 255 }, p2.Pixels);
    }

    [Theory]
    [InlineData("P7 1 1 255\n")]
    [InlineData("P6 1 1 255\n\u0001\u0002")]
    [InlineData("P6 0 1 255\n")]
    [InlineData("P6 1 1 0\n")]
    [InlineData("P6 1 1 70000\n")]
    [InlineData("P6 99999 99999 255\n")]
    [InlineData("P6 1 1")]
    [InlineData("P3 1 1 255 1 2 300")]
    [InlineData("P3 1 1 255 1 2")]
    [InlineData("P3 1 1 255 1 x 2")]
    [InlineData("P6 99999999999 1 255\n")]
    public void Malformed_files_raise_ImageFormatException(string content)
    {
        Assert.Throws<ImageFormatException>(() => PpmDecoder.Decode(Encoding.Latin1.GetBytes(content)));
    }
}
