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

    /// <summary>
    /// baseline.jpg re-saved by PIL with EXIF orientation 2–8; the reference is PIL's ImageOps.exif_transpose of each,
    /// converted to RGB: every orientation upright, within the decoders' ±2 levels.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void ExifOrientation_IsHonouredAsPilDoes(int orientation)
    {
        byte[] file = File.ReadAllBytes(Data($"orient{orientation}.jpg"));
        Assert.Equal(orientation, ExifOrientation.Read(file));
        using var stream = new MemoryStream(file);
        var image = ImageLoader.Load(stream).ToRgb();
        Assert.Equal(orientation >= 5 ? (48, 64) : (64, 48), (image.Width, image.Height));
        var reference = File.ReadAllBytes(Data($"orient{orientation}.pil.raw"));
        Assert.Equal(reference.Length, image.Pixels.Length);
        // These files are re-encoded at quality 95, where stb_image and libjpeg differ by up to 3 levels (with or
        // without the tag); an image left as stored, or turned the wrong way, differs by tens of levels on average.
        Assert.True(MeanAndWorst(reference, image.Pixels) is var (mean, worst) && mean < 0.5 && worst <= 3,
            $"orientation {orientation}: differs from PIL by {MeanAndWorst(reference, image.Pixels)} (mean, largest) levels");
        var wrong = ExifOrientation.Apply(ImageLoader.Decode(file), orientation == 2 ? 3 : 2).ToRgb();
        if (wrong.Pixels.Length == reference.Length && (wrong.Width, wrong.Height) == (image.Width, image.Height))
        {
            Assert.True(MeanAndWorst(reference, wrong.Pixels).Mean > 5, "the check does not tell orientations apart");
        }
        Assert.Equal(1, ExifOrientation.Read(File.ReadAllBytes(Data("baseline.jpg"))));
    }

    private static (double Mean, int Worst) MeanAndWorst(byte[] a, byte[] b)
    {
        long sum = 0;
        int worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            int d = Math.Abs(a[i] - b[i]);
            sum += d;
            worst = Math.Max(worst, d);
        }
        return ((double)sum / a.Length, worst);
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
