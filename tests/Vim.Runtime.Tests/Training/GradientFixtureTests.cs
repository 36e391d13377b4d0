using System.Text.Json;
using Vim.Runtime.Checkpoints;
using Vim.Runtime.Modules;
using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;
using Vim.Runtime.Tests.Fixtures;
using Vim.Runtime.Training;

namespace Vim.Runtime.Tests.Training;

/// <summary>
/// Every official gradient case (float64 autograd through the official model code): the loss within 1e-6 relative, and
/// every parameter gradient and the input gradient within 1e-5 · max|g| of that tensor.
/// </summary>
public class GradientFixtureTests
{
    public const double GradientBound = 1e-5;

    public static TheoryData<string> Cases => new(Directory.GetDirectories(Parity.DataPath("Training", "Data"))
        .Select(Path.GetFileName).Where(c => !c!.Contains("adamw", StringComparison.Ordinal)).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients_MatchTheOfficialFloat64Gradients(string fixture)
    {
        var (model, io, config) = Load(fixture);
        int[] labels = io["labels"].ToArray().Select(v => (int)v).ToArray();
        using var pass = model.ForwardTrain(io["input"], inputGradient: true);
        using var loss = new CrossEntropyLoss().Evaluate(pass.Logits, Targets.FromLabels(labels));
        double expectedLoss = config.GetProperty("loss").GetProperty("value_float64").GetDouble();
        Assert.True(Math.Abs(loss.Value - expectedLoss) <= 1e-6 * Math.Abs(expectedLoss), $"{fixture}: loss {loss.Value:R}, official {expectedLoss:R}");
        using (var smoothed = new CrossEntropyLoss(0.1).Evaluate(pass.Logits, Targets.FromLabels(labels)))
        {
            double expected = config.GetProperty("loss").GetProperty("label_smoothing_0p1_float64").GetDouble();
            Assert.True(Math.Abs(smoothed.Value - expected) <= 1e-6 * Math.Abs(expected), $"{fixture}: smoothed loss {smoothed.Value:R}, official {expected:R}");
        }

        using var dInput = pass.Backward(loss.Gradient);
        var maxAbs = config.GetProperty("grad_max_abs_float64");
        var report = new List<string>();
        void Check(string key, Tensor? actual)
        {
            Assert.True(actual is not null, $"{fixture}: no gradient reached '{key}'.");
            var expected = io["grad." + key];
            Assert.Equal(expected.Shape, actual!.Shape);
            double scale = maxAbs.GetProperty(key).GetDouble();
            double worst = MaxAbsDiff(actual.Span, expected.Span);
            report.Add($"{key}: {worst / Math.Max(scale, 1e-30):E1}");
            Assert.True(worst <= GradientBound * Math.Max(scale, 1e-12),
                $"{fixture}: gradient of '{key}' is {worst:E3} from the official one ({worst / scale:E2} of max|g| {scale:E3}; bound {GradientBound:E0}).");
        }

        foreach (var (key, parameter) in model.TrainableParameters()) Check(key, parameter.Grad);
        Check("input", dInput);
        Assert.Equal(model.TrainableParameters().Count() + 1, io.Keys.Count(k => k.StartsWith("grad.", StringComparison.Ordinal)));
        TestContext.Current.TestOutputHelper?.WriteLine($"{fixture}: {string.Join(", ", report)}");
    }

    internal static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double worst = 0;
        for (int i = 0; i < a.Length; i++) worst = Math.Max(worst, Math.Abs((double)a[i] - b[i]));
        return worst;
    }

    internal static (ImageModel Model, IReadOnlyDictionary<string, Tensor> Io, JsonElement Config) Load(string fixture)
    {
        string dir = Parity.DataPath("Training", "Data", fixture);
        var model = Models.Create("grad_" + fixture);
        model.LoadCheckpoint(Path.Combine(dir, "weights.safetensors"));
        model.Train();
        var io = File.Exists(Path.Combine(dir, "io.safetensors")) ? SafeTensors.Load(Path.Combine(dir, "io.safetensors")) : SafeTensors.Load(Path.Combine(dir, "trajectory.safetensors"));
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json"))).RootElement;
        return (model, io, config);
    }
}
