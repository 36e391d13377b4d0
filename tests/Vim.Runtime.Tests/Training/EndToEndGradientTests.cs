using Vim.Runtime.Modules;
using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;
using Vim.Runtime.Training;

namespace Vim.Runtime.Tests.Training;

/// <summary>
/// Whole-model gradients of test-declared variants against central differences of the loss, perturbing parameters
/// and input pixels: the loss is recomputed by a training forward with the same seed, so drop-path and dropout draw
/// the same masks. float32 forwards, so the step is 1e-3 and the tolerance 2 % of the largest gradient of the tensor.
/// </summary>
public class EndToEndGradientTests
{
    private static readonly (string Name, bool Training)[] Declared =
    [
        ("train_vim_bidir_rope", false),
        ("train_vim_doublecls_ln_scale", false),
        ("train_vim_nocls_all_v1", false),
        ("train_vim_nocls_max", false),
        ("train_vim_overlap_nonsquare", false),
        ("train_vim_droppath_dropout", true),
        ("train_vmamba_posembed_droppath", true),
        // VMamba's declared components (generated SS2D/MLP/block) and the same options on the runtime's modules
        ("fixture_declared_cnorm", false),
        ("fixture_options_cnorm", false),
        ("fixture_declared_softmax", false),
        ("fixture_options_softmax", false),
        ("fixture_declared_dwconv", false),
        ("fixture_options_dwconv", false),
        ("fixture_declared_mlponly", false),
        ("fixture_declared_sigmoid", false),
        ("fixture_options_sigmoid", false),
        ("fixture_declared_vmamba_v05_zgate_defaults", false),
        ("fixture_declared_vmamba_v0_ds1", false),
    ];

    // VMamba runs at any size of at least one patch: these small maps keep the differences fast.
    private static ModelOverrides Small(string name, int seed) =>
        name.Contains("vmamba", StringComparison.Ordinal) && !name.StartsWith("train_", StringComparison.Ordinal) || name.StartsWith("fixture_", StringComparison.Ordinal)
            ? new ModelOverrides { Seed = seed, ImgSize = 32 }
            : new ModelOverrides { Seed = seed };

    public static TheoryData<string, bool> Variants
    {
        get
        {
            var data = new TheoryData<string, bool>();
            foreach (var (name, training) in Declared) data.Add(name, training);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Gradients_AgreeWithCentralDifferences(string name, bool training)
    {
        var overrides = Small(name, 3);
        var model = Models.Create(name, overrides: overrides);
        Perturb(model, seed: 11);
        model.Train(training);
        var info = model.Info;
        using var images = Random(new Shape(2, info.Channels, overrides.ImgHeight ?? info.ImgHeight, overrides.ImgWidth ?? info.ImgWidth), seed: 5);
        const int Seed = 42;
        Targets targets;
        using (var probe = model.ForwardTrain(images, Seed)) targets = LabelsFor(probe.Logits);
        var loss = new CrossEntropyLoss();
        Tensor? dImages;
        using (var pass = model.ForwardTrain(images, Seed, inputGradient: true))
        using (var value = loss.Evaluate(pass.Logits, targets))
        {
            dImages = pass.Backward(value.Gradient);
        }

        double Loss()
        {
            using var pass = model.ForwardTrain(images, Seed);
            using var value = loss.Evaluate(pass.Logits, targets);
            return value.Value;
        }

        foreach (var (key, parameter) in model.TrainableParameters())
        {
            var grad = parameter.Grad ?? throw new Xunit.Sdk.XunitException($"{name}: no gradient reached '{key}'.");
            CheckEntries($"{name} {key}", parameter.Value, grad, () => { parameter.MarkChanged(); return Loss(); });
        }
        CheckEntries($"{name} input", images, dImages!, Loss);
        dImages!.Dispose();
    }

    [Fact]
    public void TrainingForwardInEvalMode_EqualsTheInferenceForward()
    {
        foreach (var (name, _) in Declared)
        {
            var overrides = Small(name, 1);
            var model = Models.Create(name, overrides: overrides);
            var info = model.Info;
            using var images = Random(new Shape(3, info.Channels, overrides.ImgHeight ?? info.ImgHeight, overrides.ImgWidth ?? info.ImgWidth), seed: 2);
            using var logits = model.Forward(images);
            using var pass = model.ForwardTrain(images);
            Assert.Equal(logits.Shape, pass.Logits.Shape);
            Assert.True(Fixtures.Parity.RelativeL2(pass.Logits.Span, logits.Span) <= 1e-6, $"{name}: the training forward differs from the inference forward.");
        }
    }

    /// <summary>
    /// Directional derivatives of the loss along the tensor's gradient and along a random ±1 direction, against central
    /// differences: ∂L/∂(θ + t·d) at t = 0 is g·d. Whole tensors at once, so every entry takes part and the signal is the
    /// gradient's norm, far above the float32 forward's difference-quotient noise (≈ 2e-4 at this step).
    /// </summary>
    private static void CheckEntries(string what, Tensor value, Tensor grad, Func<double> loss)
    {
        var g = grad.Span.ToArray();
        double norm = Math.Sqrt(g.Sum(v => (double)v * v));
        if (norm == 0) return;  // a tensor the loss does not reach (e.g. a head-cls unidirectional model's patch path)
        var rng = new Random(what.Length);
        var alongGradient = g.Select(v => (float)(v / norm)).ToArray();
        var random = g.Select(_ => (float)((rng.Next(2) * 2 - 1) / Math.Sqrt(g.Length))).ToArray();
        foreach (var (direction, label) in new[] { (alongGradient, "along the gradient"), (random, "along a random direction") })
        {
            double expected = 0;
            for (int i = 0; i < g.Length; i++) expected += (double)g[i] * direction[i];
            const float H = 1e-3f;
            var keep = value.Span.ToArray();
            Shift(value, keep, direction, H);
            double plus = loss();
            Shift(value, keep, direction, -H);
            double minus = loss();
            keep.CopyTo(value.Span);
            loss();
            double fd = (plus - minus) / (2 * H);
            Assert.True(Math.Abs(fd - expected) <= 2e-2 * norm + 3e-4, $"{what} {label}: g·d = {expected:E4}, central difference {fd:E4} (‖g‖ {norm:E3}).");
        }
    }

    private static void Shift(Tensor value, float[] origin, float[] direction, float step)
    {
        var v = value.Span;
        for (int i = 0; i < v.Length; i++) v[i] = origin[i] + step * direction[i];
    }

    internal static Targets LabelsFor(Tensor logits)
    {
        int classes = logits.Shape[^1];
        int rows = (int)(logits.Numel / classes);
        return Targets.FromLabels(Enumerable.Range(0, rows).Select(r => (r * 7 + 3) % classes).ToArray());
    }

    /// <summary>Moves every weight off its symmetric initial value, as the official fixtures do, so no gradient vanishes by symmetry.</summary>
    internal static void Perturb(Module model, int seed)
    {
        var rng = new Random(seed);
        foreach (var (_, p) in model.TrainableParameters())
        {
            var s = p.Value.Span;
            for (int i = 0; i < s.Length; i++) s[i] += (float)(0.05 * (rng.NextDouble() * 2 - 1));
            p.MarkChanged();
        }
    }

    internal static Tensor Random(Shape shape, int seed)
    {
        var rng = new Random(seed);
        var data = new float[shape.Numel];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        return Tensor.FromArray(data, shape.ToArray());
    }
}
