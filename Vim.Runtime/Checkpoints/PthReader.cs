using System.IO.Compression;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Checkpoints;

/// <summary>
/// Reads PyTorch checkpoints in the zip format of <c>torch.save</c> (PyTorch ≥ 1.6): a zip archive with
/// <c>&lt;prefix&gt;/data.pkl</c> (the pickled object), <c>&lt;prefix&gt;/data/&lt;key&gt;</c> (raw little-endian
/// storages) and <c>&lt;prefix&gt;/version</c>.
/// </summary>
/// <remarks>
/// <para>
/// <c>data.pkl</c> is interpreted by a restricted unpickler of our own that never imports or calls anything, in the
/// spirit of <c>torch.load(weights_only=True)</c>. Only these globals are recognised: <c>collections.OrderedDict</c>,
/// <c>torch._utils._rebuild_tensor_v2</c>, <c>_rebuild_tensor</c>, <c>_rebuild_parameter</c>,
/// <c>_rebuild_parameter_with_state</c>, <c>torch._tensor._rebuild_from_type_v2</c> (with <c>torch.Tensor</c> or
/// <c>torch.nn.parameter.Parameter</c>) and the <c>torch.*Storage</c> classes (Float, Half, BFloat16, Double, and the
/// integer and bool ones). Any other global (<c>os.system</c>, <c>builtins.eval</c>, <c>argparse.Namespace</c>, …)
/// raises <see cref="CheckpointFormatException"/> naming it as soon as the <c>GLOBAL</c>/<c>STACK_GLOBAL</c> opcode is read.
/// </para>
/// <para>
/// Official Vim training checkpoints (<c>vim/main.py</c>) hold <c>{'model', 'optimizer', 'lr_scheduler', 'epoch',
/// 'model_ema', 'scaler', 'args'}</c>, where <c>args</c> is an <c>argparse.Namespace</c>. Such files need
/// <see cref="PthReadOptions.AllowUnknownGlobalsOutsideEntry"/>: unknown globals then become inert placeholders that
/// are never called, and reading still fails if a placeholder is reachable from the requested entry.
/// </para>
/// <para>
/// The requested entry (<c>"model"</c> by default, or e.g. <c>"model_ema"</c>) must be a dict of tensors. If the top
/// level has no such key but is itself a dict of tensors (a bare <c>state_dict()</c>), it is taken as the state dict
/// when <c>"model"</c> is asked for. Tensors honour storage offsets and strides and are materialised as contiguous
/// float32 (F16 and BF16 exactly, F64 rounded); only the storages the requested tensors use are read.
/// The result enumerates in the pickle's key order.
/// </para>
/// </remarks>
public static partial class PthReader
{
    /// <summary>The entry read by default: <c>vim/main.py</c> saves <c>{'model': model.state_dict(), ...}</c>.</summary>
    public const string DefaultEntry = "model";

    private const long MaxPickleBytes = 1L << 30;

    /// <summary>Loads the state dict stored under <paramref name="entry"/> in the checkpoint at <paramref name="path"/>.</summary>
    /// <param name="path">A <c>.pth</c>/<c>.pt</c>/<c>.bin</c> file written by <c>torch.save</c>.</param>
    /// <param name="entry">The top-level key to read (<c>"model"</c>, <c>"model_ema"</c>, …).</param>
    /// <param name="options">Reading options, or <see langword="null"/> for <see cref="PthReadOptions.Default"/>.</param>
    /// <returns>Name → float32 tensor, in the pickle's order.</returns>
    /// <exception cref="CheckpointFormatException">The file is malformed, hostile, or the entry is missing or not a state dict.</exception>
    public static IReadOnlyDictionary<string, Tensor> Load(string path, string entry = DefaultEntry, PthReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
        return Read(fs, entry, options, Path.GetFileName(path));
    }

    /// <summary>Reads the state dict stored under <paramref name="entry"/> from an in-memory checkpoint.</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="entry">The top-level key to read.</param>
    /// <param name="options">Reading options, or <see langword="null"/> for the defaults.</param>
    /// <param name="sourceName">A name for error messages, or <see langword="null"/>.</param>
    /// <exception cref="CheckpointFormatException">The data is malformed, hostile, or the entry is missing or not a state dict.</exception>
    public static IReadOnlyDictionary<string, Tensor> Read(byte[] bytes, string entry = DefaultEntry, PthReadOptions? options = null, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        using var ms = new MemoryStream(bytes, writable: false);
        return Read(ms, entry, options, sourceName);
    }

