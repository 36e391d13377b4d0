using Vim.Runtime.Tensors;
using Vim.Runtime.Training;

namespace Vim.Runtime.Tests.Training;

/// <summary>The losses against their definitions, computed here in double, and their gradients against central differences.</summary>
public class LossTests
{
    private static Tensor Logits(int rows, int classes, int seed) => EndToEndGradientTests.Random(new Shape(rows, classes), seed);

    [Fact]
    public void SoftTargets_OfASmoothedOneHot_EqualLabelSmoothing()
    {
        const int Rows = 4, Classes = 7;
        const double S = 0.1;
        using var z = Logits(Rows, Classes, 1);
        int[] labels = [3, 0, 6, 2];
        var soft = new float[Rows * Classes];
        for (int r = 0; r < Rows; r++)
        {
            for (int c = 0; c < Classes; c++) soft[r * Classes + c] = (float)(S / Classes + (c == labels[r] ? 1 - S : 0));
        }
        using var a = new CrossEntropyLoss(S).Evaluate(z, Targets.FromLabels(labels));
        using var b = new SoftTargetCrossEntropyLoss().Evaluate(z, Targets.FromProbabilities(soft, Classes));
        Assert.Equal(a.Value, b.Value, 6);
        var ga = a.Gradient.ToArray();
        var gb = b.Gradient.ToArray();
        for (int i = 0; i < ga.Length; i++) Assert.Equal(ga[i], gb[i], 6);

        // the definition: mean over rows of −Σ t·log softmax(z)
        double expected = 0;
        var v = z.ToArray();
        for (int r = 0; r < Rows; r++)
        {
            double max = v.Skip(r * Classes).Take(Classes).Max(x => (double)x);
            double log = max + Math.Log(v.Skip(r * Classes).Take(Classes).Sum(x => Math.Exp(x - max)));
            for (int c = 0; c < Classes; c++) expected -= soft[r * Classes + c] * (v[r * Classes + c] - log);
        }
        Assert.Equal(expected / Rows, b.Value, 6);
    }

    [Fact]
    public void Gradients_MatchCentralDifferences()
    {
        const int Rows = 3, Classes = 5;
        using var z = Logits(Rows, Classes, 2);
        var soft = new float[Rows * Classes];
        var rng = new Random(3);
        for (int r = 0; r < Rows; r++)
        {
            // a mixup-like target: two classes with weights λ and 1 − λ
            double lambda = rng.NextDouble();
            soft[r * Classes + r] += (float)lambda;
            soft[r * Classes + (r + 2) % Classes] += (float)(1 - lambda);
        }
        foreach (Loss loss in new Loss[] { new CrossEntropyLoss(), new CrossEntropyLoss(0.2), new SoftTargetCrossEntropyLoss() })
        {
            var targets = loss is SoftTargetCrossEntropyLoss ? Targets.FromProbabilities(soft, Classes) : Targets.FromLabels(1, 4, 0);
            using var value = loss.Evaluate(z, targets);
            var g = value.Gradient.ToArray();
            for (int i = 0; i < g.Length; i++)
            {
                float keep = z.Span[i];
                const float H = 1e-2f;
                z.Span[i] = keep + H;
                double plus = loss.Evaluate(z, targets).Value;
                z.Span[i] = keep - H;
                double minus = loss.Evaluate(z, targets).Value;
                z.Span[i] = keep;
                Assert.True(Math.Abs((plus - minus) / (2 * H) - g[i]) <= 1e-4, $"{loss.GetType().Name}[{i}]: {g[i]} vs {(plus - minus) / (2 * H)}");
            }
        }
    }

    [Fact]
    public void PerTokenLogits_AverageOverEveryToken()
    {
        using var z = EndToEndGradientTests.Random(new Shape(2, 3, 4), 4);
        int[] labels = [0, 1, 2, 3, 0, 1];
        using var perToken = new CrossEntropyLoss().Evaluate(z, Targets.FromLabels(labels));
        using var flat = Tensor.FromArray(z.ToArray(), 6, 4);
        using var rows = new CrossEntropyLoss().Evaluate(flat, Targets.FromLabels(labels));
        Assert.Equal(rows.Value, perToken.Value, 12);
        Assert.Equal(z.Shape, perToken.Gradient.Shape);
    }
}
