using Vim.Runtime.Imaging;

namespace Vim.Runtime.Tests.Imaging;

/// <summary>JPEG decoding against PIL's (libjpeg's) decode of the same files: within ±2 levels per channel; unreadable files refused clearly.</summary>
public class JpegDecoderTests
{
    private static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "Imaging", "Data", "jpeg", name);

    [Theory]
    [InlineData("baseline", 3)]
    [InlineData("progressive", 3)]
    [InlineData("gray", 1)]
    public void Decode_MatchesLibjpegWithinTwoLevels(string name, int channels)
    {
        var image = ImageLoader.Load(Data(name + ".jpg"));
        Assert.Equal((64, 48, channels), (image.Width, image.Height, image.Channels));
        var reference = File.ReadAllBytes(Data(name + ".pil.raw"));
        Assert.Equal(reference.Length, image.Pixels.Length);
        int worst = 0;
        for (int i = 0; i < reference.Length; i++) worst = Math.Max(worst, Math.Abs(reference[i] - image.Pixels[i]));
        Assert.True(worst <= 2, $"{name}: largest difference from libjpeg {worst} levels");
    }

    [Theory]
    [InlineData("cmyk.jpg")]
    [InlineData("truncated.jpg")]
    public void UnreadableJpegs_AreRefusedWithAReason(string name)
    {
        var e = Assert.ThrowsAny<ImageFormatException>(() => ImageLoader.Load(Data(name)));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }
}
