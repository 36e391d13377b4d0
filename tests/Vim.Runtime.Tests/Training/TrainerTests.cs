using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;
using Vim.Runtime.Training;

namespace Vim.Runtime.Tests.Training;

/// <summary>The training step as a user drives it: loss falls, runs repeat, accumulation and checkpointing change nothing, bad calls are refused clearly.</summary>
public class TrainerTests
{
    private static (Tensor Images, Targets Labels) Batch(int size, int seed)
    {
        var images = EndToEndGradientTests.Random(new Shape(size, 3, 16, 16), seed);
        return (images, Targets.FromLabels(Enumerable.Range(0, size).Select(i => (i + seed) % 5).ToArray()));
    }

    private static Trainer NewTrainer(string model, int seed, TrainerOptions? options = null)
    {
        var m = Models.Create(model, overrides: new ModelOverrides { Seed = seed });
        m.Train();
        return new Trainer(m, new AdamW(ParameterGroup.Official(m, 0.05), 3e-3), new CrossEntropyLoss(0.1), options);
    }

    [Fact]
    public void RepeatedSteps_LowerTheLossOnAFixedBatch()
    {
        var trainer = NewTrainer("train_vim_droppath_dropout", seed: 1, new TrainerOptions { ClipGradNorm = 5, Seed = 7 });
        var (images, labels) = Batch(4, 1);
        var losses = Enumerable.Range(0, 25).Select(_ => trainer.Step(images, labels).Loss).ToList();
        Assert.True(losses.Skip(20).Average() < 0.7 * losses.Take(5).Average(), $"loss did not fall: {string.Join(", ", losses.Select(l => l.ToString("F3")))}");
    }

