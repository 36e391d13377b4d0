using System.Buffers.Binary;
using System.Text;

namespace Vim.Runtime.Checkpoints;

/// <summary>
/// A pickle interpreter for PyTorch state dicts that never imports or calls anything. It understands the opcodes of
/// protocols 2–5 that <c>torch.save</c> emits for dicts, lists, tuples, numbers, strings and tensors; every global is
/// checked against a fixed allowlist when the <c>GLOBAL</c>/<c>STACK_GLOBAL</c> opcode is read, before anything uses it.
/// </summary>
internal sealed class RestrictedUnpickler
{
    private static readonly Dictionary<string, PyGlobal> Allowlist = BuildAllowlist();

    // Checkpoint keys are names and small tuples; anything near this is built to make hashing slow.
    private const long MaxKeyValues = 10_000;
    private static readonly Encoding Utf8Strict = new UTF8Encoding(false, true);
    private static readonly Encoding Latin1 = Encoding.Latin1;

    private readonly byte[] _data;
    private readonly string _where;
    private readonly PthReadOptions _options;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private readonly Dictionary<string, StorageRef> _storages = new(StringComparer.Ordinal);
    private int _pos;
    private int _opStart;

    private RestrictedUnpickler(byte[] data, string where, PthReadOptions options)
    {
        _data = data;
        _where = where;
        _options = options;
    }

    /// <summary>The names of the allowlisted globals, for messages and documentation.</summary>
    public static IEnumerable<string> AllowedGlobals => Allowlist.Keys;

    /// <summary>Unpickles <paramref name="data"/>; <paramref name="where"/> prefixes error messages (e.g. "x.pth: archive/data.pkl").</summary>
    public static object? Load(byte[] data, string where, PthReadOptions options, out IReadOnlyDictionary<string, StorageRef> storages)
    {
        var u = new RestrictedUnpickler(data, where, options);
        object? result = u.Run();
        storages = u._storages;
        return result;
    }

    private static Dictionary<string, PyGlobal> BuildAllowlist()
    {
        var list = new List<PyGlobal>
        {
            new("collections", "OrderedDict", GlobalKind.OrderedDict),
            new("torch._utils", "_rebuild_tensor_v2", GlobalKind.RebuildTensorV2),
            new("torch._utils", "_rebuild_tensor", GlobalKind.RebuildTensor),
            new("torch._utils", "_rebuild_parameter", GlobalKind.RebuildParameter),
            new("torch._utils", "_rebuild_parameter_with_state", GlobalKind.RebuildParameterWithState),
            new("torch._tensor", "_rebuild_from_type_v2", GlobalKind.RebuildFromTypeV2),
            new("torch", "Tensor", GlobalKind.TensorType),
            new("torch.nn.parameter", "Parameter", GlobalKind.ParameterType),
            new("torch", "FloatStorage", GlobalKind.Storage, StorageElement.Float32),
            new("torch", "HalfStorage", GlobalKind.Storage, StorageElement.Float16),
            new("torch", "BFloat16Storage", GlobalKind.Storage, StorageElement.BFloat16),
            new("torch", "DoubleStorage", GlobalKind.Storage, StorageElement.Float64),
            new("torch", "LongStorage", GlobalKind.Storage, StorageElement.Int64),
            new("torch", "IntStorage", GlobalKind.Storage, StorageElement.Int32),
            new("torch", "ShortStorage", GlobalKind.Storage, StorageElement.Int16),
            new("torch", "CharStorage", GlobalKind.Storage, StorageElement.Int8),
            new("torch", "ByteStorage", GlobalKind.Storage, StorageElement.UInt8),
            new("torch", "BoolStorage", GlobalKind.Storage, StorageElement.Bool),
        };
        return list.ToDictionary(g => g.FullName, StringComparer.Ordinal);
    }

    private CheckpointFormatException Error(string message)
        => new(null, $"{_where} (byte {_opStart}): {message}");

