using Vim.Runtime.Tensors;

namespace Vim.Runtime.Modules;

public abstract partial class Module
{
    /// <summary>Sets every parameter's gradient to zero (before the next accumulation).</summary>
    public void ZeroGrad()
    {
        foreach (var (_, parameter) in NamedParameters()) parameter.ZeroGrad();
    }

    /// <summary>The learned parameters whose gradients backward passes compute, with their official keys, in state-dict order.</summary>
    public IEnumerable<KeyValuePair<string, Parameter>> TrainableParameters() => NamedParameters().Where(p => p.Value.RequiresGrad);

    /// <summary>The accumulated gradient of the parameter with the official key <paramref name="key"/> (null before any backward pass reached it).</summary>
    /// <exception cref="KeyNotFoundException">No parameter has that key; the message lists near matches.</exception>
    public Tensor? Gradient(string key) => Find(key).Grad;

    /// <summary>The parameter with the official key <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">No parameter has that key; the message lists near matches.</exception>
    public Parameter Find(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var (name, parameter) in NamedParameters())
        {
            if (name == key) return parameter;
        }

        string leaf = key[(key.LastIndexOf('.') + 1)..];
        var near = NamedParameters().Select(p => p.Key).Where(k => k.EndsWith("." + leaf, StringComparison.Ordinal) || k == leaf).Take(5).ToList();
        throw new KeyNotFoundException($"{GetType().Name} has no parameter '{key}'." + (near.Count > 0 ? $" Keys ending in '{leaf}': {string.Join(", ", near)}." : ""));
    }

    /// <summary>Freezes (or unfreezes) every parameter whose key starts with <paramref name="prefix"/>: its gradient is no longer computed.</summary>
    /// <returns>How many parameters it changed.</returns>
    public int SetRequiresGrad(string prefix, bool requiresGrad)
    {
        int count = 0;
        foreach (var (name, parameter) in NamedParameters())
        {
            if (parameter.IsBuffer || !name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            parameter.RequiresGrad = requiresGrad;
            count++;
        }

        return count;
    }
}
