using Vim.Runtime.Modules;

namespace Vim.Runtime.Training;

/// <summary>
/// AdamW as <c>torch.optim.AdamW</c> computes it (what the official recipes train with), per parameter at step t:
/// p ← p·(1 − lr·wd); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; p ← p − lr/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + ε).
/// Moments are float32 like the parameters; each element's update is evaluated in double.
/// </summary>
public sealed class AdamW : Optimizer
{
    private readonly Dictionary<Parameter, (float[] M, float[] V)> _moments = new(ReferenceEqualityComparer.Instance);

    /// <summary>Creates AdamW over <paramref name="groups"/>.</summary>
    public AdamW(IReadOnlyList<ParameterGroup> groups, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
        : base(groups, learningRate)
    {
        if (!(beta1 is >= 0 and < 1) || !(beta2 is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), $"AdamW betas ({beta1}, {beta2}) must be in [0, 1).");
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"AdamW epsilon {epsilon} must be non-negative.");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>β₁.</summary>
    public double Beta1 { get; }

    /// <summary>β₂.</summary>
    public double Beta2 { get; }

    /// <summary>ε.</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    protected override void Update(Parameter parameter, Span<float> value, ReadOnlySpan<float> grad, double lr, double weightDecay)
    {
        if (!_moments.TryGetValue(parameter, out var state))
        {
            state = (new float[value.Length], new float[value.Length]);
            _moments[parameter] = state;
        }

        var (m, v) = state;
        double decay = 1 - lr * weightDecay;
        double b1 = Beta1, b2 = Beta2;
        double stepSize = lr / (1 - Math.Pow(b1, StepCount));
        double bias2Root = Math.Sqrt(1 - Math.Pow(b2, StepCount));
        for (int i = 0; i < value.Length; i++)
        {
            double g = grad[i];
            double mi = b1 * m[i] + (1 - b1) * g;
            double vi = b2 * v[i] + (1 - b2) * g * g;
            m[i] = (float)mi;
            v[i] = (float)vi;
            value[i] = (float)(value[i] * decay - stepSize * mi / (Math.Sqrt(vi) / bias2Root + Epsilon));
        }
    }

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, float[]>> State()
    {
        var state = new List<KeyValuePair<string, float[]>>();
        foreach (var group in Groups)
        {
            foreach (var (key, parameter) in group.Parameters)
            {
                if (!_moments.TryGetValue(parameter, out var mv)) continue;
                state.Add(new(key + ".exp_avg", mv.M));
                state.Add(new(key + ".exp_avg_sq", mv.V));
            }
        }
        return state;
    }

    /// <inheritdoc/>
    public override void LoadState(IReadOnlyDictionary<string, float[]> state, long stepCount)
    {
        ArgumentNullException.ThrowIfNull(state);
        var loaded = new Dictionary<Parameter, (float[], float[])>(ReferenceEqualityComparer.Instance);
        foreach (var group in Groups)
        {
            foreach (var (key, parameter) in group.Parameters)
            {
                bool hasM = state.TryGetValue(key + ".exp_avg", out var m), hasV = state.TryGetValue(key + ".exp_avg_sq", out var v);
                if (hasM != hasV) throw new ArgumentException($"AdamW state of '{key}' has only one of exp_avg and exp_avg_sq.", nameof(state));
                if (!hasM) continue;
                if (m!.Length != parameter.Shape.Numel || v!.Length != parameter.Shape.Numel)
                    throw new ArgumentException($"AdamW state of '{key}' has {m.Length} values; the parameter {parameter.Shape} has {parameter.Shape.Numel}.", nameof(state));
                loaded[parameter] = ((float[])m.Clone(), (float[])v.Clone());
            }
        }
        _moments.Clear();
        foreach (var (p, mv) in loaded) _moments[p] = mv;
        StepCount = stepCount;
    }
}
