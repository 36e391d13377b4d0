using Vim.Runtime.Tests.Fixtures;
using Vim.Runtime.Training;

namespace Vim.Runtime.Tests.Training;

/// <summary>
/// The official AdamW trajectory (three steps of torch.optim.AdamW on the v2 middle-cls template, the official
/// no-weight-decay rule): each step's loss within 1e-6 relative, every parameter after each step within 1e-6 relative L2.
/// </summary>
public class AdamWTrajectoryTests
{
    private const string Case = "vim_v2_midcls_adamw_3steps";

    [Fact]
    public void OfficialParameterGroups_DecayExactlyTheOfficialList()
    {
        var (model, _, config) = GradientFixtureTests.Load(Case);
        var groups = ParameterGroup.Official(model, 0.05);
        var optimizer = config.GetProperty("optimizer");
        var decayed = optimizer.GetProperty("decayed_parameters").EnumerateArray().Select(e => e.GetString()!).ToList();
        var notDecayed = optimizer.GetProperty("not_decayed_parameters").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(notDecayed.Order(), groups.Single(g => g.WeightDecay == 0).Parameters.Select(p => p.Key).Order());
        Assert.Equal(decayed.Order(), groups.Single(g => g.WeightDecay == 0.05).Parameters.Select(p => p.Key).Order());
    }

    [Fact]
    public void ThreeSteps_FollowTheOfficialTrajectory()
    {
        var (model, trajectory, config) = GradientFixtureTests.Load(Case);
        var losses = config.GetProperty("losses_float64").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var optimizer = new AdamW(ParameterGroup.Official(model, 0.05), learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8);
        var trainer = new Trainer(model, optimizer, new CrossEntropyLoss());
        var report = new List<string>();
        for (int step = 1; step <= 3; step++)
        {
            int[] labels = trajectory[$"step{step}.labels"].ToArray().Select(v => (int)v).ToArray();
            var result = trainer.Step(trajectory[$"step{step}.input"], Targets.FromLabels(labels));
            Assert.True(result.Updated);
            Assert.True(Math.Abs(result.Loss - losses[step - 1]) <= 1e-6 * losses[step - 1], $"step {step}: loss {result.Loss:R}, official {losses[step - 1]:R}");
            double worst = 0;
            foreach (var (key, parameter) in model.TrainableParameters())
            {
                double error = Parity.RelativeL2(parameter.Value.Span, trajectory[$"step{step}.param.{key}"].Span);
                worst = Math.Max(worst, error);
                Assert.True(error <= 1e-6, $"step {step}: '{key}' is {error:E2} (relative L2) from the official parameters; bound 1e-6.");
            }
            report.Add($"step {step}: loss {result.Loss:F9}, worst parameter {worst:E2}");
        }
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("; ", report));
    }
}
