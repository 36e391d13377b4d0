using System.Globalization;
using System.Numerics;

namespace Vim.Runtime.Checkpoints;

public static partial class PthReader
{
    /// <summary>
    /// Reads the top-level entry <paramref name="entry"/> of a checkpoint as plain values — for the entries beside the
    /// weights (<c>epoch</c>, <c>args</c>, a run's counters): dicts become <see cref="IReadOnlyDictionary{TKey, TValue}"/> of
    /// string keys (integer keys as their digits; an <c>argparse.Namespace</c> as the dict of its attributes), lists and
    /// tuples <see cref="IReadOnlyList{T}"/>, and the leaves
    /// <see cref="long"/>, <see cref="double"/>, <see cref="string"/>, <see cref="bool"/> or null; a tensor is a
    /// <see cref="StoredTensor"/> (its size only: read tensors with <see cref="Load"/>).
    /// </summary>
    /// <returns>The value, or null where the entry is absent and <paramref name="required"/> is false.</returns>
    /// <exception cref="CheckpointFormatException">The file is malformed, the entry is missing (when required), or it holds tensors or other objects.</exception>
    public static object? LoadValue(string path, string entry, bool required = true)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(entry);
        string src = Path.GetFileName(path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
        return WithArchive(fs, src, (zip, length) =>
        {
            object? root = ReadRoot(zip, length, PthReadOptions.Default, src, out _, out _);
            if (root is not PyDict top) throw new CheckpointFormatException(src, $"the pickled object is {RestrictedUnpickler.Describe(root)}; expected a dict of entries.");
            if (!top.TryGet(entry, out var value))
            {
                if (!required) return null;
                string keys = string.Join(", ", top.Items.Take(20).Select(kv => kv.Key is string s ? $"'{s}'" : RestrictedUnpickler.Describe(kv.Key)));
                throw new CheckpointFormatException(src, $"the checkpoint has no entry '{entry}'; its top-level keys are {keys}.");
            }
            return Plain(value, entry, src, 0);
        });
    }

    private static object? Plain(object? value, string where, string src, int depth)
    {
        if (depth > 64) throw new CheckpointFormatException(src, $"'{where}' nests more than 64 levels deep.");
        switch (value)
        {
            case null or bool or long or double or string: return value;
            case int i: return (long)i;
            case BigInteger b when b >= long.MinValue && b <= long.MaxValue: return (long)b;
            case PyDict d:
                var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (k, v) in d.Items)
                {
                    string key = KeyText(k);
                    dict[key] = Plain(v, where + "." + key, src, depth + 1);
                }
                return dict;
            case PyList l:
                return l.Items.Select((v, i) => Plain(v, where + "." + i.ToString(CultureInfo.InvariantCulture), src, depth + 1)).ToList();
            case TensorRef t:
                return new StoredTensor(t.Size);
            case PyTuple t:
                return t.Items.Select((v, i) => Plain(v, where + "." + i.ToString(CultureInfo.InvariantCulture), src, depth + 1)).ToList();
            case PyOpaque { FullName: "argparse.Namespace", IsCallResult: true, State: PyDict attributes }:
                // main.py's args: the Namespace's attributes, as a dict
                return Plain(attributes, where, src, depth + 1);
            default:
                throw new CheckpointFormatException(src, $"'{where}' holds {RestrictedUnpickler.Describe(value)}; expected plain values (dicts, lists, numbers, strings).");
        }
    }
}

/// <summary>Where <see cref="PthReader.LoadValue"/> met a tensor: its size (the values are read with <see cref="PthReader.Load"/>).</summary>
/// <param name="Size">The tensor's dimensions.</param>
public sealed record StoredTensor(long[] Size);
