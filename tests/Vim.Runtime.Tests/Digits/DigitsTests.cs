using Vim.Runtime.Checkpoints;
using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;
using Vim.Runtime.Tests.Fixtures;

namespace Vim.Runtime.Tests.Digits;

/// <summary>The trained digits Vim over its whole test set: the official accuracy and logits.</summary>
public class DigitsTests
{
    private static readonly Lazy<IReadOnlyDictionary<string, Tensor>> TestSet = new(() => SafeTensors.Load(Parity.DataPath("Digits", "Data", "test.safetensors")));

    [Fact]
    public void Preprocessing_ReproducesTheStoredImagesBitForBit()
    {
        var images = TestSet.Value["images"].Span;
        float[] ours = Preprocess(TestSet.Value["raw"].Span[..(32 * 64)], 32);
        Assert.Equal(images.ToArray(), ours);
    }

    [Fact]
    public void WholeTestSet_MatchesOfficialAccuracyAndLogits()
    {
        var model = Models.Create("vim_digits_patch8_32");
        model.LoadCheckpoint(Parity.DataPath("Checkpoints", "Data", "digits.pth"));
        var raw = TestSet.Value["raw"].Span;
        var labels = TestSet.Value["labels"].Span;
        var expected = TestSet.Value["logits"].Span;
        int count = labels.Length;

        using var input = Tensor.FromArray(Preprocess(raw, count), count, 3, 32, 32);
        using var logits = model.Forward(input);
        Assert.Equal(new Shape(count, 10), logits.Shape);
        double error = Parity.RelativeL2(logits.Span, expected);
        Assert.True(error <= Parity.Bound, $"digits logits are {error:E2} from the official numbers");

        int correct = 0, agree = 0;
        for (int i = 0; i < count; i++)
        {
            int ours = ArgMax(logits.Span.Slice(i * 10, 10));
            if (ours == (int)labels[i]) correct++;
            if (ours == ArgMax(expected.Slice(i * 10, 10))) agree++;
        }
        Assert.Equal(count, agree);
        Assert.Equal(356, correct); // 356 / 360 = 98.89 %, the official accuracy
        TestContext.Current.TestOutputHelper?.WriteLine($"digits: {correct}/{count} correct, logits rel L2 {error:E2}");
    }

    [Fact]
    public void CheckpointLoadedAfterAPass_ReplacesTheWeightsTheBackendDerived()
    {
        // The first pass packs the fresh weights and computes −exp(A_log); the load must invalidate both.
        var model = Models.Create("vim_digits_patch8_32");
        const int count = 8;
        using var input = Tensor.FromArray(Preprocess(TestSet.Value["raw"].Span, count), count, 3, 32, 32);
        model.Forward(input).Dispose();
        model.LoadCheckpoint(Parity.DataPath("Checkpoints", "Data", "digits.pth"));
        using var logits = model.Forward(input);
        double error = Parity.RelativeL2(logits.Span, TestSet.Value["logits"].Span[..(count * 10)]);
        Assert.True(error <= Parity.Bound, $"after a pass on fresh weights, the loaded checkpoint's logits are {error:E2} from the official numbers");
    }

    /// <summary>shared/data/digits/README.md: x = raw/16, 8×8 → 32×32 nearest, 3 channels, (x − 0.5)/0.5, all in float32.</summary>
    private static float[] Preprocess(ReadOnlySpan<float> raw, int count)
    {
        var result = new float[count * 3 * 32 * 32];
        for (int n = 0; n < count; n++)
        {
            for (int c = 0; c < 3; c++)
            {
                for (int i = 0; i < 32; i++)
                {
                    for (int j = 0; j < 32; j++)
                    {
                        float x = raw[n * 64 + (i / 4) * 8 + j / 4] / 16f;
                        result[((n * 3 + c) * 32 + i) * 32 + j] = (x - 0.5f) / 0.5f;
                    }
                }
            }
        }
        return result;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