    /// <summary>Reads the state dict stored under <paramref name="entry"/> from <paramref name="stream"/>.</summary>
    /// <param name="stream">A readable stream positioned at the start of the archive; a non-seekable one is buffered first.</param>
    /// <param name="entry">The top-level key to read.</param>
    /// <param name="options">Reading options, or <see langword="null"/> for the defaults.</param>
    /// <param name="sourceName">A name for error messages, or <see langword="null"/>.</param>
    /// <exception cref="CheckpointFormatException">The data is malformed, hostile, or the entry is missing or not a state dict.</exception>
    public static IReadOnlyDictionary<string, Tensor> Read(Stream stream, string entry = DefaultEntry, PthReadOptions? options = null, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(entry);
        var opts = options ?? PthReadOptions.Default;
        string src = sourceName ?? "checkpoint";
        return WithArchive(stream, src, (zip, length) => ReadArchive(zip, length, entry, opts, src));
    }

    /// <summary>Opens <paramref name="stream"/> as a zip archive and runs <paramref name="read"/> on it, turning zip failures into format errors that name <paramref name="src"/>.</summary>
    private static T WithArchive<T>(Stream stream, string src, Func<ZipArchive, long, T> read)
    {
        if (!stream.CanSeek)
        {
            var ms = new MemoryStream();
            stream.CopyTo(ms);
            ms.Position = 0;
            stream = ms;
        }
        long archiveLength = stream.Length - stream.Position;

        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException ex)
        {
            throw new CheckpointFormatException(src, $"not a readable zip archive ({ex.Message}); expected a checkpoint written by torch.save (PyTorch >= 1.6).", ex);
        }
        using (zip)
        {
            try
            {
                return read(zip, archiveLength);
            }
            catch (InvalidDataException ex)
            {
                throw new CheckpointFormatException(src, $"the zip archive is corrupt ({ex.Message}).", ex);
            }
            catch (EndOfStreamException ex)
            {
                throw new CheckpointFormatException(src, $"the zip archive is truncated ({ex.Message}).", ex);
            }
            catch (NotSupportedException ex)
            {
                throw new CheckpointFormatException(src, $"the zip archive uses a feature that is not supported ({ex.Message}); torch.save writes plain stored entries.", ex);
            }
        }
    }

    /// <summary>Finds the archive's pickle, checks its byte order and version, and unpickles it (restricted).</summary>
    private static object? ReadRoot(ZipArchive zip, long archiveLength, PthReadOptions options, string src, out Dictionary<string, ZipArchiveEntry> entries, out string prefix)
    {
        entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        string? found = null;
        foreach (var e in zip.Entries)
        {
            if (!entries.TryAdd(e.FullName, e)) throw new CheckpointFormatException(src, $"the zip archive holds '{e.FullName}' twice; refusing an ambiguous archive.");
            int slash = e.FullName.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0 && e.FullName.AsSpan(slash + 1).SequenceEqual("data.pkl"))
            {
                if (found is not null) throw new CheckpointFormatException(src, $"the zip archive holds two pickles ('{found}/data.pkl' and '{e.FullName}'); expected one.");
                found = e.FullName[..slash];
            }
        }
        if (found is null)
        {
            string hint = entries.Keys.Any(k => k.EndsWith("constants.pkl", StringComparison.Ordinal)) ? " (this looks like a TorchScript archive, which is not a state dict)" : "";
            throw new CheckpointFormatException(src, $"the zip archive has no '<name>/data.pkl'{hint}; expected a checkpoint written by torch.save.");
        }
        prefix = found;

        if (entries.TryGetValue(prefix + "/byteorder", out var bo))
        {
            string order = System.Text.Encoding.ASCII.GetString(ReadEntry(bo, archiveLength, 16, src)).Trim();
            if (order != "little") throw new CheckpointFormatException(src, $"the storages are stored with byte order '{order}'; only 'little' is supported.");
        }
        if (entries.TryGetValue(prefix + "/version", out var ver))
        {
            string v = System.Text.Encoding.ASCII.GetString(ReadEntry(ver, archiveLength, 64, src)).Trim();
            if (!int.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                throw new CheckpointFormatException(src, $"'{prefix}/version' holds '{v}'; expected a format version number.");
            }
        }

        byte[] pickle = ReadEntry(entries[prefix + "/data.pkl"], archiveLength, MaxPickleBytes, src);
        return RestrictedUnpickler.Load(pickle, $"{src}: {prefix}/data.pkl", options, out _);
    }

    private static IReadOnlyDictionary<string, Tensor> ReadArchive(ZipArchive zip, long archiveLength, string entry, PthReadOptions options, string src)
    {
        object? root = ReadRoot(zip, archiveLength, options, src, out var entries, out string prefix);
        PyDict stateDict = SelectEntry(root, entry, src);
        CheckNoPlaceholders(stateDict, entry, src);
        if (options.Flatten) stateDict = FlattenTensors(stateDict, src);

        var storageCache = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        long budget = 0;
        long used = 0;
        var result = new TensorDictionary();
        foreach (var (k, v) in stateDict.Items)
        {
            if (k is not string name) throw new CheckpointFormatException(src, $"entry '{entry}' has the key {RestrictedUnpickler.Describe(k)}; expected parameter names (str).");
            if (v is not TensorRef t) throw new CheckpointFormatException(src, $"entry '{entry}' maps '{name}' to {RestrictedUnpickler.Describe(v)}; expected a tensor.");
            if (!t.Storage.IsFloating)
            {
                if (options.SkipNonFloatTensors) continue;
                throw new CheckpointFormatException(src, $"tensor '{name}' is stored as {t.Storage.Type.Name} ({t.Storage.Element}); only floating-point tensors are read (set PthReadOptions.SkipNonFloatTensors to leave such tensors out).");
            }
            if (!storageCache.TryGetValue(t.Storage.Key, out var raw))
            {
                long bytes;
                try
                {
                    bytes = checked(t.Storage.Numel * t.Storage.ElementSize);
                }
                catch (OverflowException)
                {
                    throw new CheckpointFormatException(src, $"storage '{t.Storage.Key}' declares {t.Storage.Numel} elements, which overflows.");
                }
                string recordName = $"{prefix}/data/{t.Storage.Key}";
                if (!entries.TryGetValue(recordName, out var record))
                {
                    throw new CheckpointFormatException(src, $"tensor '{name}' uses storage '{t.Storage.Key}', but the archive has no '{recordName}'.");
                }
                if (record.Length != bytes)
                {
                    throw new CheckpointFormatException(src, $"'{recordName}' is {record.Length} bytes, but storage '{t.Storage.Key}' declares {t.Storage.Numel} × {t.Storage.ElementSize}-byte {t.Storage.Type.Name} elements ({bytes} bytes).");
                }
                raw = ReadEntry(record, archiveLength, long.MaxValue, src);
                storageCache.Add(t.Storage.Key, raw);
                budget += 4 * t.Storage.Numel + 1024;
            }
            var tensor = Materialize(name, t, raw, src);
            used += tensor.Numel;
            if (used > budget)
            {
                throw new CheckpointFormatException(src, $"the tensors of entry '{entry}' expand to {used} elements from storages of {budget / 4} elements (overlapping or broadcast views); refusing to allocate more than four times the stored data.");
            }
            if (!result.TryAdd(name, tensor)) throw new CheckpointFormatException(src, $"tensor '{name}' appears twice in entry '{entry}'.");
        }
        return result;
    }

    private static PyDict SelectEntry(object? root, string entry, string src)
    {
        if (root is not PyDict top)
        {
            throw new CheckpointFormatException(src, $"the pickled object is {RestrictedUnpickler.Describe(root)}; expected a dict such as {{'model': state_dict}} or a state dict.");
        }
        if (top.TryGet(entry, out var value))
        {
            if (value is PyDict d) return d;
            throw new CheckpointFormatException(src, $"entry '{entry}' is {RestrictedUnpickler.Describe(value)}; expected a state dict (a dict of tensors).");
        }
        bool isStateDict = top.Items.Count > 0 && top.Items.All(kv => kv.Key is string && kv.Value is TensorRef);
        if (isStateDict && entry == DefaultEntry) return top;
        string keys = string.Join(", ", top.Items.Take(20).Select(kv => kv.Key is string s ? $"'{s}'" : RestrictedUnpickler.Describe(kv.Key)));
        throw new CheckpointFormatException(src, isStateDict
            ? $"the checkpoint is a bare state dict, which has no entry '{entry}'; read it with entry \"{DefaultEntry}\"."
            : $"the checkpoint has no entry '{entry}'; its top-level keys are {keys}.");
    }

    /// <summary>The tensors of a nested entry under dotted keys (see <see cref="PthReadOptions.Flatten"/>); other leaves are left out.</summary>
    private static PyDict FlattenTensors(PyDict entry, string src)
    {
        var flat = new PyDict();
        var work = new Stack<(string Prefix, object? Value, int Depth)>();
        work.Push(("", entry, 0));
        while (work.Count > 0)
        {
            var (prefix, value, depth) = work.Pop();
            if (depth > 64) throw new CheckpointFormatException(src, $"'{prefix}' nests more than 64 levels deep.");
            string Key(object? k) => prefix.Length == 0 ? KeyText(k) : prefix + "." + KeyText(k);
            switch (value)
            {
                case TensorRef t:
                    flat.Set(prefix, t);
                    break;
                case PyDict d:
                    // pushed in reverse, so the keys come out in the dict's order
                    for (int i = d.Items.Count - 1; i >= 0; i--) work.Push((Key(d.Items[i].Key), d.Items[i].Value, depth + 1));
                    break;
                case PyList l:
                    for (int i = l.Items.Count - 1; i >= 0; i--) work.Push((Key(i), l.Items[i], depth + 1));
                    break;
            }
        }
        return flat;
    }

    private static string KeyText(object? key) => key switch
    {
        string s => s,
        int i => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
        System.Numerics.BigInteger b => b.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => RestrictedUnpickler.Describe(key),
    };

    /// <summary>Walks everything reachable from the requested entry (iteratively, so depth is no concern) and refuses placeholders.</summary>
    private static void CheckNoPlaceholders(PyDict stateDict, string entry, string src)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var work = new Stack<object>();
        work.Push(stateDict);
        while (work.Count > 0)
        {
            object o = work.Pop();
            if (!seen.Add(o)) continue;
            IEnumerable<object?> children = o switch
            {
                PyOpaque p => throw new CheckpointFormatException(src, $"entry '{entry}' contains {RestrictedUnpickler.Describe(p)}, a global outside the allowlist; placeholders are allowed only outside the requested entry."),
                PyDict d => d.Items.SelectMany(kv => new[] { kv.Key, kv.Value }).Append(d.State),
                PyList l => l.Items,
                PySet s => s.Items,
                PyTuple t => t.Items,
                _ => [],
            };
            foreach (var c in children)
            {
                if (c is not null) work.Push(c);
            }
        }
    }

    private static byte[] ReadEntry(ZipArchiveEntry e, long archiveLength, long cap, string src)
    {
        long declared = e.Length;
        bool stored = e.CompressedLength == e.Length;
        // Deflate expands at most ~1032:1; a stored entry cannot be longer than the archive.
        long justified = stored ? archiveLength : Math.Min(archiveLength, long.MaxValue / 1100) * 1100;
        if (declared < 0 || declared > justified || declared > Array.MaxLength || declared > cap)
        {
            throw new CheckpointFormatException(src, $"zip entry '{e.FullName}' declares {declared} bytes, more than the archive ({archiveLength} bytes) can hold{(cap < long.MaxValue ? $" or the limit of {cap} bytes" : "")}.");
        }
        var buffer = new byte[declared];
        using var s = e.Open();
        int read = s.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read != declared)
        {
            throw new CheckpointFormatException(src, $"zip entry '{e.FullName}' ends after {read} of its {declared} bytes (truncated archive).");
        }
        // The zip records each entry's CRC-32 (torch.save writes it): a flipped bit in the weights is caught here.
        uint crc = System.IO.Hashing.Crc32.HashToUInt32(buffer);
        if (crc != e.Crc32)
        {
            throw new CheckpointFormatException(src, $"zip entry '{e.FullName}' fails its CRC-32 check (stored {e.Crc32:x8}, computed {crc:x8}): the file is corrupt.");
        }
        return buffer;
    }

    private static Tensor Materialize(string name, TensorRef t, byte[] raw, string src)
    {
        int rank = t.Size.Length;
        var shape = new int[rank];
        long numel = 1;
        for (int i = 0; i < rank; i++)
        {
            long d = t.Size[i];
            if (d < 0 || d > int.MaxValue) throw new CheckpointFormatException(src, $"tensor '{name}' has size {Fmt(t.Size)}; expected non-negative dimensions.");
            shape[i] = (int)d;
        }
        foreach (int d in shape)
        {
            if (d == 0) { numel = 0; break; }
        }
        if (numel != 0)
        {
            foreach (int d in shape)
            {
                if (numel > Array.MaxLength / d) throw new CheckpointFormatException(src, $"tensor '{name}' has size {Fmt(t.Size)}, more than {Array.MaxLength} elements.");
                numel *= d;
            }
        }
        if (t.Offset < 0) throw new CheckpointFormatException(src, $"tensor '{name}' has storage offset {t.Offset}; expected a non-negative offset.");
        for (int i = 0; i < rank; i++)
        {
            if (t.Stride[i] < 0) throw new CheckpointFormatException(src, $"tensor '{name}' has stride {Fmt(t.Stride)}; negative strides are not supported.");
        }
        var values = new float[numel];
        if (numel > 0)
        {
            Int128 last = t.Offset;
            for (int i = 0; i < rank; i++) last += (Int128)(shape[i] - 1) * t.Stride[i];
            if (last >= t.Storage.Numel)
            {
                throw new CheckpointFormatException(src, $"tensor '{name}' (size {Fmt(t.Size)}, stride {Fmt(t.Stride)}, offset {t.Offset}) reaches element {last} of storage '{t.Storage.Key}', which has {t.Storage.Numel} elements.");
            }
            Gather(t, shape, raw, values);
        }
        return Tensor.Wrap(values, new Shape(shape));
    }

    private static void Gather(TensorRef t, int[] shape, byte[] raw, float[] dst)
    {
        int rank = shape.Length;
        int es = t.Storage.ElementSize;
        // Contiguous (row-major) views are converted in one run.
        bool contiguous = true;
        long expected = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            if (shape[i] != 1 && t.Stride[i] != expected) { contiguous = false; break; }
            expected *= shape[i];
        }
        if (contiguous)
        {
            Convert(t.Storage.Element, raw.AsSpan((int)(t.Offset * es), dst.Length * es), dst);
            return;
        }
        // General strided view: walk the index odometer over the innermost dimension.
        var index = new int[rank];
        int inner = rank == 0 ? 1 : shape[rank - 1];
        long innerStride = rank == 0 ? 0 : t.Stride[rank - 1];
        Span<float> one = stackalloc float[1];
        int o = 0;
        while (o < dst.Length)
        {
            long baseIndex = t.Offset;
            for (int i = 0; i < rank - 1; i++) baseIndex += index[i] * t.Stride[i];
            for (int j = 0; j < inner; j++)
            {
                long e = baseIndex + j * innerStride;
                Convert(t.Storage.Element, raw.AsSpan((int)(e * es), es), one);
                dst[o++] = one[0];
            }
            for (int i = rank - 2; i >= 0; i--)
            {
                if (++index[i] < shape[i]) break;
                index[i] = 0;
            }
        }
    }

    private static void Convert(StorageElement element, ReadOnlySpan<byte> src, Span<float> dst)
    {
        switch (element)
        {
            case StorageElement.Float32: ElementConversion.F32(src, dst); break;
            case StorageElement.Float16: ElementConversion.F16(src, dst); break;
            case StorageElement.BFloat16: ElementConversion.BF16(src, dst); break;
            case StorageElement.Float64: ElementConversion.F64(src, dst); break;
            default: throw new InvalidOperationException($"Storage element {element} is not floating point.");
        }
    }

    private static string Fmt(long[] v) => "(" + string.Join(", ", v) + ")";
}
