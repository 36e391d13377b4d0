using System.Buffers.Binary;
using Vim.Runtime.Imaging;

namespace Vim.Runtime.Tests.Imaging;

public sealed class PreprocessingTests
{
    public static TheoryData<string> ResizeCases()
    {
        var data = new TheoryData<string>();
        foreach (string line in File.ReadAllLines(TestPng.Data("resize", "cases.txt")))
        {
            if (line.Length > 0) data.Add(line);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ResizeCases))]
    public void Resize_matches_PIL_bit_for_bit(string testCase)
    {
        string[] f = testCase.Split(' ');
        var input = PngDecoder.Decode(TestPng.Data("resize", f[0]));
        var expected = PngDecoder.Decode(TestPng.Data("resize", f[4]));
        var filter = f[3] switch
        {
            "nearest" => Interpolation.Nearest,
            "bilinear" => Interpolation.Bilinear,
            _ => Interpolation.Bicubic,
        };
        var actual = ImageResize.Resize(input, int.Parse(f[1]), int.Parse(f[2]), filter);
        Assert.Equal((expected.Width, expected.Height, expected.Channels), (actual.Width, actual.Height, actual.Channels));
        AssertPixelsEqual(expected, actual);
    }

    [Theory]
    [InlineData("chelsea", 384, 256)]
    [InlineData("coffee", 384, 256)]
    public void Photos_resize_like_torchvision_Resize_256_bicubic_on_PIL(string name, int w, int h)
    {
        var rgb = ImageLoader.LoadRgb(TestPng.Data(name + ".png"));
        Assert.Equal((h, w), ImagePreprocessing.ShorterSideSize(rgb.Height, rgb.Width, 256));
        var expected = PngDecoder.Decode(TestPng.Data(name + "_resized.png"));
        var actual = ImageResize.Resize(rgb, w, h, Interpolation.Bicubic);
        AssertPixelsEqual(expected, actual);
    }

    [Theory]
    [InlineData("chelsea")]
    [InlineData("coffee")]
    public void Photos_preprocess_like_the_Vim_evaluation(string name)
    {
        float[] x = ImagePreprocessing.Preprocess(ImageLoader.Load(TestPng.Data(name + ".png")), PreprocessConfig.ImageNet);
        Assert.Equal(3 * 224 * 224, x.Length);
        byte[] raw = File.ReadAllBytes(TestPng.Data(name + "_norm_s7.f32"));
        Assert.Equal((x.Length + 6) / 7, raw.Length / 4);
        for (int i = 0; i < raw.Length / 4; i++)
        {
            float expected = BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(4 * i));
            Assert.True(Math.Abs(expected - x[i * 7]) <= 1e-6f, $"element {i * 7}: expected {expected}, got {x[i * 7]}");
        }
    }

    [Fact]
    public void Digit_pngs_reproduce_the_sample_tensors_bit_for_bit()
    {
        var (shape, images) = TestPng.ReadSafetensor(TestPng.Data("digits", "samples.safetensors"), "images");
        Assert.Equal([10, 3, 32, 32], shape);
        for (int d = 0; d < 10; d++)
        {
            var png = ImageLoader.Load(TestPng.Data("digits", $"digit_{d}.png"));
            Assert.Equal((32, 32, 1), (png.Width, png.Height, png.Channels));
            float[] x = ImagePreprocessing.Preprocess(png, PreprocessConfig.Digits);
            for (int i = 0; i < x.Length; i++)
            {
                float expected = images[d * 3072 + i];
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(x[i]),
                    $"digit {d}, element {i}: expected {expected}, got {x[i]}");
            }
        }
    }

    [Fact]
    public void Without_resize_the_image_must_have_the_input_size()
    {
        Assert.Throws<ArgumentException>(() => ImagePreprocessing.Preprocess(new Image(31, 32, 1), PreprocessConfig.Digits));
    }

    [Theory]
    [InlineData(300, 451, 256, 256, 384)]   // landscape: (h, w) = (256, int(256 * 451 / 300))
    [InlineData(451, 300, 256, 384, 256)]   // portrait
    [InlineData(100, 100, 256, 256, 256)]
    [InlineData(3, 1000, 256, 256, 85333)]  // int(256 * 1000 / 3) = 85333
    [InlineData(7, 10, 5, 5, 7)]            // int(5 * 10 / 7) = int(7.14)
    public void Shorter_side_size_follows_torchvision(int h, int w, int size, int eh, int ew)
    {
        Assert.Equal((eh, ew), ImagePreprocessing.ShorterSideSize(h, w, size));
    }

    [Fact]
    public void Scale_size_is_floor_of_input_over_crop_pct()
    {
        Assert.Equal((256, 0), PreprocessConfig.ImageNet.ScaleSize());
        Assert.Equal((438, 0), (PreprocessConfig.ImageNet with { InputHeight = 384, InputWidth = 384 }).ScaleSize());
        Assert.Equal((256, 292), (PreprocessConfig.ImageNet with { InputWidth = 256 }).ScaleSize());
    }

    [Theory]
    [InlineData(10, 10, 4, 3, 3)]   // (10-4)/2 = 3
    [InlineData(5, 6, 4, 0, 1)]     // top round(0.5) = 0 (half to even), left round(1.0) = 1
    [InlineData(7, 9, 4, 2, 2)]     // round(1.5) = 2, round(2.5) = 2
    public void Center_crop_uses_round_half_to_even(int h, int w, int crop, int top, int left)
    {
        var image = Gradient(w, h);
        var c = ImagePreprocessing.CenterCrop(image, crop, crop);
        Assert.Equal((crop, crop), (c.Width, c.Height));
        Assert.Equal(image[left, top, 0], c[0, 0, 0]);
        Assert.Equal(image[left, top, 1], c[0, 0, 1]);
    }

    [Fact]
    public void Center_crop_pads_with_zeros_like_torchvision()
    {
        var image = Gradient(3, 2);
        var c = ImagePreprocessing.CenterCrop(image, 5, 6); // pad left 1, right 2, top 1, bottom 2
        Assert.Equal((6, 5), (c.Width, c.Height));
        Assert.Equal(0, c[0, 0, 0]);
        Assert.Equal(image[0, 0, 0], c[1, 1, 0]);
        Assert.Equal(image[2, 1, 1], c[3, 2, 1]);
        Assert.Equal(0, c[4, 2, 0]);
    }

    [Fact]
    public void Normalisation_is_float32_torchvision_arithmetic()
    {
        var image = new Image(1, 1, 3, [0, 128, 255]);
        float[] x = ImagePreprocessing.ToNormalizedChw(image, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);
        Assert.Equal((0f / 255f - 0.485f) / 0.229f, x[0]);
        Assert.Equal((128f / 255f - 0.456f) / 0.224f, x[1]);
        Assert.Equal((255f / 255f - 0.406f) / 0.225f, x[2]);
    }

    [Fact]
    public void Rgb_conversion_replicates_gray_and_drops_alpha()
    {
        Assert.Equal(new byte[] { 9, 9, 9, 4, 4, 4 }, new Image(2, 1, 1, [9, 4]).ToRgb().Pixels);
        Assert.Equal(new byte[] { 9, 9, 9 }, new Image(1, 1, 2, [9, 200]).ToRgb().Pixels);
        Assert.Equal(new byte[] { 1, 2, 3 }, new Image(1, 1, 4, [1, 2, 3, 0]).ToRgb().Pixels);
    }

    [Fact]
    public void Same_size_resize_is_a_copy()
    {
        var image = Gradient(5, 4);
        var r = ImageResize.Resize(image, 5, 4);
        Assert.NotSame(image.Pixels, r.Pixels);
        Assert.Equal(image.Pixels, r.Pixels);
    }

    private static Image Gradient(int w, int h)
    {
        var px = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int o = (y * w + x) * 3;
                px[o] = (byte)(10 + x);
                px[o + 1] = (byte)(100 + y);
                px[o + 2] = 7;
            }
        }
        return new Image(w, h, 3, px);
    }

    private static void AssertPixelsEqual(Image expected, Image actual)
    {
        if (expected.Pixels.AsSpan().SequenceEqual(actual.Pixels)) return;
        int diffs = 0, first = -1;
        for (int i = 0; i < expected.Pixels.Length; i++)
        {
            if (expected.Pixels[i] != actual.Pixels[i])
            {
                diffs++;
                if (first < 0) first = i;
            }
        }
        int p = first / expected.Channels;
        Assert.Fail($"{diffs} samples differ; first at x={p % expected.Width}, y={p / expected.Width}, c={first % expected.Channels}: " +
            $"expected {expected.Pixels[first]}, got {actual.Pixels[first]}");
    }
}
