using Vim.Runtime.Checkpoints;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Modules;

public abstract partial class Module
{
    /// <summary>
    /// Copies <paramref name="stateDict"/> into the parameters. Strict (the default) checks everything first and
    /// reports every missing, unexpected and mis-shaped key in one <see cref="CheckpointMismatchException"/>,
    /// leaving the model unchanged; non-strict loads the keys that match and ignores the rest.
    /// </summary>
    /// <remarks>Waits for forwards running on other threads to finish; forwards started meanwhile wait for the load.</remarks>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        ChangingValues(() => Load(stateDict, strict));
    }

    private void Load(IReadOnlyDictionary<string, Tensor> stateDict, bool strict)
    {
        var expected = NamedParameters().ToList();
        var expectedKeys = new HashSet<string>(expected.Select(p => p.Key), StringComparer.Ordinal);
        var missing = new List<string>();
        var misshaped = new List<(string Key, Shape Expected, Shape Actual)>();
        foreach (var (key, parameter) in expected)
        {
            if (!stateDict.TryGetValue(key, out var tensor)) missing.Add(key);
            else if (tensor.Shape != parameter.Shape) misshaped.Add((key, parameter.Shape, tensor.Shape));
        }
        var unexpected = stateDict.Keys.Where(k => !expectedKeys.Contains(k)).ToList();
        if (strict && (missing.Count > 0 || unexpected.Count > 0 || misshaped.Count > 0))
        {
            throw new CheckpointMismatchException(GetType().Name, missing, unexpected, misshaped);
        }
        foreach (var (key, parameter) in expected)
        {
            if (stateDict.TryGetValue(key, out var tensor) && tensor.Shape == parameter.Shape)
            {
                parameter.Value = tensor.Device == Device ? Copy(tensor) : tensor.To(Device);
            }
        }
    }

    private static Tensor Copy(Tensor tensor)
    {
        var copy = Tensor.Empty(tensor.Shape, tensor.Device);
        tensor.CopyTo(copy);
        return copy;
    }
}
