using System.Runtime.CompilerServices;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Checkpoints;

// The values a restricted unpickle can produce. Python None is null; ints are long; floats are double;
// str is string; bytes is PyBytes. Nothing here can execute code: globals are tags, not callables.

internal sealed class PyTuple(object?[] items, int depth, long expandedSize = 0)
{
    public object?[] Items { get; } = items;

    /// <summary>Nesting depth counting tuples only (a flat tuple is 1).</summary>
    public int Depth { get; } = depth;

    /// <summary>
    /// The values hashing or comparing it visits: its items, with nested tuples expanded (a tuple shared through the memo
    /// counts every time it appears), saturating at <see cref="long.MaxValue"/>. Tuples of tuples that share their
    /// items double it per level, so a kilobyte of pickle can describe a key too large to hash.
    /// </summary>
    public long ExpandedSize { get; } = expandedSize;
}

internal sealed class PyList
{
    public List<object?> Items { get; } = [];
}

internal sealed class PySet
{
    public List<object?> Items { get; } = [];
}

internal sealed record PyBytes(byte[] Data);

/// <summary>A dict or OrderedDict: insertion-ordered, keys compared as Python would for the hashable kinds we accept.</summary>
internal sealed class PyDict
{
    private readonly List<KeyValuePair<object?, object?>> _items = [];
    private readonly Dictionary<object, int> _index = new(PyKeyComparer.Instance);

    public IReadOnlyList<KeyValuePair<object?, object?>> Items => _items;

    /// <summary>The state given by a BUILD opcode (OrderedDict's <c>__dict__</c>, e.g. <c>_metadata</c>); kept inert.</summary>
    public object? State { get; set; }

    public void Set(object? key, object? value)
    {
        object k = key ?? PyKeyComparer.NoneKey;
        if (_index.TryGetValue(k, out int i)) _items[i] = new(key, value);
        else
        {
            _index.Add(k, _items.Count);
            _items.Add(new(key, value));
        }
    }

    public bool TryGet(object? key, out object? value)
    {
        if (_index.TryGetValue(key ?? PyKeyComparer.NoneKey, out int i))
        {
            value = _items[i].Value;
            return true;
        }
        value = null;
        return false;
    }
}

/// <summary>Python key equality for the hashable values we allow: str, int, bool (as int), float, None, bytes, tuples of those; other objects by identity.</summary>
internal sealed class PyKeyComparer : IEqualityComparer<object>
{
    public static readonly PyKeyComparer Instance = new();
    public static readonly object NoneKey = new();

    private static object Normalize(object o) => o switch
    {
        bool b => b ? 1L : 0L,
        double d when d == Math.Floor(d) && Math.Abs(d) < 9e18 => (long)d,
        _ => o,
    };

    public new bool Equals(object? x, object? y)
    {
        if (ReferenceEquals(x, y)) return true;
        if (x is null || y is null) return false;
        x = Normalize(x);
        y = Normalize(y);
        return (x, y) switch
        {
            (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
            (long a, long b) => a == b,
            (double a, double b) => a.Equals(b),
            (PyBytes a, PyBytes b) => a.Data.AsSpan().SequenceEqual(b.Data),
            (PyTuple a, PyTuple b) => a.Items.Length == b.Items.Length && a.Items.Zip(b.Items).All(p => Equals(p.First ?? NoneKey, p.Second ?? NoneKey)),
            _ => false,
        };
    }

    public int GetHashCode(object obj)
    {
        obj = Normalize(obj);
        switch (obj)
        {
            case string s: return StringComparer.Ordinal.GetHashCode(s);
            case long l: return l.GetHashCode();
            case double d: return d.GetHashCode();
            case PyBytes b:
            {
                var h = new HashCode();
                h.AddBytes(b.Data);
                return h.ToHashCode();
            }
            case PyTuple t:
            {
                var h = new HashCode();
                foreach (var item in t.Items) h.Add(GetHashCode(item ?? NoneKey));
                return h.ToHashCode();
            }
            default: return RuntimeHelpers.GetHashCode(obj);
        }
    }
}

/// <summary>What an allowlisted global stands for.</summary>
internal enum GlobalKind
{
    OrderedDict,
    RebuildTensorV2,
    RebuildTensor,
    RebuildParameter,
    RebuildParameterWithState,
    RebuildFromTypeV2,
    TensorType,
    ParameterType,
    Storage,
}

/// <summary>The element type of a torch storage class.</summary>
internal enum StorageElement
{
    Float32,
    Float16,
    BFloat16,
    Float64,
    Int64,
    Int32,
    Int16,
    Int8,
    UInt8,
    Bool,
}

/// <summary>An allowlisted global: a tag that the unpickler interprets itself; it is never looked up or called.</summary>
internal sealed record PyGlobal(string Module, string Name, GlobalKind Kind, StorageElement Element = default)
{
    public string FullName => Module + "." + Name;
}

/// <summary>
/// An inert stand-in for a global outside the allowlist (only with <see cref="PthReadOptions.AllowUnknownGlobalsOutsideEntry"/>)
/// or for the result of "calling" one. It records what was asked of it and does nothing.
/// </summary>
internal sealed class PyOpaque(string fullName, bool isCallResult)
{
    public string FullName { get; } = fullName;

    public bool IsCallResult { get; } = isCallResult;

    public object? Args { get; set; }

    public object? State { get; set; }

    public List<object?> Extra { get; } = [];
}

/// <summary>A storage named by a persistent id <c>('storage', type, key, location, numel)</c>.</summary>
internal sealed record StorageRef(string Key, PyGlobal Type, string Location, long Numel)
{
    public StorageElement Element => Type.Element;

    public int ElementSize => Element switch
    {
        StorageElement.Float64 or StorageElement.Int64 => 8,
        StorageElement.Float32 or StorageElement.Int32 => 4,
        StorageElement.Float16 or StorageElement.BFloat16 or StorageElement.Int16 => 2,
        _ => 1,
    };

    public bool IsFloating => Element is StorageElement.Float32 or StorageElement.Float16 or StorageElement.BFloat16 or StorageElement.Float64;

    public DType? StoredDType => Element switch
    {
        StorageElement.Float32 => DType.F32,
        StorageElement.Float16 => DType.F16,
        StorageElement.BFloat16 => DType.BF16,
        _ => null,
    };
}

/// <summary>A tensor view described by <c>_rebuild_tensor_v2</c>; its data is read only if it is requested.</summary>
internal sealed record TensorRef(StorageRef Storage, long Offset, long[] Size, long[] Stride);