    private object? Run()
    {
        while (true)
        {
            if (_pos >= _data.Length) throw Error("the pickle ends without a STOP opcode (truncated?).");
            _opStart = _pos;
            byte op = _data[_pos++];
            switch (op)
            {
                case 0x80: // PROTO
                {
                    int proto = ReadByte();
                    if (proto < 2 || proto > 5) throw Error($"pickle protocol {proto} is not supported; expected 2 to 5 (what torch.save writes).");
                    break;
                }
                case 0x95: // FRAME: a length prefix we only validate
                {
                    long len = (long)ReadUInt64();
                    if (len > _data.Length - _pos) throw Error($"FRAME of {len} bytes runs past the end of the pickle ({_data.Length - _pos} bytes left).");
                    break;
                }
                case (byte)'.': // STOP
                {
                    if (_marks.Count != 0) throw Error("STOP with an unclosed MARK.");
                    if (_stack.Count != 1) throw Error($"STOP with {_stack.Count} values on the stack; expected exactly one.");
                    return _stack[0];
                }
                case (byte)'(': // MARK
                    if (_marks.Count >= _options.MaxNestingDepth) throw Error($"pickle nesting is deeper than {_options.MaxNestingDepth} MARKs; refusing it.");
                    _marks.Add(_stack.Count);
                    break;
                case (byte)'0': Pop(); break; // POP
                case (byte)'1': PopMark(); break; // POP_MARK
                case (byte)'2': Push(Peek()); break; // DUP
                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
                case (byte)'K': Push((long)ReadByte()); break;
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
                case 0x8a: Push(ReadLong(ReadByte())); break; // LONG1
                case 0x8b: // LONG4
                {
                    int n = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
                    if (n < 0) throw Error($"LONG4 with negative length {n}.");
                    Push(ReadLong(n));
                    break;
                }
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break; // BINFLOAT
                case (byte)'X': Push(DecodeUtf8(Take(CheckedLength(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))))); break;
                case 0x8c: Push(DecodeUtf8(Take(ReadByte()))); break; // SHORT_BINUNICODE
                case 0x8d: Push(DecodeUtf8(Take(CheckedLength(ReadUInt64())))); break; // BINUNICODE8
                case (byte)'T': // BINSTRING (Python 2 str; decoded as Latin-1)
                {
                    int n = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
                    if (n < 0) throw Error($"BINSTRING with negative length {n}.");
                    Push(Latin1.GetString(Take(n)));
                    break;
                }
                case (byte)'U': Push(Latin1.GetString(Take(ReadByte()))); break; // SHORT_BINSTRING
                case (byte)'B': Push(new PyBytes(Take(CheckedLength(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))).ToArray())); break;
                case (byte)'C': Push(new PyBytes(Take(ReadByte()).ToArray())); break; // SHORT_BINBYTES
                case 0x8e: Push(new PyBytes(Take(CheckedLength(ReadUInt64())).ToArray())); break; // BINBYTES8
                case 0x96: Push(new PyBytes(Take(CheckedLength(ReadUInt64())).ToArray())); break; // BYTEARRAY8
                case (byte)'}': Push(new PyDict()); break;
                case (byte)']': Push(new PyList()); break;
                case (byte)')': Push(new PyTuple([], 1, 0)); break;
                case 0x8f: Push(new PySet()); break; // EMPTY_SET
                case (byte)'t': Push(MakeTuple(PopMark())); break;
                case 0x85: Push(MakeTuple([Pop()])); break;
                case 0x86: { var b = Pop(); var a = Pop(); Push(MakeTuple([a, b])); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(MakeTuple([a, b, c])); break; }
                case (byte)'l': // LIST
                {
                    var list = new PyList();
                    list.Items.AddRange(PopMark());
                    Push(list);
                    break;
                }
                case (byte)'d': // DICT
                {
                    var items = PopMark();
                    if (items.Length % 2 != 0) throw Error("DICT with an odd number of items.");
                    var dict = new PyDict();
                    for (int i = 0; i < items.Length; i += 2) SetItem(dict, items[i], items[i + 1]);
                    Push(dict);
                    break;
                }
                case 0x91: // FROZENSET
                {
                    var set = new PySet();
                    set.Items.AddRange(PopMark());
                    Push(set);
                    break;
                }
                case (byte)'q': MemoPut(ReadByte()); break; // BINPUT
                case (byte)'r': MemoPut(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); break; // LONG_BINPUT
                case 0x94: MemoPut(_memo.Count); break; // MEMOIZE
                case (byte)'h': MemoGet(ReadByte()); break; // BINGET
                case (byte)'j': MemoGet(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); break; // LONG_BINGET
                case (byte)'s': // SETITEM
                {
                    var value = Pop();
                    var key = Pop();
                    SetItem(Peek(), key, value);
                    break;
                }
                case (byte)'u': // SETITEMS
                {
                    var items = PopMark();
                    if (items.Length % 2 != 0) throw Error("SETITEMS with an odd number of items.");
                    var target = Peek();
                    for (int i = 0; i < items.Length; i += 2) SetItem(target, items[i], items[i + 1]);
                    break;
                }
                case (byte)'a': // APPEND
                {
                    var value = Pop();
                    Append(Peek(), [value]);
                    break;
                }
                case (byte)'e': // APPENDS: the items above the mark go to the list below it (pop them first, then find the list)
                {
                    var items = PopMark();
                    Append(Peek(), items);
                    break;
                }
                case 0x90: // ADDITEMS
                {
                    var items = PopMark();
                    if (Peek() is PySet set) set.Items.AddRange(items);
                    else throw Error($"ADDITEMS on {Describe(Peek())}; expected a set.");
                    break;
                }
                case (byte)'c': // GLOBAL
                {
                    string module = ReadLine();
                    string name = ReadLine();
                    Push(ResolveGlobal(module, name));
                    break;
                }
                case 0x93: // STACK_GLOBAL
                {
                    var name = Pop();
                    var module = Pop();
                    if (module is not string m || name is not string n)
                    {
                        throw Error($"STACK_GLOBAL needs two strings, got {Describe(module)} and {Describe(name)}.");
                    }
                    Push(ResolveGlobal(m, n));
                    break;
                }
                case (byte)'R': // REDUCE
                {
                    var args = Pop();
                    var callable = Pop();
                    if (args is not PyTuple t) throw Error($"REDUCE arguments are {Describe(args)}; expected a tuple.");
                    Push(Call(callable, t));
                    break;
                }
                case 0x81: // NEWOBJ
                {
                    var args = Pop();
                    var cls = Pop();
                    if (args is not PyTuple t) throw Error($"NEWOBJ arguments are {Describe(args)}; expected a tuple.");
                    Push(New(cls, t, null));
                    break;
                }
                case 0x92: // NEWOBJ_EX
                {
                    var kwargs = Pop();
                    var args = Pop();
                    var cls = Pop();
                    if (args is not PyTuple t) throw Error($"NEWOBJ_EX arguments are {Describe(args)}; expected a tuple.");
                    Push(New(cls, t, kwargs));
                    break;
                }
                case (byte)'b': // BUILD
                {
                    var state = Pop();
                    Build(Peek(), state);
                    break;
                }
                case (byte)'Q': Push(PersistentLoad(Pop())); break; // BINPERSID
                default:
                    throw Error($"opcode 0x{op:x2} ({OpcodeName(op)}) is not supported by the restricted unpickler; expected only the opcodes torch.save uses for state dicts.");
            }
        }
    }

    private static string OpcodeName(byte op) => op switch
    {
        (byte)'i' => "INST",
        (byte)'o' => "OBJ",
        (byte)'P' => "PERSID",
        (byte)'I' => "INT",
        (byte)'L' => "LONG",
        (byte)'F' => "FLOAT",
        (byte)'S' => "STRING",
        (byte)'V' => "UNICODE",
        (byte)'p' => "PUT",
        (byte)'g' => "GET",
        0x82 or 0x83 or 0x84 => "EXT",
        0x97 => "NEXT_BUFFER",
        0x98 => "READONLY_BUFFER",
        _ => "unknown",
    };

    // ---- stack helpers ----

    private void Push(object? value)
    {
        if (_stack.Count >= 50_000_000) throw Error("the pickle stack grew past 50,000,000 values.");
        _stack.Add(value);
    }

    private object? Pop()
    {
        int floor = _marks.Count > 0 ? _marks[^1] : 0;
        if (_stack.Count <= floor) throw Error("the pickle pops from an empty stack (or below a MARK).");
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private object? Peek()
    {
        int floor = _marks.Count > 0 ? _marks[^1] : 0;
        if (_stack.Count <= floor) throw Error("the pickle reads an empty stack (or below a MARK).");
        return _stack[^1];
    }

    private object?[] PopMark()
    {
        if (_marks.Count == 0) throw Error("an opcode expects a MARK, but none is open.");
        int m = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(m, _stack.Count - m).ToArray();
        _stack.RemoveRange(m, _stack.Count - m);
        return items;
    }

    private PyTuple MakeTuple(object?[] items)
    {
        int depth = 1;
        long size = items.Length;
        foreach (var i in items)
        {
            if (i is not PyTuple t) continue;
            if (t.Depth + 1 > depth) depth = t.Depth + 1;
            size = size > long.MaxValue - t.ExpandedSize ? long.MaxValue : size + t.ExpandedSize;
        }
        if (depth > _options.MaxNestingDepth) throw Error($"tuples are nested deeper than {_options.MaxNestingDepth} levels; refusing them.");
        return new PyTuple(items, depth, size);
    }

    // ---- byte readers (every length is checked against the bytes left) ----

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n < 0 || n > _data.Length - _pos)
        {
            throw Error($"an opcode needs {n} more bytes, but only {_data.Length - _pos} are left (truncated pickle?).");
        }
        var span = _data.AsSpan(_pos, n);
        _pos += n;
        return span;
    }

    private int ReadByte() => Take(1)[0];

    private ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    private int CheckedLength(ulong n)
    {
        if (n > (ulong)(_data.Length - _pos)) throw Error($"a length of {n} bytes runs past the end of the pickle ({_data.Length - _pos} bytes left).");
        return (int)n;
    }

    private long ReadLong(int n)
    {
        var bytes = Take(n);
        if (n == 0) return 0;
        if (n > 8) throw Error($"an integer of {n} bytes does not fit in 64 bits; refusing it.");
        long v = (bytes[n - 1] & 0x80) != 0 ? -1 : 0; // sign extension
        for (int i = n - 1; i >= 0; i--) v = (v << 8) | bytes[i];
        return v;
    }

    private string ReadLine()
    {
        int end = Array.IndexOf(_data, (byte)'\n', _pos, Math.Min(_data.Length - _pos, 1024));
        if (end < 0) throw Error("GLOBAL's module or name is not terminated by a newline within 1024 bytes.");
        string s = Utf8Decode(_data.AsSpan(_pos, end - _pos));
        _pos = end + 1;
        return s;
    }

    private string DecodeUtf8(ReadOnlySpan<byte> bytes) => Utf8Decode(bytes);

    private string Utf8Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return Utf8Strict.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new CheckpointFormatException(null, $"{_where} (byte {_opStart}): a string is not valid UTF-8.", ex);
        }
    }

    private void MemoPut(long index)
    {
        if (!_memo.ContainsKey(index) && _memo.Count >= _options.MaxMemoEntries)
        {
            throw Error($"the pickle memo grew past {_options.MaxMemoEntries} entries; refusing it.");
        }
        _memo[index] = Peek();
    }

    private void MemoGet(long index)
    {
        if (!_memo.TryGetValue(index, out var v)) throw Error($"memo entry {index} is read before it is written.");
        Push(v);
    }

    // ---- object semantics ----

    private object ResolveGlobal(string module, string name)
    {
        string full = module + "." + name;
        if (Allowlist.TryGetValue(full, out var g)) return g;
        // The official main.py saves its argparse.Namespace as 'args' in every training checkpoint: a plain attribute
        // bag, kept as an inert placeholder (never constructed) that may sit beside the entry but not inside it.
        if (_options.AllowUnknownGlobalsOutsideEntry || full == "argparse.Namespace") return new PyOpaque(full, isCallResult: false);
        throw Error($"the pickle references the global '{full}', which is not on the allowlist of state-dict types; refusing it before anything is constructed (nothing is imported or executed). Allowed: {string.Join(", ", Allowlist.Keys)}, and argparse.Namespace outside the entry read. The vim CLI reads such files: it keeps unknown objects outside the entry as inert placeholders (from C#: PthReadOptions.AllowUnknownGlobalsOutsideEntry).");
    }

    private void SetItem(object? target, object? key, object? value)
    {
        switch (target)
        {
            case PyDict d:
                if (key is PyList or PyDict or PySet) throw Error($"a dict key is {Describe(key)}, which is unhashable.");
                if (key is PyTuple { ExpandedSize: > MaxKeyValues } big)
                {
                    throw Error($"a dict key is a tuple of {(big.ExpandedSize == long.MaxValue ? "more than 2^63" : big.ExpandedSize.ToString(System.Globalization.CultureInfo.InvariantCulture))} values once its nested tuples are expanded; keys of more than {MaxKeyValues} are refused (hashing one takes time in proportion).");
                }
                d.Set(key, value);
                break;
            case PyOpaque o:
                o.Extra.Add(key);
                o.Extra.Add(value);
                break;
            default:
                throw Error($"SETITEM(S) on {Describe(target)}; expected a dict.");
        }
    }

    private void Append(object? target, object?[] values)
    {
        switch (target)
        {
            case PyList l: l.Items.AddRange(values); break;
            case PyOpaque o: o.Extra.AddRange(values); break;
            default: throw Error($"APPEND(S) on {Describe(target)}; expected a list.");
        }
    }

    private void Build(object? target, object? state)
    {
        switch (target)
        {
            case PyDict d: d.State = state; break; // OrderedDict.__dict__, e.g. _metadata: kept, never interpreted
            case PyOpaque o: o.State = state; break;
            case TensorRef when state is null || (state is PyDict sd && sd.Items.Count == 0): break;
            default: throw Error($"BUILD on {Describe(target)} with state {Describe(state)} is not supported.");
        }
    }

    private object New(object? cls, PyTuple args, object? kwargs)
    {
        switch (cls)
        {
            case PyGlobal { Kind: GlobalKind.OrderedDict }:
                if (args.Items.Length != 0) throw Error("OrderedDict.__new__ with arguments is not supported.");
                return new PyDict();
            case PyOpaque o:
                return new PyOpaque(o.FullName, isCallResult: true) { Args = kwargs is null ? args : MakeTuple([args, kwargs]) };
            default:
                throw Error($"NEWOBJ on {Describe(cls)} is not supported; only collections.OrderedDict can be instantiated.");
        }
    }

    private object? Call(object? callable, PyTuple args)
    {
        if (callable is PyOpaque o) return new PyOpaque(o.FullName, isCallResult: true) { Args = args };
        if (callable is not PyGlobal g) throw Error($"REDUCE calls {Describe(callable)}, which is not callable here.");
        var a = args.Items;
        switch (g.Kind)
        {
            case GlobalKind.OrderedDict:
            {
                var d = new PyDict();
                if (a.Length == 0) return d;
                if (a.Length == 1 && a[0] is PyList or PyTuple)
                {
                    var pairs = a[0] is PyList pl ? pl.Items.ToArray() : ((PyTuple)a[0]!).Items;
                    foreach (var p in pairs)
                    {
                        if (p is not PyTuple { Items.Length: 2 } kv) throw Error($"OrderedDict(...) item is {Describe(p)}; expected a (key, value) pair.");
                        SetItem(d, kv.Items[0], kv.Items[1]);
                    }
                    return d;
                }
                throw Error($"OrderedDict called with {a.Length} arguments; expected none or one list of pairs.");
            }
            case GlobalKind.RebuildTensorV2:
            case GlobalKind.RebuildTensor:
            {
                int min = g.Kind == GlobalKind.RebuildTensorV2 ? 6 : 4;
                if (a.Length < min || a.Length > min + 1) throw Error($"{g.FullName} got {a.Length} arguments; expected {min} (or {min + 1}).");
                if (a[0] is not StorageRef storage) throw Error($"{g.FullName}: the storage is {Describe(a[0])}; expected a persistent storage reference.");
                if (a[1] is not long offset) throw Error($"{g.FullName}: storage_offset is {Describe(a[1])}; expected an int.");
                long[] size = IntTuple(a[2], g.FullName, "size");
                long[] stride = IntTuple(a[3], g.FullName, "stride");
                if (size.Length != stride.Length) throw Error($"{g.FullName}: size has {size.Length} dimensions but stride has {stride.Length}.");
                return new TensorRef(storage, offset, size, stride);
            }
            case GlobalKind.RebuildParameter:
            case GlobalKind.RebuildParameterWithState:
                if (a.Length < 3 || a[0] is not TensorRef data) throw Error($"{g.FullName} expects (tensor, requires_grad, backward_hooks[, state]), got {a.Length} arguments starting with {Describe(a.Length > 0 ? a[0] : null)}.");
                return data;
            case GlobalKind.RebuildFromTypeV2:
            {
                if (a.Length != 4 || a[2] is not PyTuple inner) throw Error($"{g.FullName} expects (func, type, args, state).");
                if (a[1] is not PyGlobal { Kind: GlobalKind.TensorType or GlobalKind.ParameterType })
                {
                    throw Error($"{g.FullName}: tensor type {Describe(a[1])} is not supported; expected torch.Tensor or torch.nn.parameter.Parameter.");
                }
                if (a[0] is not PyGlobal { Kind: GlobalKind.RebuildTensorV2 or GlobalKind.RebuildTensor or GlobalKind.RebuildParameter })
                {
                    throw Error($"{g.FullName}: rebuild function {Describe(a[0])} is not supported.");
                }
                return Call(a[0], inner);
            }
            default:
                throw Error($"'{g.FullName}' cannot be called here.");
        }
    }

    private long[] IntTuple(object? value, string func, string what)
    {
        if (value is not PyTuple t) throw Error($"{func}: {what} is {Describe(value)}; expected a tuple of ints.");
        var r = new long[t.Items.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = t.Items[i] is long l ? l : throw Error($"{func}: {what}[{i}] is {Describe(t.Items[i])}; expected an int.");
        }
        return r;
    }

    private StorageRef PersistentLoad(object? pid)
    {
        if (pid is not PyTuple { Items.Length: 5 } t || t.Items[0] is not "storage")
        {
            throw Error($"persistent id {Describe(pid)} is not ('storage', type, key, location, numel).");
        }
        if (t.Items[1] is not PyGlobal { Kind: GlobalKind.Storage } type)
        {
            throw Error($"persistent id storage type is {Describe(t.Items[1])}; expected a torch.*Storage class on the allowlist.");
        }
        if (t.Items[2] is not string key || key.Length == 0 || key.Length > 256 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') || key.Contains(".."))
        {
            throw Error($"persistent id storage key {Describe(t.Items[2])} is not a plain record name.");
        }
        if (t.Items[3] is not string location) throw Error($"persistent id location is {Describe(t.Items[3])}; expected a string such as 'cpu'.");
        if (t.Items[4] is not long numel || numel < 0) throw Error($"persistent id numel is {Describe(t.Items[4])}; expected a non-negative int.");
        if (_storages.TryGetValue(key, out var existing))
        {
            if (existing.Type != type || existing.Numel != numel)
            {
                throw Error($"storage '{key}' is declared twice with different types or sizes ({existing.Type.Name}[{existing.Numel}] vs {type.Name}[{numel}]).");
            }
            return existing;
        }
        var s = new StorageRef(key, type, location, numel);
        _storages.Add(key, s);
        return s;
    }

    /// <summary>A short, non-recursive description of a value for error messages.</summary>
    public static string Describe(object? v) => v switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        long l => $"the int {l}",
        double d => $"the float {d}",
        string s => s.Length > 60 ? $"the str '{s[..60]}…'" : $"the str '{s}'",
        PyBytes b => $"bytes of length {b.Data.Length}",
        PyTuple t => $"a tuple of {t.Items.Length}",
        PyList l => $"a list of {l.Items.Count}",
        PyDict d => $"a dict of {d.Items.Count}",
        PySet s => $"a set of {s.Items.Count}",
        PyGlobal g => $"the global '{g.FullName}'",
        PyOpaque o => o.IsCallResult ? $"a placeholder for a '{o.FullName}' object" : $"a placeholder for the global '{o.FullName}'",
        StorageRef s => $"storage '{s.Key}'",
        TensorRef => "a tensor",
        _ => v.GetType().Name,
    };
}
