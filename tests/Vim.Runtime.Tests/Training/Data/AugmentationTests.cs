using Vim.Runtime.Imaging;
using Vim.Runtime.Training;
using Vim.Runtime.Training.Data;

namespace Vim.Runtime.Tests.Training.Data;

/// <summary>Each augmentation against a reference computed here from its definition.</summary>
public class AugmentationTests
{
    private static Image RandomImage(int w, int h, int seed)
    {
        var p = new byte[w * h * 3];
        new Random(seed).NextBytes(p);
        return new Image(w, h, 3, p);
    }

    [Fact]
    public void LookupOps_FollowTheirDefinitions()
    {
        var img = RandomImage(9, 7, 1);
        var p = img.Pixels;
        Assert.Equal(p.Select(v => (byte)(255 - v)), ImageOps.Invert(img).Pixels);
        Assert.Equal(p.Select(v => (byte)(v & 0xF0)), ImageOps.Posterize(img, 4).Pixels);
        Assert.Equal(p.Select(v => (byte)(v >= 100 ? 255 - v : v)), ImageOps.Solarize(img, 100).Pixels);
        Assert.Equal(p.Select(v => (byte)(v < 128 ? Math.Min(255, v + 40) : v)), ImageOps.SolarizeAdd(img, 40).Pixels);
        // autocontrast: channel c stretched from [min, max] to [0, 255]
        var auto = ImageOps.AutoContrast(img).Pixels;
        for (int c = 0; c < 3; c++)
        {
            var ch = Enumerable.Range(0, p.Length / 3).Select(i => p[i * 3 + c]).ToArray();
            int lo = ch.Min(), hi = ch.Max();
            for (int i = 0; i < ch.Length; i++) Assert.Equal((byte)Math.Clamp((int)((ch[i] - lo) * (255.0 / (hi - lo))), 0, 255), auto[i * 3 + c]);
        }
        // equalize of a two-level channel: step = (512 − 256) / 255 = 1, so 10 → 0 and 200 → min(255, 256)
        var two = new Image(512, 1, 3, Enumerable.Range(0, 512 * 3).Select(i => (byte)(i < 256 * 3 ? 10 : 200)).ToArray());
        var eq = ImageOps.Equalize(two).Pixels;
        Assert.Equal(0, eq[0]);
        Assert.Equal(255, eq[^1]);
        // too few pixels for a step: PIL leaves the channel as it is
        var tiny = new Image(2, 1, 3, [10, 10, 10, 200, 200, 200]);
        Assert.Equal(tiny.Pixels, ImageOps.Equalize(tiny).Pixels);
    }

    [Fact]
    public void Enhancements_BlendWithTheirDegenerateImage()
    {
        var img = RandomImage(6, 5, 2);
        var p = img.Pixels;
        byte Round(double v) => (byte)Math.Clamp((int)Math.Round(v, MidpointRounding.AwayFromZero), 0, 255);
        Assert.Equal(p.Select(v => Round(v * 1.3)), ImageOps.Brightness(img, 1.3).Pixels);
        var color = ImageOps.Color(img, 0.4).Pixels;
        for (int i = 0; i < p.Length; i += 3)
        {
            byte l = ImageOps.Luma(p[i], p[i + 1], p[i + 2]);
            for (int c = 0; c < 3; c++) Assert.Equal(Round(l + 0.4 * (p[i + c] - l)), color[i + c]);
        }
        Assert.Equal(p, ImageOps.Contrast(img, 1.0).Pixels);
        Assert.Equal(p, ImageOps.Sharpness(img, 1.0).Pixels);
        Assert.Equal(ImageOps.Gray(img).Pixels, ImageOps.Color(img, 0.0).Pixels);
    }

