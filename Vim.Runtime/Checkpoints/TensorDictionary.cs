using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Checkpoints;

/// <summary>A read-only name → tensor map that enumerates in insertion order (the checkpoint's own order).</summary>
internal sealed class TensorDictionary : IReadOnlyDictionary<string, Tensor>
{
    private readonly List<KeyValuePair<string, Tensor>> _items = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    /// <summary>Adds an entry; returns false when the name is already present.</summary>
    public bool TryAdd(string name, Tensor tensor)
    {
        if (!_index.TryAdd(name, _items.Count)) return false;
        _items.Add(new KeyValuePair<string, Tensor>(name, tensor));
        return true;
    }

    public Tensor this[string key] => _items[_index[key]].Value;

    public IEnumerable<string> Keys => _items.Select(kv => kv.Key);

    public IEnumerable<Tensor> Values => _items.Select(kv => kv.Value);

    public int Count => _items.Count;

    public bool ContainsKey(string key) => _index.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out Tensor value)
    {
        if (_index.TryGetValue(key, out int i))
        {
            value = _items[i].Value;
            return true;
        }
        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
