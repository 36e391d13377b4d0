using System.Text.RegularExpressions;
using Vim.Runtime.Devices;
using Vim.Runtime.Modules;

namespace Vim.Runtime.Registry;

/// <summary>
/// The model registry: every model declared with the DSL in a loaded assembly registers itself here (the generated
/// catalog's module initializer). Names and aliases are case-insensitive; a weight tag after a dot is accepted
/// and ignored (<c>vim_tiny_patch16_224.in1k</c>).
/// </summary>
public static class Models
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, ModelInfo> ByName = new(StringComparer.OrdinalIgnoreCase);
    private static readonly List<ModelInfo> All = [];

    static Models()
    {
        // The zoo lives in this assembly; make sure its catalog has run before the first lookup.
        System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(typeof(Models).Module.ModuleHandle);
    }

    /// <summary>Adds a model (called by generated catalogs). A name or alias already taken by another model is refused.</summary>
    public static void Register(ModelInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        lock (Gate)
        {
            if (ByName.TryGetValue(info.Name, out var existing) && ReferenceEquals(existing, info)) return;
            foreach (var name in info.Aliases.Prepend(info.Name))
            {
                if (ByName.TryGetValue(name, out var other) && !ReferenceEquals(other, info))
                {
                    throw new InvalidOperationException($"Model name '{name}' of {info.Name} is already registered by {other.Name}.");
                }
            }
            foreach (var name in info.Aliases.Prepend(info.Name)) ByName[name] = info;
            All.Add(info);
        }
    }

    /// <summary>Builds a fresh model by name or alias.</summary>
    /// <exception cref="KeyNotFoundException">No model has that name; the message lists close names.</exception>
    public static ImageModel Create(string name, Device? device = null, ModelOverrides? overrides = null) => Get(name).Create(device, overrides);

    /// <summary>
    /// Builds a fresh model as a backbone (timm's <c>create_model(name, features_only=True, out_indices=…)</c>): its
    /// forward returns the feature maps at <paramref name="outIndices"/> (null: the model's default).
    /// </summary>
    /// <exception cref="KeyNotFoundException">No model has that name.</exception>
    /// <exception cref="ArgumentException">An index is not one of the model's maps, or the source does not apply.</exception>
    public static FeatureExtractor CreateFeatureExtractor(string name, IReadOnlyList<int>? outIndices = null, FeatureSource source = FeatureSource.BlockOutput,
        Device? device = null, ModelOverrides? overrides = null) =>
        new(Create(name, device, overrides), outIndices, source);

    /// <summary>The registry entry for a name or alias.</summary>
    public static ModelInfo Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.Trim();
        int dot = key.IndexOf('.');
        if (dot > 0) key = key[..dot];
        lock (Gate)
        {
            if (ByName.TryGetValue(key, out var info)) return info;
            var known = All.Select(i => i.Name).OrderBy(n => n, StringComparer.Ordinal).ToList();
            throw new KeyNotFoundException($"Unknown model '{name}'. Known models: {string.Join(", ", known)}.");
        }
    }

    /// <summary>Registered models whose name matches <paramref name="pattern"/> (<c>*</c> and <c>?</c> wildcards, case-insensitive), sorted by name.</summary>
    public static IReadOnlyList<ModelInfo> List(string pattern = "*")
    {
        var regex = new Regex("^" + Regex.Escape(pattern).Replace("\\*", ".*").Replace("\\?", ".") + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        lock (Gate)
        {
            return All.Where(i => regex.IsMatch(i.Name)).OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
        }
    }
}
