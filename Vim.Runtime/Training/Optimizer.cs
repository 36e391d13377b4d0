using Vim.Runtime.Devices;
using Vim.Runtime.Modules;

namespace Vim.Runtime.Training;

/// <summary>
/// A first-order optimizer over parameter groups: <see cref="Step"/> updates every parameter from its accumulated
/// gradient (parameters without one are left alone, as PyTorch does), then the caller zeroes the gradients.
/// </summary>
public abstract class Optimizer
{
    /// <summary>Creates the optimizer; every parameter may appear in one group only.</summary>
    protected Optimizer(IReadOnlyList<ParameterGroup> groups, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (groups.Count == 0) throw new ArgumentException("An optimizer needs at least one parameter group.", nameof(groups));
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var group in groups)
        {
            foreach (var (key, parameter) in group.Parameters)
            {
                if (!seen.Add(parameter)) throw new ArgumentException($"Parameter '{key}' is in more than one group.", nameof(groups));
            }
        }
        Groups = groups;
        LearningRate = learningRate;
    }

    /// <summary>The parameter groups.</summary>
    public IReadOnlyList<ParameterGroup> Groups { get; }

    /// <summary>The base learning rate (a schedule sets it before each step); each group scales it by its <see cref="ParameterGroup.LrScale"/>.</summary>
    public double LearningRate
    {
        get => _learningRate;
        set
        {
            if (!(value >= 0) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(nameof(value), $"Learning rate {value} must be finite and non-negative.");
            _learningRate = value;
        }
    }

    private double _learningRate;

    /// <summary>Optimizer steps taken so far (AdamW's bias correction counts them).</summary>
    public long StepCount { get; protected set; }

    /// <summary>Every parameter the optimizer updates.</summary>
    public IEnumerable<Parameter> Parameters => Groups.SelectMany(g => g.Parameters.Select(p => p.Value));

    /// <summary>Applies one update to every parameter with a gradient.</summary>
    public void Step()
    {
        StepCount++;
        foreach (var group in Groups)
        {
            double lr = LearningRate * group.LrScale;
            foreach (var (key, parameter) in group.Parameters)
            {
                if (parameter.Grad is null) continue;
                if (parameter.Value.Device.Kind != DeviceKind.Cpu)
                    throw new NotSupportedException($"{GetType().Name}: '{key}' is on {parameter.Value.Device}; the optimizers update CPU parameters.");
                Update(parameter, parameter.Value.Span, parameter.Grad.Span, lr, group.WeightDecay);
                parameter.MarkChanged();
            }
        }
    }

    /// <summary>Sets every parameter's gradient to zero.</summary>
    public void ZeroGrad()
    {
        foreach (var parameter in Parameters) parameter.ZeroGrad();
    }

    /// <summary>One parameter's update in place, from its gradient, at learning rate <paramref name="lr"/> (the step counter already advanced).</summary>
    protected abstract void Update(Parameter parameter, Span<float> value, ReadOnlySpan<float> grad, double lr, double weightDecay);

    /// <summary>The named per-parameter state (moment buffers), in group order, for checkpoints.</summary>
    public abstract IReadOnlyList<KeyValuePair<string, float[]>> State();

    /// <summary>Restores <see cref="State"/> and the step counter (resuming a run).</summary>
    public abstract void LoadState(IReadOnlyDictionary<string, float[]> state, long stepCount);
}
