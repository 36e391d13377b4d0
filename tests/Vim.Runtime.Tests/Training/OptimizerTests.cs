using Vim.Dsl;
using Vim.Runtime.Modules;
using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;
using Vim.Runtime.Training;

namespace Vim.Runtime.Tests.Training;

/// <summary>SGD, AdamW's state, clipping, the cosine schedule and the EMA against their definitions, evaluated here in double.</summary>
public class OptimizerTests
{
    private static (ImageModel Model, List<KeyValuePair<string, Parameter>> Parameters) ModelWithGradients(int seed)
    {
        var model = Models.Create("train_vim_nocls_max", overrides: new ModelOverrides { Seed = seed });
        var rng = new Random(seed);
        foreach (var (_, p) in model.TrainableParameters())
        {
            var g = p.GradForAccumulation().Span;
            for (int i = 0; i < g.Length; i++) g[i] = (float)(rng.NextDouble() * 2 - 1);
        }
        return (model, model.TrainableParameters().ToList());
    }

    [Theory]
    [InlineData(0.0, 0.0, false, 0.0)]
    [InlineData(0.9, 0.0, false, 1e-2)]
    [InlineData(0.9, 0.1, false, 0.0)]
    [InlineData(0.9, 0.0, true, 5e-3)]
    public void Sgd_FollowsTorchsUpdateRule(double momentum, double dampening, bool nesterov, double weightDecay)
    {
        var (model, parameters) = ModelWithGradients(seed: 1);
        var p0 = parameters.Select(p => p.Value.Value.ToArray().Select(v => (double)v).ToArray()).ToList();
        var gradients = parameters.Select(p => p.Value.Grad!.ToArray()).ToList();
        var sgd = new Sgd([new ParameterGroup(parameters, weightDecay)], learningRate: 0.1, momentum, dampening, nesterov);
        var buffers = p0.Select(p => new double[p.Length]).ToList();
        for (int step = 0; step < 3; step++)
        {
            sgd.Step();
            for (int t = 0; t < p0.Count; t++)
            {
                for (int i = 0; i < p0[t].Length; i++)
                {
                    double g = gradients[t][i] + weightDecay * p0[t][i];
                    if (momentum > 0)
                    {
                        buffers[t][i] = step == 0 ? g : momentum * buffers[t][i] + (1 - dampening) * g;
                        g = nesterov ? g + momentum * buffers[t][i] : buffers[t][i];
                    }
                    p0[t][i] -= 0.1 * g;
                }
                var actual = parameters[t].Value.Value.ToArray();
                for (int i = 0; i < actual.Length; i++) Assert.True(Math.Abs(actual[i] - p0[t][i]) <= 1e-5 * (1 + Math.Abs(p0[t][i])), $"{parameters[t].Key}[{i}] step {step}");
            }
        }
        Assert.Equal(3, sgd.StepCount);
        _ = model;
    }

    [Fact]
    public void AdamW_ResumedFromItsState_ContinuesBitIdentically()
    {
        var (a, pa) = ModelWithGradients(seed: 2);
        var (b, pb) = ModelWithGradients(seed: 2);
        var first = new AdamW(ParameterGroup.Official(a, 0.05), 1e-2);
        first.Step();
        first.Step();
        // b resumes from a's parameters and optimizer state after two steps.
        b.LoadStateDict(a.StateDict().ToDictionary(p => p.Key, p => p.Value));
        var second = new AdamW(ParameterGroup.Official(b, 0.05), 1e-2);
        second.LoadState(first.State().ToDictionary(p => p.Key, p => p.Value), first.StepCount);
        first.Step();
        second.Step();
        for (int t = 0; t < pa.Count; t++) Assert.Equal(pa[t].Value.Value.ToArray(), pb[t].Value.Value.ToArray());
    }

    [Fact]
    public void Optimizers_RefuseBadSettingsAndBuffers()
    {
        var (model, parameters) = ModelWithGradients(seed: 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW([new ParameterGroup(parameters, 0)], beta1: 1.0));
        Assert.Throws<ArgumentException>(() => new Sgd([new ParameterGroup(parameters, 0)], 0.1, momentum: 0, nesterov: true));
        Assert.Throws<ArgumentException>(() => new AdamW([new ParameterGroup(parameters, 0), new ParameterGroup(parameters.Take(1), 0)]));
        var rope = Models.Create("train_vim_bidir_rope");
        var buffer = rope.NamedParameters().First(p => p.Value.IsBuffer);
        var error = Assert.Throws<ArgumentException>(() => new ParameterGroup([buffer], 0));
        Assert.Contains(buffer.Key, error.Message);
        _ = model;
    }

    [Fact]
    public void ClipByGlobalNorm_ScalesToTheLimitOnlyAboveIt()
    {
        var (_, parameters) = ModelWithGradients(seed: 4);
        var ps = parameters.Select(p => p.Value).ToList();
        double norm = Math.Sqrt(ps.Sum(p => p.Grad!.ToArray().Sum(v => (double)v * v)));
        Assert.Equal(norm, GradientClipping.GlobalNorm(ps), 6);
        var before = ps.Select(p => p.Grad!.ToArray()).ToList();
        Assert.Equal(norm, GradientClipping.ClipByGlobalNorm(ps, norm * 2), 6);
        Assert.Equal(before[0], ps[0].Grad!.ToArray());
        GradientClipping.ClipByGlobalNorm(ps, 1.0);
        Assert.Equal(1.0, GradientClipping.GlobalNorm(ps), 4);
        double scale = 1.0 / (norm + 1e-6);
        Assert.Equal(before[1][0] * scale, ps[1].Grad!.Span[0], 5);
    }

    [Fact]
    public void CosineSchedule_MatchesTimmsFormula()
    {
        var s = new CosineSchedule(baseLr: 5e-4, total: 300, minLr: 1e-5, warmupT: 5, warmupLr: 1e-6);
        for (int t = 0; t <= 310; t++)
        {
            double expected = t < 5 ? 1e-6 + t * (5e-4 - 1e-6) / 5
                : t >= 300 ? 1e-5
                : 1e-5 + 0.5 * (5e-4 - 1e-5) * (1 + Math.Cos(Math.PI * t / 300));
            Assert.Equal(expected, s.At(t), 15);
        }
        Assert.True(s.At(5) < 5e-4 && s.At(4) < s.At(5), "timm's cosine runs during the warmup's span, so the peak is never reached exactly");
    }

    [Fact]
    public void ModelEma_AveragesEveryStateDictEntry()
    {
        var model = Models.Create("train_vim_nocls_max", overrides: new ModelOverrides { Seed = 5 });
        var start = model.StateDict().Select(p => p.Value.ToArray()).ToList();
        var ema = new ModelEma(model, decay: 0.9);
        EndToEndGradientTests.Perturb(model, seed: 6);
        var now = model.StateDict().Select(p => p.Value.ToArray()).ToList();
        ema.Update();
        var averaged = ema.StateDict();
        for (int t = 0; t < start.Count; t++)
        {
            var a = averaged[t].Value.ToArray();
            for (int i = 0; i < a.Length; i++)
            {
                double expected = 0.9 * start[t][i] + 0.1 * now[t][i];
                Assert.True(Math.Abs(a[i] - expected) <= 1e-6 * (1 + Math.Abs(expected)), $"entry {t}[{i}]: {a[i]} vs {expected}");
            }
        }
        var copy = Models.Create("train_vim_nocls_max");
        ema.CopyTo(copy);
        Assert.Equal(averaged[0].Value.ToArray(), copy.StateDict()[0].Value.ToArray());
    }
}