    [Fact]
    public void GeometricOps_AreExactWhereTheSourceIsAPixelCentre()
    {
        var img = RandomImage(8, 8, 3);
        var fill = ((byte)1, (byte)2, (byte)3);
        Assert.Equal(img.Pixels, ImageOps.Affine(img, 1, 0, 0, 0, 1, 0, bicubic: true, fill).Pixels);
        // a translation by 2 px: output x reads x + 2, the last two columns are filled
        var shifted = ImageOps.Affine(img, 1, 0, 2, 0, 1, 0, bicubic: true, fill);
        for (int y = 0; y < 8; y++)
        {
            for (int x = 0; x < 8; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    byte expected = x + 2 < 8 ? img[x + 2, y, c] : new[] { fill.Item1, fill.Item2, fill.Item3 }[c];
                    Assert.Equal(expected, shifted[x, y, c]);
                }
            }
        }
        // a quarter turn counter-clockwise: output (x, y) is source (W−1−y, x)
        var turned = ImageOps.Rotate(img, 90, bicubic: true, fill);
        for (int y = 0; y < 8; y++)
        {
            for (int x = 0; x < 8; x++) Assert.Equal(img[7 - y, x, 0], turned[x, y, 0]);
        }
        var flipped = ImageOps.FlipHorizontal(img);
        Assert.Equal(img[0, 3, 1], flipped[7, 3, 1]);
    }

    [Fact]
    public void RandAugment_ParsesTheOfficialPolicy_AndIsSeeded()
    {
        var ra = new RandAugment("rand-m9-mstd0.5-inc1", (124, 116, 104));
        Assert.Equal(9, ra.Magnitude);
        Assert.Equal(0.5, ra.MagnitudeStd);
        Assert.Equal(2, ra.Layers);
        var img = RandomImage(20, 20, 4);
        Assert.Equal(ra.Apply(img, new Random(3)).Pixels, ra.Apply(img, new Random(3)).Pixels);
        Assert.Throws<ArgumentException>(() => new RandAugment("rand-m9-inc0", (0, 0, 0)));
        Assert.Throws<ArgumentException>(() => new RandAugment("original", (0, 0, 0)));
    }

    [Fact]
    public void RandomResizedCrop_StaysInsideAndCoversTheScaleRange()
    {
        var t = new ImageNetTransform();
        var rng = new Random(5);
        var areas = new List<double>();
        for (int i = 0; i < 500; i++)
        {
            var (top, left, h, w) = t.CropBox(300, 200, rng);
            Assert.InRange(top, 0, 200 - h);
            Assert.InRange(left, 0, 300 - w);
            areas.Add(h * w / 60000.0);
            Assert.InRange(w / (double)h, 3.0 / 4 - 0.05, 4.0 / 3 + 0.05);
        }
        Assert.InRange(areas.Min(), 0.07, 0.15);
        Assert.InRange(areas.Max(), 0.8, 1.0);
        // a sliver image: no try fits, the fallback is a centred crop at the clamped aspect
        var (ft, fl, fh, fw) = new ImageNetTransform { Scale = (0.99, 1.0) }.CropBox(1000, 10, new Random(1));
        Assert.Equal((0, 10, (1000 - 13) / 2, 13), (ft, fh, fl, fw));
    }

    [Fact]
    public void DigitsTransform_WithoutAWarp_IsThePngRule_AndAnIdentityWarpChangesNothing()
    {
        var pixels = new byte[32 * 32];
        var rng = new Random(6);
        // a rendered digit: 4×4 blocks of one value each
        for (int i = 0; i < 32; i++)
        {
            for (int j = 0; j < 32; j++) pixels[i * 32 + j] = (byte)(((i / 4) * 31 + (j / 4) * 17) % 256);
        }
        var sample = new DataSample { Image = new Image(32, 32, 1, pixels), Label = 3 };
        var plain = new float[3 * 1024];
        new DigitsTransform { Probability = 0 }.Apply(sample, rng, plain);
        for (int i = 0; i < 1024; i++) Assert.Equal((pixels[i] / 255f - 0.5f) / 0.5f, plain[2048 + i]);
        var identity = new float[3 * 1024];
        new DigitsTransform { Probability = 1, MaxRotation = 0, MaxShear = 0, Scale = (1, 1), MaxShift = 0 }.Apply(sample, rng, identity);
        for (int i = 0; i < plain.Length; i++) Assert.True(Math.Abs(plain[i] - identity[i]) < 1e-5f, $"[{i}] {plain[i]} vs {identity[i]}");
        var warped = new float[3 * 1024];
        new DigitsTransform { Probability = 1 }.Apply(sample, new Random(9), warped);
        Assert.NotEqual(plain, warped);

        // at 48² each digit pixel (a 4×4 block at 32²) becomes a 6×6 block
        var large = new float[3 * 48 * 48];
        new DigitsTransform { Probability = 0, OutputSide = 48 }.Apply(sample, rng, large);
        for (int i = 0; i < 48; i++)
        {
            for (int j = 0; j < 48; j++) Assert.Equal(plain[(i / 6 * 4) * 32 + j / 6 * 4], large[i * 48 + j]);
        }
    }

    [Fact]
    public void Mixup_MixesImagesAndTargetsByTheSameLambda()
    {
        const int B = 4, C = 1, H = 8, W = 8, K = 3;
        var images = Enumerable.Range(0, B * C * H * W).Select(i => (float)(i / (C * H * W))).ToArray();
        int[] labels = [0, 1, 2, 1];
        var mix = new Mixup(0.8, 0, labelSmoothing: 0.1);
        var original = (float[])images.Clone();
        var targets = mix.Apply(images, labels, K, (C, H, W), new Random(2));
        var t = targets.Probabilities!;
        for (int n = 0; n < B; n++)
        {
            Assert.Equal(1.0, t.Skip(n * K).Take(K).Sum(v => (double)v), 5);
            // every pixel of image n is λ·own + (1 − λ)·reversed partner's; the images are constant, so λ is recoverable
            double lambda = (images[n * 64] - original[(B - 1 - n) * 64]) / (original[n * 64] - original[(B - 1 - n) * 64]);
            double off = 0.1 / K, on = 0.9 + off;
            for (int j = 0; j < K; j++)
            {
                double expected = lambda * (j == labels[n] ? on : off) + (1 - lambda) * (j == labels[B - 1 - n] ? on : off);
                Assert.Equal(expected, t[n * K + j], 4);
            }
        }
        // cutmix: the box comes from the reversed batch and λ is its complement's share of the area
        var cut = new Mixup(0, 1.0, 0);
        var im2 = (float[])original.Clone();
        var t2 = cut.Apply(im2, labels, K, (C, H, W), new Random(4)).Probabilities!;
        int pasted = Enumerable.Range(0, 64).Count(i => im2[i] != original[i]);
        Assert.Equal(1 - pasted / 64.0, t2[labels[0]] + (labels[0] == labels[3] ? t2[labels[3]] - t2[labels[0]] : 0), 5);
        Assert.Throws<ArgumentException>(() => mix.Apply(new float[3 * 64], [0, 1, 2], K, (C, H, W), new Random(1)));
    }
}
