using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Training;

/// <summary>
/// timm's <c>ModelEma</c>: an exponential moving average of every state-dict entry, ema ← decay·ema + (1 − decay)·value
/// after each optimizer step (buffers included), kept in float32 on the host. Evaluate it by copying it into a model.
/// </summary>
public sealed class ModelEma
{
    private readonly List<(string Key, Parameter Source, float[] Average)> _entries = [];

    /// <summary>Starts the average at the model's current values.</summary>
    public ModelEma(Module model, double decay = 0.99996)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!(decay is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(decay), $"EMA decay {decay} must be in [0, 1].");
        Decay = decay;
        foreach (var (key, parameter) in model.NamedParameters()) _entries.Add((key, parameter, parameter.Value.ToArray()));
    }

    /// <summary>The decay.</summary>
    public double Decay { get; }

    /// <summary>Folds the model's current values into the average.</summary>
    public void Update()
    {
        double d = Decay, w = 1 - Decay;
        foreach (var (_, source, average) in _entries)
        {
            float[] value = source.Value.ToArray();
            for (int i = 0; i < average.Length; i++) average[i] = (float)(d * average[i] + w * value[i]);
        }
    }

    /// <summary>The averaged state dict (official keys, state-dict order), as new CPU tensors.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> StateDict() =>
        _entries.Select(e => new KeyValuePair<string, Tensor>(e.Key, Tensor.FromArray(e.Average, e.Source.Shape.ToArray()))).ToList();

    /// <summary>Copies the average into <paramref name="model"/> (same architecture), e.g. to evaluate it.</summary>
    public void CopyTo(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var state = StateDict();
        try
        {
            model.LoadStateDict(state.ToDictionary(p => p.Key, p => p.Value));
        }
        finally
        {
            foreach (var (_, t) in state) t.Dispose();
        }
    }

    /// <summary>Replaces the average (resuming a run) from a state dict with the same keys and shapes.</summary>
    public void Load(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        foreach (var (key, source, _) in _entries)
        {
            if (!state.TryGetValue(key, out var t)) throw new ArgumentException($"EMA state lacks '{key}'.", nameof(state));
            if (t.Shape != source.Shape) throw new ArgumentException($"EMA state '{key}' is {t.Shape}; the model has {source.Shape}.", nameof(state));
        }
        for (int i = 0; i < _entries.Count; i++)
        {
            var (key, source, _) = _entries[i];
            _entries[i] = (key, source, state[key].ToArray());
        }
    }
}
