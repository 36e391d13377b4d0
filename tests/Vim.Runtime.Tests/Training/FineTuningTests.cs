using System.Text.Json;
using Vim.Runtime.Checkpoints;
using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;
using Vim.Runtime.Tests.Fixtures;
using Vim.Runtime.Training;

namespace Vim.Runtime.Tests.Training;

/// <summary>Fine-tuning from a checkpoint: the head of another size dropped, position embeddings resized as torch does, a linear probe.</summary>
public class FineTuningTests
{
    private static JsonElement TorchReference()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Parity.DataPath("Training", "Data", "torch_bicubic.json")));
        return doc.RootElement.Clone();
    }

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();

    /// <summary>The definition in float64: for each output pixel the 4×4 source taps and Keys' a = −0.75 weights.</summary>
    private static double[] Reference(float[] x, int c, int h, int w, int oh, int ow)
    {
        static double K(double d)
        {
            const double a = -0.75;
            d = Math.Abs(d);
            return d <= 1 ? (a + 2) * d * d * d - (a + 3) * d * d + 1 : d < 2 ? a * d * d * d - 5 * a * d * d + 8 * a * d - 4 * a : 0;
        }
        var y = new double[c * oh * ow];
        for (int ch = 0; ch < c; ch++)
        {
            for (int i = 0; i < oh; i++)
            {
                double sy = (i + 0.5) * h / oh - 0.5;
                for (int j = 0; j < ow; j++)
                {
                    double sx = (j + 0.5) * w / ow - 0.5;
                    double sum = 0;
                    for (int yy = (int)Math.Floor(sy) - 1; yy <= (int)Math.Floor(sy) + 2; yy++)
                    {
                        for (int xx = (int)Math.Floor(sx) - 1; xx <= (int)Math.Floor(sx) + 2; xx++)
                            sum += K(sy - yy) * K(sx - xx) * x[(ch * h + Math.Clamp(yy, 0, h - 1)) * w + Math.Clamp(xx, 0, w - 1)];
                    }
                    y[(ch * oh + i) * ow + j] = sum;
                }
            }
        }
        return y;
    }

    [Fact]
    public void Bicubic_MatchesItsDefinitionAndTorch()
    {
        foreach (var c in TorchReference().GetProperty("cases").EnumerateArray())
        {
            int ch = c.GetProperty("c").GetInt32(), h = c.GetProperty("h").GetInt32(), w = c.GetProperty("w").GetInt32();
            int oh = c.GetProperty("oh").GetInt32(), ow = c.GetProperty("ow").GetInt32();
            var input = Floats(c.GetProperty("input"));
            var ours = FineTuning.Bicubic(input, ch, h, w, oh, ow);
            var reference = Reference(input, ch, h, w, oh, ow);
            var torch = Floats(c.GetProperty("output"));
            for (int i = 0; i < ours.Length; i++)
            {
                Assert.True(Math.Abs(ours[i] - reference[i]) <= 1e-6 * (1 + Math.Abs(reference[i])), $"{h}x{w}→{oh}x{ow} [{i}]: {ours[i]} vs definition {reference[i]}");
                Assert.True(Math.Abs(ours[i] - torch[i]) <= 2e-6 * (1 + Math.Abs(torch[i])), $"{h}x{w}→{oh}x{ow} [{i}]: {ours[i]} vs torch {torch[i]}");
            }
        }
    }

    [Fact]
    public void DigitsCheckpoint_At48WithFiveClasses_DropsTheHeadAndResizesPosEmbedAsMainPyDoes()
    {
        var checkpoint = PthReader.Load(Parity.DataPath("Checkpoints", "Data", "digits.pth"));
        var model = Models.Create("vim_digits_patch8_32", overrides: new ModelOverrides { ImgSize = 48, NumClasses = 5, Seed = 3 });
        var freshHead = model.Find("head.weight").Value.ToArray();
        var report = FineTuning.LoadPretrained(model, checkpoint);

        Assert.Equal(["head.weight", "head.bias"], report.DroppedHead);
        var (key, from, to) = Assert.Single(report.Resized);
        Assert.Equal(("pos_embed", new Shape(1, 17, 64), new Shape(1, 37, 64)), (key, from, to));
        Assert.Equal(freshHead, model.Find("head.weight").Value.ToArray());
        Assert.Equal(checkpoint["layers.3.mixer.in_proj.weight"].ToArray(), model.Find("layers.3.mixer.in_proj.weight").Value.ToArray());

        var torch = Floats(TorchReference().GetProperty("digits_pos_embed_6x6"));
        var ours = model.Find("pos_embed").Value.ToArray();
        Assert.Equal(torch.Length, ours.Length);
        Assert.Equal(torch.AsSpan(0, 64).ToArray(), ours.AsSpan(0, 64).ToArray()); // the first row is kept as it is
        for (int i = 0; i < ours.Length; i++) Assert.True(Math.Abs(ours[i] - torch[i]) <= 2e-6, $"pos_embed[{i}]: {ours[i]} vs torch {torch[i]}");

        using var logits = model.Forward(EndToEndGradientTests.Random(new Shape(2, 3, 48, 48), 1));
        Assert.Equal(new Shape(2, 5), logits.Shape);
    }

    [Fact]
    public void AnotherArchitecture_IsRefusedWithItsMismatches()
    {
        var checkpoint = PthReader.Load(Parity.DataPath("Checkpoints", "Data", "digits.pth"));
        var model = Models.Create("train_vim_droppath_dropout");
        var before = model.StateDict().SelectMany(p => p.Value.ToArray()).ToArray();
        var e = Assert.Throws<CheckpointMismatchException>(() => FineTuning.LoadPretrained(model, checkpoint));
        Assert.Contains("patch_embed.proj.weight", e.Message);
        Assert.Equal(before, model.StateDict().SelectMany(p => p.Value.ToArray()).ToArray());
    }

    [Fact]
    public void LinearProbe_TrainsTheHeadOnly()
    {
        var model = Models.Create("train_vim_droppath_dropout", overrides: new ModelOverrides { Seed = 2 });
        Assert.Equal(["head.weight", "head.bias"], FineTuning.FreezeAllButHead(model));
        var before = model.StateDict().ToDictionary(p => p.Key, p => p.Value.ToArray());
        var optimizer = new AdamW(ParameterGroup.Official(model, 0.05), 1e-2);
        Assert.Equal(2, optimizer.Parameters.Count());
        var trainer = new Trainer(model.Train(), optimizer, new CrossEntropyLoss());
        var images = EndToEndGradientTests.Random(new Shape(4, 3, 16, 16), 3);
        trainer.Step(images, Targets.FromLabels([0, 1, 2, 3]));
        foreach (var (k, v) in model.StateDict())
        {
            bool changed = !before[k].AsSpan().SequenceEqual(v.ToArray());
            Assert.True(changed == k.StartsWith("head.", StringComparison.Ordinal), $"{k} changed: {changed}");
        }
    }
}
