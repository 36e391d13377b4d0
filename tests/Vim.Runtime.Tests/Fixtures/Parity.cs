using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Tests.Fixtures;

/// <summary>The relative error of design.md: ‖a − b‖₂ / ‖b‖₂, accumulated in double.</summary>
public static class Parity
{
    /// <summary>The acceptance bound for CPU fp32 against the official float64 numbers.</summary>
    public const double Bound = 1e-5;

    public static double RelativeL2(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        if (actual.Length != expected.Length) throw new ArgumentException($"Lengths differ: {actual.Length} vs {expected.Length}.");
        double diff = 0, norm = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double d = (double)actual[i] - expected[i];
            diff += d * d;
            norm += (double)expected[i] * expected[i];
        }
        return Math.Sqrt(diff) / Math.Max(Math.Sqrt(norm), double.Epsilon);
    }

    public static string DataPath(params string[] parts) => Path.Combine([AppContext.BaseDirectory, .. parts]);

    /// <summary>
    /// Runs <paramref name="model"/> on a fixture's input (on the model's device) and checks every stored tensor —
    /// logits, features and each intermediate the model reports — for shape and for <see cref="Bound"/>; returns the
    /// per-tensor errors for the test output. <paramref name="label"/> names the fixture (and device) in messages.
    /// </summary>
    public static string AssertMatchesFixture(ImageModel model, IReadOnlyDictionary<string, Tensor> io, string label)
    {
        var observed = new Dictionary<string, (float[] Values, int[] Shape)>();
        using var input = io["input"].Device == model.Device ? null : io["input"].To(model.Device);
        var x = input ?? io["input"];
        model.Observer = (name, tensor) =>
        {
            Assert.Equal(model.Device, tensor.Device);
            observed[name] = (tensor.ToArray(), tensor.Shape.ToArray());
        };
        try
        {
            using var logits = model.Forward(x);
            model.Observer = null;
            using var features = model.ForwardFeatures(x);
            Assert.Equal(model.Device, logits.Device);
            observed["logits"] = (logits.ToArray(), logits.Shape.ToArray());
            observed["features"] = (features.ToArray(), features.Shape.ToArray());
        }
        finally
        {
            model.Observer = null;
        }

        var report = new List<string>();
        foreach (var name in io.Keys.Where(k => k is not ("input" or "logits_torch_f32")))
        {
            Assert.True(observed.ContainsKey(name), $"{label}: the model never produced '{name}'.");
            Assert.Equal(io[name].Shape.ToArray(), observed[name].Shape);
            double error = RelativeL2(observed[name].Values, io[name].Span);
            report.Add($"{name}: {error:E2}");
            Assert.True(error <= Bound, $"{label}: '{name}' is {error:E2} from the official numbers (bound {Bound:E0}). All: {string.Join(", ", report)}");
        }
        string summary = $"{label}: {string.Join(", ", report)}";
        TestContext.Current.TestOutputHelper?.WriteLine(summary);
        return summary;
    }
}
