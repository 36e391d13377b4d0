using Vim.Runtime.Modules;

namespace Vim.Runtime.Training;

/// <summary>
/// SGD as <c>torch.optim.SGD</c> computes it: g ← g + wd·p (L2 decay); with momentum μ the buffer b ← g on the first
/// step, then b ← μb + (1 − dampening)g; the step uses g + μb (Nesterov) or b; p ← p − lr·step.
/// </summary>
public sealed class Sgd : Optimizer
{
    private readonly Dictionary<Parameter, float[]> _buffers = new(ReferenceEqualityComparer.Instance);

    /// <summary>Creates SGD over <paramref name="groups"/>.</summary>
    public Sgd(IReadOnlyList<ParameterGroup> groups, double learningRate, double momentum = 0.0, double dampening = 0.0, bool nesterov = false)
        : base(groups, learningRate)
    {
        if (!(momentum >= 0)) throw new ArgumentOutOfRangeException(nameof(momentum), $"SGD momentum {momentum} must be non-negative.");
        if (nesterov && (momentum <= 0 || dampening != 0)) throw new ArgumentException("Nesterov momentum needs a positive momentum and zero dampening (as torch.optim.SGD requires).", nameof(nesterov));
        Momentum = momentum;
        Dampening = dampening;
        Nesterov = nesterov;
    }

    /// <summary>μ.</summary>
    public double Momentum { get; }

    /// <summary>Dampening of the momentum buffer.</summary>
    public double Dampening { get; }

    /// <summary>Nesterov momentum.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    protected override void Update(Parameter parameter, Span<float> value, ReadOnlySpan<float> grad, double lr, double weightDecay)
    {
        float[]? buffer = null;
        bool first = false;
        if (Momentum > 0 && !_buffers.TryGetValue(parameter, out buffer))
        {
            buffer = new float[value.Length];
            _buffers[parameter] = buffer;
            first = true;
        }

        for (int i = 0; i < value.Length; i++)
        {
            double g = grad[i] + weightDecay * value[i];
            if (buffer is not null)
            {
                double b = first ? g : Momentum * buffer[i] + (1 - Dampening) * g;
                buffer[i] = (float)b;
                g = Nesterov ? g + Momentum * b : b;
            }
            value[i] = (float)(value[i] - lr * g);
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
                if (_buffers.TryGetValue(parameter, out var b)) state.Add(new(key + ".momentum_buffer", b));
            }
        }
        return state;
    }

    /// <inheritdoc/>
    public override void LoadState(IReadOnlyDictionary<string, float[]> state, long stepCount)
    {
        ArgumentNullException.ThrowIfNull(state);
        var loaded = new Dictionary<Parameter, float[]>(ReferenceEqualityComparer.Instance);
        foreach (var group in Groups)
        {
            foreach (var (key, parameter) in group.Parameters)
            {
                if (!state.TryGetValue(key + ".momentum_buffer", out var b)) continue;
                if (b.Length != parameter.Shape.Numel) throw new ArgumentException($"SGD state of '{key}' has {b.Length} values; the parameter {parameter.Shape} has {parameter.Shape.Numel}.", nameof(state));
                loaded[parameter] = (float[])b.Clone();
            }
        }
        _buffers.Clear();
        foreach (var (p, b) in loaded) _buffers[p] = b;
        StepCount = stepCount;
    }
}
