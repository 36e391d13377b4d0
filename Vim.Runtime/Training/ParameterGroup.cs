using Vim.Runtime.Modules;

namespace Vim.Runtime.Training;

/// <summary>Parameters an optimizer updates with one weight decay (and one learning-rate multiplier).</summary>
public sealed class ParameterGroup
{
    /// <summary>A group of named parameters.</summary>
    /// <param name="parameters">The parameters with their official keys.</param>
    /// <param name="weightDecay">Decoupled (AdamW) or L2 (SGD) weight decay of the group.</param>
    /// <param name="lrScale">Multiplier of the optimizer's learning rate for this group.</param>
    public ParameterGroup(IEnumerable<KeyValuePair<string, Parameter>> parameters, double weightDecay, double lrScale = 1.0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters.ToList();
        if (weightDecay < 0 || double.IsNaN(weightDecay)) throw new ArgumentOutOfRangeException(nameof(weightDecay), $"Weight decay {weightDecay} must be non-negative.");
        if (!(lrScale >= 0)) throw new ArgumentOutOfRangeException(nameof(lrScale), $"Learning-rate scale {lrScale} must be non-negative.");
        foreach (var (key, parameter) in Parameters)
        {
            if (parameter.IsBuffer) throw new ArgumentException($"'{key}' is a buffer, not a learned parameter; it cannot be optimized.", nameof(parameters));
        }
        WeightDecay = weightDecay;
        LrScale = lrScale;
    }

    /// <summary>The parameters with their official keys.</summary>
    public IReadOnlyList<KeyValuePair<string, Parameter>> Parameters { get; }

    /// <summary>The group's weight decay.</summary>
    public double WeightDecay { get; }

    /// <summary>The group's learning-rate multiplier.</summary>
    public double LrScale { get; }

    /// <summary>
    /// The official recipes' two groups (timm's <c>add_weight_decay</c>, as Vim's and VMamba's training scripts build them):
    /// no decay for 1-D parameters, biases and the model's <see cref="ImageModel.NoWeightDecay"/> names; <paramref name="weightDecay"/>
    /// for everything else — so the 2-D <c>A_log</c> is decayed, as upstream does. Frozen parameters are left out.
    /// </summary>
    public static IReadOnlyList<ParameterGroup> Official(ImageModel model, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(model);
        var skip = model.NoWeightDecay;
        var keywords = model.NoWeightDecayKeywords;
        var decay = new List<KeyValuePair<string, Parameter>>();
        var noDecay = new List<KeyValuePair<string, Parameter>>();
        foreach (var pair in model.TrainableParameters())
        {
            bool exempt = pair.Value.Shape.Rank == 1 || pair.Key.EndsWith(".bias", StringComparison.Ordinal) || skip.Contains(pair.Key)
                || keywords.Any(k => pair.Key.Contains(k, StringComparison.Ordinal));
            (exempt ? noDecay : decay).Add(pair);
        }
        return [new ParameterGroup(noDecay, 0.0), new ParameterGroup(decay, weightDecay)];
    }
}
