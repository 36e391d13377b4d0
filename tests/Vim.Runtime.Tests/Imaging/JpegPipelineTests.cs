using System.Buffers.Binary;
using Vim.Runtime.Imaging;
using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;
using Vim.Runtime.Tests.Fixtures;

namespace Vim.Runtime.Tests.Imaging;

/// <summary>
/// JPEG files through our whole input pipeline (decode, resize, crop, normalise) against the official evaluation's
/// (PIL decode, torchvision transforms), and the trained digits model's top-1 on JPEG digits through both.
/// </summary>
public sealed class JpegPipelineTests
{
    // Two decoders may differ by up to two levels per sample (the IDCT's and upsampling's rounding). The bicubic resize
    // to 256 weighs 4×4 samples with lobes whose absolute weights sum to ≈ 1.5 in two dimensions, so a resized pixel
    // can move by three levels: 3 / 255 / 0.224 ≈ 0.053 after ImageNet normalisation. On average they are within a
    // tenth of a level.
    private const float MaxDifference = 3f / 255f / 0.224f + 1e-6f;
    private const double MeanDifference = 0.15 / 255 / 0.224;

    [Theory]
    [InlineData("chelsea")]
    [InlineData("coffee")]
    public void PhotoAsJpeg_PreprocessesLikeTheOfficialEvaluation(string name)
    {
        float[] x = ImagePreprocessing.Preprocess(ImageLoader.Load(TestPng.Data(name + ".jpg")), PreprocessConfig.ImageNet);
        byte[] raw = File.ReadAllBytes(TestPng.Data(name + "_jpg_norm_s7.f32"));
        Assert.Equal((x.Length + 6) / 7, raw.Length / 4);
        double sum = 0;
        float max = 0;
        for (int i = 0; i < raw.Length / 4; i++)
        {
            float d = Math.Abs(BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(4 * i)) - x[i * 7]);
            sum += d;
            max = Math.Max(max, d);
        }
        double mean = sum / (raw.Length / 4);
        TestContext.Current.TestOutputHelper?.WriteLine($"{name}.jpg: max |ours − PIL pipeline| {max:E2}, mean {mean:E2}");
        Assert.True(max <= MaxDifference, $"{name}.jpg: an element differs by {max} from the PIL pipeline (bound {MaxDifference})");
        Assert.True(mean <= MeanDifference, $"{name}.jpg: mean difference {mean} from the PIL pipeline (bound {MeanDifference})");
    }

    /// <summary>
    /// vim_tiny (fresh weights: no ImageNet-trained checkpoint is reachable here) on both photos as JPEG, preprocessed by
    /// us and by the official evaluation (its crop from PIL, then ToTensor and Normalize): the same top-5, in order.
    /// </summary>
    [Fact]
    public void PhotosAsJpeg_GetTheTop5OfTheOfficialPreprocessing()
    {
        var model = Models.Create("vim_tiny_patch16_224");
        float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
        var ours = new List<float>();
        var official = new List<float>();
        foreach (var name in new[] { "chelsea", "coffee" })
        {
            ours.AddRange(ImagePreprocessing.Preprocess(ImageLoader.Load(TestPng.Data(name + ".jpg")), PreprocessConfig.ImageNet));
            byte[] crop = File.ReadAllBytes(TestPng.Data(name + "_jpg_crop224.rgb"));   // (224, 224, 3)
            for (int c = 0; c < 3; c++)
            {
                for (int p = 0; p < 224 * 224; p++) official.Add((crop[p * 3 + c] / 255f - mean[c]) / std[c]);
            }
        }
        using var a = Tensor.FromArray(ours.ToArray(), 2, 3, 224, 224);
        using var b = Tensor.FromArray(official.ToArray(), 2, 3, 224, 224);
        using var la = model.Forward(a);
        using var lb = model.Forward(b);
        var x = la.ToArray();
        var y = lb.ToArray();
        for (int i = 0; i < 2; i++)
        {
            int[] Top5(float[] v) => Enumerable.Range(0, 1000).OrderByDescending(k => v[i * 1000 + k]).Take(5).ToArray();
            Assert.Equal(Top5(y), Top5(x));
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"photos as JPEG, vim_tiny logits: ours vs official preprocessing {Parity.RelativeL2(x, y):E2} relative");
    }

    [Fact]
    public void DigitsAsJpeg_GetTheOfficialTop1()
    {
        var model = Models.Create("vim_digits_patch8_32");
        model.LoadCheckpoint(Parity.DataPath("Checkpoints", "Data", "digits.pth"));
        var rows = File.ReadAllLines(TestPng.Data("digits_jpeg", "official_top1.tsv")).Skip(1).Select(l => l.Split('\t')).ToList();
        Assert.Equal(360, rows.Count);
        var images = new float[rows.Count * 3 * 32 * 32];
        for (int i = 0; i < rows.Count; i++)
        {
            var x = ImagePreprocessing.Preprocess(ImageLoader.Load(TestPng.Data("digits_jpeg", rows[i][0])), PreprocessConfig.Digits);
            x.CopyTo(images, i * x.Length);
        }
        using var batch = Tensor.FromArray(images, rows.Count, 3, 32, 32);
        using var logits = model.Forward(batch);
        var values = logits.ToArray();
        int agree = 0, correct = 0;
        var disagreements = new List<string>();
        for (int i = 0; i < rows.Count; i++)
        {
            int top1 = Array.IndexOf(values, values.AsSpan(i * 10, 10).ToArray().Max(), i * 10, 10) - i * 10;
            if (top1 == int.Parse(rows[i][2])) agree++;
            else disagreements.Add($"{rows[i][0]}: ours {top1}, official {rows[i][2]}");
            if (top1 == int.Parse(rows[i][1])) correct++;
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"JPEG digits: top-1 equal to the official pipeline's on {agree}/{rows.Count}; correct {correct}/{rows.Count}");
        Assert.True(agree == rows.Count, $"top-1 differs from the official pipeline's on {rows.Count - agree} JPEGs: {string.Join("; ", disagreements)}");
    }
}