    [Fact]
    public void SameSeed_GivesBitIdenticalRuns()
    {
        float[] Run()
        {
            var trainer = NewTrainer("train_vim_droppath_dropout", seed: 2, new TrainerOptions { Seed = 3 });
            for (int s = 0; s < 3; s++)
            {
                var (images, labels) = Batch(3, s);
                trainer.Step(images, labels);
            }
            return trainer.Model.StateDict().SelectMany(p => p.Value.ToArray()).ToArray();
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void DropPath_IsActiveInTrainingModeOnly()
    {
        var model = Models.Create("train_vim_droppath_dropout", overrides: new ModelOverrides { Seed = 4 });
        var (images, _) = Batch(4, 2);
        using var eval = model.Forward(images);
        model.Train();
        using var a = model.ForwardTrain(images, seed: 1);
        using var b = model.ForwardTrain(images, seed: 2);
        Assert.NotEqual(eval.ToArray(), a.Logits.ToArray());
        Assert.NotEqual(a.Logits.ToArray(), b.Logits.ToArray());
        model.Eval();
        using var c = model.ForwardTrain(images, seed: 1);
        Assert.True(Fixtures.Parity.RelativeL2(c.Logits.Span, eval.Span) <= 1e-6);
    }

    [Fact]
    public void GradientCheckpointing_GivesTheSameGradients()
    {
        foreach (string name in new[] { "train_vim_bidir_rope", "train_vim_droppath_dropout", "grad_vim_v1_clshead_b2", "train_vmamba_posembed_droppath", "fixture_declared_cnorm" })
        {
            var model = Models.Create(name, overrides: new ModelOverrides { Seed = 5, ImgSize = name.StartsWith("fixture_", StringComparison.Ordinal) ? 32 : null });
            model.Train();
            var info = model.Info;
            int side = name.StartsWith("fixture_", StringComparison.Ordinal) ? 32 : info.ImgHeight;
            using var images = EndToEndGradientTests.Random(new Shape(2, 3, side, name.StartsWith("fixture_", StringComparison.Ordinal) ? 32 : info.ImgWidth), 3);
            float[] Gradients(bool checkpointing)
            {
                model.ZeroGrad();
                model.GradientCheckpointing = checkpointing;
                using var pass = model.ForwardTrain(images, seed: 9);
                using var loss = new CrossEntropyLoss().Evaluate(pass.Logits, EndToEndGradientTests.LabelsFor(pass.Logits));
                pass.Backward(loss.Gradient);
                return model.TrainableParameters().SelectMany(p => p.Value.Grad!.ToArray()).ToArray();
            }
            Assert.Equal(Gradients(false), Gradients(true));
        }
    }

    [Fact]
    public void Accumulation_OfTwoHalves_EqualsOneBatch()
    {
        var whole = NewTrainer("train_vim_nocls_max", seed: 6);
        var halves = NewTrainer("train_vim_nocls_max", seed: 6, new TrainerOptions { AccumulationSteps = 2 });
        var (images, labels) = Batch(4, 5);
        whole.Step(images, labels);
        int[] l = labels.Labels!;
        var first = halves.Step(Slice(images, 0, 2), Targets.FromLabels(l[..2]));
        var second = halves.Step(Slice(images, 2, 2), Targets.FromLabels(l[2..]));
        Assert.False(first.Updated);
        Assert.True(second.Updated);
        var a = whole.Model.StateDict().SelectMany(p => p.Value.ToArray()).ToArray();
        var b = halves.Model.StateDict().SelectMany(p => p.Value.ToArray()).ToArray();
        Assert.True(Fixtures.Parity.RelativeL2(b, a) <= 1e-5, $"accumulated run differs by {Fixtures.Parity.RelativeL2(b, a):E2}");
    }

    private static Tensor Slice(Tensor x, int start, int count)
    {
        int size = (int)(x.Numel / x.Shape[0]);
        var dims = x.Shape.ToArray();
        dims[0] = count;
        return Tensor.FromArray(x.Span.Slice(start * size, count * size).ToArray(), dims);
    }

    [Fact]
    public void NonFiniteLoss_IsNamedWithItsStep_AndChangesNothing()
    {
        var trainer = NewTrainer("train_vim_nocls_max", seed: 7);
        var (images, labels) = Batch(2, 1);
        trainer.Step(images, labels);
        var before = trainer.Model.StateDict().SelectMany(p => p.Value.ToArray()).ToArray();
        images.Span[5] = float.NaN;
        var error = Assert.Throws<NonFiniteLossException>(() => trainer.Step(images, labels));
        Assert.Equal(2, error.Step);
        Assert.Contains("step 2", error.Message);
        Assert.Equal(before, trainer.Model.StateDict().SelectMany(p => p.Value.ToArray()).ToArray());
    }

    [Fact]
    public void BadCalls_AreRefusedWithWhatWasWrong()
    {
        var model = Models.Create("train_vim_nocls_max");
        var other = Models.Create("train_vim_nocls_max");
        var foreign = new AdamW(ParameterGroup.Official(other, 0.05));
        var error = Assert.Throws<ArgumentException>(() => new Trainer(model, foreign, new CrossEntropyLoss()));
        Assert.Contains("not a parameter of train_vim_nocls_max", error.Message);

        var (images, labels) = Batch(2, 1);
        var pass = model.ForwardTrain(images);
        using (var wrong = Tensor.Zeros(3, 5)) Assert.Contains("the logits are (2, 5)", Assert.Throws<ArgumentException>(() => pass.Backward(wrong)).Message);
        using (var loss = new CrossEntropyLoss().Evaluate(pass.Logits, labels))
        {
            pass.Backward(loss.Gradient);
            Assert.Contains("already backpropagated", Assert.Throws<InvalidOperationException>(() => pass.Backward(loss.Gradient)).Message);
        }
        pass.Dispose();
        var disposed = model.ForwardTrain(images);
        disposed.Dispose();
        using (var g = Tensor.Zeros(2, 5)) Assert.Contains("disposed before its backward pass", Assert.Throws<InvalidOperationException>(() => disposed.Backward(g)).Message);

        Assert.Contains("label 7 of row 1", Assert.Throws<ArgumentException>(() => new CrossEntropyLoss().Evaluate(Tensor.Zeros(2, 5), Targets.FromLabels(0, 7))).Message);
        Assert.Contains("3 targets for 2 rows", Assert.Throws<ArgumentException>(() => new CrossEntropyLoss().Evaluate(Tensor.Zeros(2, 5), Targets.FromLabels(0, 1, 2))).Message);
        using var wrongImages = Tensor.Zeros(2, 3, 8, 8);
        Assert.ThrowsAny<Exception>(() => model.ForwardTrain(wrongImages));
        Assert.Contains("no parameter 'layers.0.mixer.A_logs'", Assert.Throws<KeyNotFoundException>(() => model.Gradient("layers.0.mixer.A_logs")).Message);
    }

    [Fact]
    public void Gradients_AreInspectableByName_AfterAStep()
    {
        var trainer = NewTrainer("train_vim_nocls_max", seed: 8);
        var (images, labels) = Batch(2, 3);
        trainer.Step(images, labels);
        var g = trainer.Model.Gradient("layers.1.mixer.A_log");
        Assert.NotNull(g);
        Assert.Equal(trainer.Model.Find("layers.1.mixer.A_log").Shape, g!.Shape);
        Assert.Contains(g.ToArray(), v => v != 0);
    }

    [Fact]
    public void FrozenParameters_GetNoGradientAndStayPut()
    {
        var model = Models.Create("train_vim_nocls_max", overrides: new ModelOverrides { Seed = 9 });
        int frozen = model.SetRequiresGrad("layers.", false);
        Assert.True(frozen > 0);
        var optimizer = new AdamW(ParameterGroup.Official(model, 0.05), 1e-2);
        var trainer = new Trainer(model, optimizer, new CrossEntropyLoss());
        var before = model.Find("layers.0.mixer.in_proj.weight").Value.ToArray();
        var (images, labels) = Batch(2, 4);
        trainer.Step(images, labels);
        Assert.Null(model.Gradient("layers.0.mixer.in_proj.weight"));
        Assert.Equal(before, model.Find("layers.0.mixer.in_proj.weight").Value.ToArray());
        Assert.NotNull(model.Gradient("head.weight"));
    }
}
