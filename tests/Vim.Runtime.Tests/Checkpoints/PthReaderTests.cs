using Vim.Runtime.Checkpoints;
using Vim.Runtime.Tensors;
using static Vim.Runtime.Tests.Checkpoints.SafeTensorsTests;

namespace Vim.Runtime.Tests.Checkpoints;

public sealed class PthReaderTests
{
    private static readonly PthReadOptions Permissive = new() { AllowUnknownGlobalsOutsideEntry = true };

    [Theory]
    [InlineData("vim_tiny.pth", "vim_tiny.safetensors")]
    [InlineData("digits.pth", "digits.safetensors")]
    public void Official_pth_equals_safetensors_bitwise_and_in_order(string pth, string st)
    {
        var expected = SafeTensors.Load(DataPath(st));
        var actual = PthReader.Load(DataPath(pth));
        AssertSameTensors(expected, actual);
        Assert.Equal(expected.Count, actual.Count);
        using var fs = File.OpenRead(DataPath(pth));
        AssertSameTensors(expected, PthReader.Read(fs));
        AssertSameTensors(expected, PthReader.Read(File.ReadAllBytes(DataPath(pth))));
        using var ns = new NonSeekableStream(File.ReadAllBytes(DataPath(pth)));
        AssertSameTensors(expected, PthReader.Read(ns));
    }

    /// <summary>
    /// A real torch.save of a training checkpoint (optimizer param_groups are lists of dicts, whose pickle uses APPENDS
    /// after nested lists and tuples): its model entry loads.
    /// </summary>
    [Fact]
    public void TorchSavedTrainingState_WithListsOfSeveralItems_Loads()
    {
        var model = PthReader.Load(DataPath("training_state.pth"));
        Assert.Equal(["a.weight", "a.bias"], model.Keys);
        Assert.Equal(new float[] { 0, 1, 2, 3, 4, 5 }, model["a.weight"].ToArray());
        Assert.Equal(new float[] { 0.5f, -1.5f }, model["a.bias"].ToArray());
    }

    /// <summary>
    /// torch.save (PyTorch 1.13) of main.py's layout — model, optimizer, lr_scheduler, epoch, model_ema, args as an
    /// argparse.Namespace — plus an entry of nested dicts, lists and tuples: every entry reads with the defaults.
    /// </summary>
    [Fact]
    public void TorchSavedOfficialLayout_ReadsEveryEntry_WithTheDefaults()
    {
        string path = DataPath("official_layout.pth");
        var model = PthReader.Load(path);
        Assert.Equal(["weight", "bias"], model.Keys);
        // One AdamW step of lr 1e-3 from bias (0.5, −1.5) with gradient (4, 4); model_ema was saved as twice the model.
        float[] bias = model["bias"].ToArray();
        Assert.Equal(0.499, bias[0], 1e-6);
        Assert.Equal(-1.501, bias[1], 1e-6);
        Assert.Equal(bias.Select(b => 2 * b), PthReader.Load(path, "model_ema")["bias"].ToArray());
        Assert.Equal(3L, PthReader.LoadValue(path, "epoch"));

        var args = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(PthReader.LoadValue(path, "args"));
        Assert.Equal("vim_tiny", args["model"]);
        Assert.Equal(5e-4, args["lr"]);
        Assert.Equal(224L, args["input_size"]);
        Assert.Null(args["betas"]);
        Assert.Equal(new object?[] { true, false }, (IEnumerable<object?>)args["flags"]!);
        Assert.Equal(new object?[] { 1L, 2L }, (IEnumerable<object?>)args["pair"]!);

        var nested = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(PthReader.LoadValue(path, "nested"));
        var list = (IReadOnlyList<object?>)nested["list"]!;
        Assert.Equal(4, list.Count);
        Assert.Equal(1L, list[0]);
        Assert.Equal(new object?[] { 2L, 3L }, (IEnumerable<object?>)list[1]!);
        var tuple = (IReadOnlyList<object?>)list[2]!;
        Assert.Equal(4L, tuple[0]);
        Assert.Equal(new object?[] { 5L, 6L }, (IEnumerable<object?>)tuple[1]!);
        Assert.Equal(new object?[] { 7L, 8L }, (IEnumerable<object?>)((IReadOnlyDictionary<string, object?>)list[3]!)["k"]!);
        var t = (IReadOnlyList<object?>)nested["tuple"]!;
        Assert.Equal(1.5, t[0]);
        Assert.Equal(new object?[] { "x", "y" }, (IEnumerable<object?>)t[1]!);
        Assert.Empty((IEnumerable<object?>)t[2]!);
        Assert.Empty((IReadOnlyDictionary<string, object?>)nested["empty"]!);
        Assert.Equal("int key", nested["3"]);
        Assert.Equal(1L << 40, nested["big"]);

        var optimizer = (IReadOnlyDictionary<string, object?>)PthReader.LoadValue(path, "optimizer")!;
        var groups = (IReadOnlyList<object?>)optimizer["param_groups"]!;
        Assert.Equal(2, groups.Count);
        Assert.Equal(0.05, ((IReadOnlyDictionary<string, object?>)groups[1]!)["weight_decay"]);
        Assert.Equal(new object?[] { 0.9, 0.999 }, (IEnumerable<object?>)((IReadOnlyDictionary<string, object?>)groups[0]!)["betas"]!);
        var flat = PthReader.Load(path, "optimizer", new PthReadOptions { Flatten = true });
        Assert.Equal(new long[] { 2 }, flat["state.0.exp_avg"].Shape.ToArray().Select(d => (long)d));
    }

    // ---- synthetic checkpoints ----

    /// <summary>{'model': OrderedDict(w=[[1,2,3],[4,5,6]], b=[7,8]), 'model_ema': OrderedDict(w=..., b=...)} with the given extra entries.</summary>
    private static byte[] TrainingCheckpoint(Action<PickleBuilder>? extraEntries = null)
    {
        var p = new PickleBuilder().Proto(2).EmptyDict().Mark();
        p.Str("model").OrderedDict().Mark()
            .Str("w").Tensor("0", 8, 0, [2, 3], [3, 1])
            .Str("b").Tensor("0", 8, 6, [2], [1])
            .SetItems();
        p.Str("model_ema").OrderedDict().Mark()
            .Str("w").Tensor("1", 6, 0, [2, 3], [3, 1])
            .Str("b").Tensor("2", 2, 0, [2], [1])
            .SetItems();
        extraEntries?.Invoke(p);
        p.SetItems().Stop();
        return PthBuilder.Zip("checkpoint", p.ToArray(),
        [
            ("0", PthBuilder.Floats(1, 2, 3, 4, 5, 6, 7, 8)),
            ("1", PthBuilder.Floats(-1, -2, -3, -4, -5, -6)),
            ("2", PthBuilder.Floats(-7, -8)),
        ]);
    }

    [Fact]
    public void Model_and_model_ema_entries()
    {
        byte[] file = TrainingCheckpoint(p => p.Str("epoch").Int(299));
        var model = PthReader.Read(file);
        Assert.Equal(["w", "b"], model.Keys.ToList());
        Assert.Equal(new Shape(2, 3), model["w"].Shape);
        Assert.Equal([1f, 2, 3, 4, 5, 6], model["w"].ToArray());
        Assert.Equal([7f, 8], model["b"].ToArray()); // storage offset 6 of a shared storage

        var ema = PthReader.Read(file, "model_ema");
        Assert.Equal([-1f, -2, -3, -4, -5, -6], ema["w"].ToArray());
        Assert.Equal([-7f, -8], ema["b"].ToArray());

        var ex = Assert.Throws<CheckpointFormatException>(() => PthReader.Read(file, "optimizer", sourceName: "train.pth"));
        Assert.Contains("no entry 'optimizer'", ex.Message);
        Assert.Contains("'model', 'model_ema', 'epoch'", ex.Message);
        Assert.StartsWith("train.pth: ", ex.Message);
        Assert.Contains("is the int 299", Assert.Throws<CheckpointFormatException>(() => PthReader.Read(file, "epoch")).Message);
    }

    [Fact]
    public void Bare_state_dict_and_strided_views()
    {
        // OrderedDict(t=transpose of a 2x3, s=every other element from offset 1, h=F16 storage, e=empty, z=scalar)
        var p = new PickleBuilder().Proto(2).OrderedDict().Mark()
            .Str("t").Tensor("0", 6, 0, [3, 2], [1, 3])
            .Str("s").Tensor("0", 6, 1, [2], [2])
            .Str("h").Tensor("1", 3, 0, [3], [1], "HalfStorage")
            .Str("bf").Tensor("3", 2, 0, [2], [1], "BFloat16Storage")
            .Str("e").Tensor("0", 6, 0, [0, 5], [5, 1])
            .Str("z").Tensor("2", 1, 0, [], [])
            .Str("bcast").Tensor("2", 1, 0, [2, 2], [0, 0])
            .SetItems().Stop();
        byte[] file = PthBuilder.Zip("archive", p.ToArray(),
        [
            ("0", PthBuilder.Floats(1, 2, 3, 4, 5, 6)),
            ("1", [0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38]), // 1, -2, 0.5
            ("2", PthBuilder.Floats(42)),
            ("3", [0x80, 0x3F, 0x20, 0xC0]), // 1, -2.5
        ]);
        var sd = PthReader.Read(file);
        Assert.Equal(["t", "s", "h", "bf", "e", "z", "bcast"], sd.Keys.ToList());
        Assert.Equal([1f, 4, 2, 5, 3, 6], sd["t"].ToArray());
        Assert.Equal(new Shape(3, 2), sd["t"].Shape);
        Assert.Equal([2f, 4], sd["s"].ToArray());
        Assert.Equal([1f, -2, 0.5f], sd["h"].ToArray());
        Assert.Equal([1f, -2.5f], sd["bf"].ToArray());
        Assert.Equal(new Shape(0, 5), sd["e"].Shape);
        Assert.Equal(new Shape(), sd["z"].Shape);
        Assert.Equal([42f], sd["z"].ToArray());
        Assert.Equal([42f, 42, 42, 42], sd["bcast"].ToArray());

        // A bare state dict has no 'model_ema'.
        Assert.Contains("bare state dict", Assert.Throws<CheckpointFormatException>(() => PthReader.Read(file, "model_ema")).Message);
        // Compressed archives read the same.
        var compressed = PthBuilder.Zip("archive", p.ToArray(),
        [
            ("0", PthBuilder.Floats(1, 2, 3, 4, 5, 6)), ("1", [0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38]), ("2", PthBuilder.Floats(42)), ("3", [0x80, 0x3F, 0x20, 0xC0]),
        ], compress: true);
        AssertSameTensors(sd, PthReader.Read(compressed));
    }

    [Theory]
    [InlineData(6, 0, new long[] { 3, 2 }, new long[] { 2, 2 }, "reaches element 6 of storage '0', which has 6 elements")]
    [InlineData(6, 1, new long[] { 6 }, new long[] { 1 }, "reaches element 6")]
    [InlineData(6, 0, new long[] { 2, 2 }, new long[] { 1, -1 }, "negative strides")]
    [InlineData(6, -1, new long[] { 2 }, new long[] { 1 }, "storage offset -1")]
    [InlineData(6, 0, new long[] { -2 }, new long[] { 1 }, "expected non-negative dimensions")]
    [InlineData(6, 0, new long[] { 65536, 65536 }, new long[] { 0, 0 }, "more than")]
    [InlineData(6, 0, new long[] { 4096, 4096 }, new long[] { 0, 0 }, "refusing to allocate more than four times")]
    [InlineData(7, 0, new long[] { 2 }, new long[] { 1 }, "is 24 bytes, but storage '0' declares 7")]
    [InlineData(6, 0, new long[] { 2, 3 }, new long[] { 3 }, "size has 2 dimensions but stride has 1")]
    public void Bad_tensor_geometry_is_refused(long numel, long offset, long[] size, long[] stride, string expected)
    {
        var p = new PickleBuilder().Proto(2).OrderedDict().Mark().Str("x").Tensor("0", numel, offset, size, stride).SetItems().Stop();
        byte[] file = PthBuilder.Zip("archive", p.ToArray(), [("0", PthBuilder.Floats(1, 2, 3, 4, 5, 6))]);
        var ex = Assert.Throws<CheckpointFormatException>(() => PthReader.Read(file, sourceName: "geo.pth"));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Missing_storage_record_is_named()
    {
        var p = new PickleBuilder().Proto(2).OrderedDict().Mark().Str("x").Tensor("7", 1, 0, [1], [1]).SetItems().Stop();
        byte[] file = PthBuilder.Zip("archive", p.ToArray(), []);
        Assert.Contains("no 'archive/data/7'", Assert.Throws<CheckpointFormatException>(() => PthReader.Read(file)).Message);
    }

    [Fact]
    public void Integer_tensors_are_refused_or_skipped()
    {
        var p = new PickleBuilder().Proto(2).OrderedDict().Mark()
            .Str("w").Tensor("0", 2, 0, [2], [1])
            .Str("bn.num_batches_tracked").Tensor("1", 1, 0, [], [], "LongStorage")
            .SetItems().Stop();
        byte[] file = PthBuilder.Zip("archive", p.ToArray(), [("0", PthBuilder.Floats(1, 2)), ("1", new byte[8])]);
        Assert.Contains("'bn.num_batches_tracked' is stored as LongStorage", Assert.Throws<CheckpointFormatException>(() => PthReader.Read(file)).Message);
        var sd = PthReader.Read(file, options: new PthReadOptions { SkipNonFloatTensors = true });
        Assert.Equal(["w"], sd.Keys.ToList());
    }

    // ---- hostile pickles ----

    private static string Marker() => Path.Combine(Path.GetTempPath(), $"vim-pwned-{Guid.NewGuid():N}");

    public static TheoryData<string, string, bool> HostileGlobals => new()
    {
        { "os", "system", false },
        { "posix", "system", false },
        { "builtins", "eval", false },
        { "builtins", "exec", false },
        { "__builtin__", "exec", false },
        { "subprocess", "Popen", false },
        { "os", "system", true },
        { "builtins", "eval", true },
        { "subprocess", "Popen", true },
        { "torch", "load", true },
        { "collections", "defaultdict", false },
    };

    [Theory]
    [MemberData(nameof(HostileGlobals))]
    public void Hostile_globals_are_refused_by_name_and_nothing_runs(string module, string name, bool stackGlobal)
    {
        string marker = Marker();
        var p = new PickleBuilder().Proto(stackGlobal ? 4 : 2);
        if (stackGlobal) p.ShortStr(module).ShortStr(name).StackGlobal();
        else p.Global(module, name);
        p.Mark().Str($"touch {marker}").Tuple().Reduce().Stop();
        byte[] file = PthBuilder.Zip("archive", p.ToArray(), []);

        foreach (var options in new[] { PthReadOptions.Default, Permissive })
        {
            var ex = Assert.Throws<CheckpointFormatException>(() => PthReader.Read(file, options: options, sourceName: "evil.pth"));
            Assert.Contains($"{module}.{name}", ex.Message);
            Assert.StartsWith(options == Permissive ? "evil.pth: " : "evil.pth: archive/data.pkl", ex.Message);
        }
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void Hostile_global_inside_the_model_entry_is_refused_even_when_permissive()
    {
        string marker = Marker();
        var p = new PickleBuilder().Proto(2).EmptyDict().Mark()
            .Str("model").OrderedDict().Mark()
            .Str("w").Global("os", "system").Mark().Str($"touch {marker}").Tuple().Reduce()
            .SetItems()
            .SetItems().Stop();
        byte[] file = PthBuilder.Zip("archive", p.ToArray(), []);
        Assert.Contains("os.system", Assert.Throws<CheckpointFormatException>(() => PthReader.Read(file)).Message);
        var ex = Assert.Throws<CheckpointFormatException>(() => PthReader.Read(file, options: Permissive));
        Assert.Contains("os.system", ex.Message);
        Assert.Contains("outside the requested entry", ex.Message);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void Placeholder_hidden_in_the_entry_state_is_refused()
    {
        // model = OrderedDict(w=...) with BUILD state {'_metadata': builtins.eval(...)}.
        var p = new PickleBuilder().Proto(2).EmptyDict().Mark()
            .Str("model").OrderedDict().Mark().Str("w").Tensor("0", 1, 0, [1], [1]).SetItems()
            .EmptyDict().Str("_metadata").Global("builtins", "eval").Mark().Str("1+1").Tuple().Reduce().SetItem().Build()
            .SetItems().Stop();
        byte[] file = PthBuilder.Zip("archive", p.ToArray(), [("0", PthBuilder.Floats(1))]);
        Assert.Contains("builtins.eval", Assert.Throws<CheckpointFormatException>(() => PthReader.Read(file, options: Permissive)).Message);
    }

    [Fact]
    public void Unknown_globals_outside_the_entry_load_only_when_opted_in()
    {
        string marker = Marker();
        byte[] file = TrainingCheckpoint(p =>
        {
            // 'args': argparse.Namespace(...) as vim/main.py saves it (NEWOBJ + BUILD), and a nastier entry too.
            p.Str("args").Global("argparse", "Namespace").EmptyTuple().NewObj()
                .EmptyDict().Str("lr").Raw((byte)'G', 0x3F, 0x50, 0x62, 0x4D, 0xD2, 0xF1, 0xA9, 0xFC).SetItem().Str("model").Str("vim_tiny").SetItem().Build();
            p.Str("optimizer").EmptyDict().Str("state").EmptyDict().SetItem()
                .Str("param_groups").EmptyList().EmptyDict().Str("params").EmptyList().Int(0).Append().SetItem().Append().SetItem();
            p.Str("scaler").Global("os", "system").Mark().Str($"touch {marker}").Tuple().Reduce();
            p.Str("lr_scheduler").Global("torch.optim.lr_scheduler", "CosineAnnealingLR").EmptyTuple().NewObj().Mark().Str("x").Int(1).SetItems();
        });
        // argparse.Namespace passes with the defaults (an inert placeholder); os.system is the first global refused.
        var ex = Assert.Throws<CheckpointFormatException>(() => PthReader.Read(file, sourceName: "train.pth"));
        Assert.Contains("'os.system'", ex.Message);
        Assert.Contains("AllowUnknownGlobalsOutsideEntry", ex.Message);
        Assert.Contains("vim CLI", ex.Message);

        var model = PthReader.Read(file, options: Permissive);
        Assert.Equal([1f, 2, 3, 4, 5, 6], model["w"].ToArray());
        var ema = PthReader.Read(file, "model_ema", Permissive);
        Assert.Equal([-7f, -8], ema["b"].ToArray());
        Assert.Contains("placeholder", Assert.Throws<CheckpointFormatException>(() => PthReader.Read(file, "args", Permissive)).Message);
        Assert.False(File.Exists(marker));
    }

    /// <summary>
    /// A kilobyte that describes a dict key of 2^90 values: ((t, t), (t, t)) … built through the memo, each level one
    /// tuple of the previous one twice. Hashing it would never end; the key is refused by its expanded size at once.
    /// </summary>
    [Fact]
    public void A_dict_key_of_exponentially_shared_tuples_is_refused_at_once()
    {
        var p = new PickleBuilder().Proto(2).EmptyDict().EmptyTuple();
        for (int level = 0; level < 90; level++) p.Put(0).Get(0).Raw(0x86);
        p.Int(1).SetItem().Stop();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<CheckpointFormatException>(() => PthReader.Read(PthBuilder.Zip("a", p.ToArray(), [])));
        Assert.Contains("a dict key is a tuple of more than 2^63 values", e.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");

        // The limit is 10,000 values: 12 levels make 2^13 − 2 = 8,190 and pass (the file then fails for having no 'model'
        // entry), 13 levels make 16,382 and are refused.
        string Message(int levels)
        {
            var b = new PickleBuilder().Proto(2).EmptyDict().EmptyTuple();
            for (int level = 0; level < levels; level++) b.Put(0).Get(0).Raw(0x86);
            b.Int(1).SetItem().Stop();
            return Assert.Throws<CheckpointFormatException>(() => PthReader.Read(PthBuilder.Zip("a", b.ToArray(), []))).Message;
        }
        Assert.DoesNotContain("dict key is a tuple", Message(12));
        Assert.Contains("a dict key is a tuple of 16382 values", Message(13));
    }

    [Fact]
    public void Deep_nesting_is_refused()
    {
        var marks = new PickleBuilder().Proto(2);
        for (int i = 0; i < 5000; i++) marks.Mark();
        Assert.Contains("nesting", Assert.Throws<CheckpointFormatException>(() => PthReader.Read(PthBuilder.Zip("a", marks.ToArray(), []))).Message);

        var tuples = new PickleBuilder().Proto(2).None();
        for (int i = 0; i < 5000; i++) tuples.Tuple1();
        Assert.Contains("nested deeper", Assert.Throws<CheckpointFormatException>(() => PthReader.Read(PthBuilder.Zip("a", tuples.Stop().ToArray(), []))).Message);

        // Lists nested a million deep through the memo are never walked recursively: the top level is simply not a dict.
        var lists = new PickleBuilder().Proto(2).EmptyList();
        for (int i = 0; i < 100_000; i++) lists.Put(0).Pop().EmptyList().Get(0).Append();
        Assert.Contains("is a list of 1", Assert.Throws<CheckpointFormatException>(() => PthReader.Read(PthBuilder.Zip("a", lists.Stop().ToArray(), []))).Message);
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'X', 0xFF, 0xFF, 0xFF, 0x7F, (byte)'a' }, "runs past the end of the pickle")]
    [InlineData(new byte[] { 0x80, 0x02, 0x8d, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, "runs past the end")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'h', 0x05, (byte)'.' }, "memo entry 5 is read before it is written")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'s' }, "empty stack")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'N', (byte)'N', (byte)'.' }, "2 values on the stack")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'N' }, "without a STOP")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'i', (byte)'o', (byte)'s', 0x0a }, "INST")]
    [InlineData(new byte[] { 0x80, 0x09 }, "protocol 9")]
    [InlineData(new byte[] { 0x80, 0x02, 0x8a, 0x09, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, "does not fit in 64 bits")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'c', (byte)'o', (byte)'s' }, "not terminated by a newline")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'N', (byte)'Q' }, "persistent id None")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'N', (byte)')', (byte)'R' }, "REDUCE calls None")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'}', (byte)']', (byte)'N', (byte)'s' }, "unhashable")]
    public void Malformed_pickles_are_named(byte[] pickle, string expected)
    {
        var ex = Assert.Throws<CheckpointFormatException>(() => PthReader.Read(PthBuilder.Zip("a", pickle, []), sourceName: "m.pth"));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Truncated_pickle_and_archive_are_format_errors()
    {
        byte[] file = File.ReadAllBytes(DataPath("vim_tiny.pth"));
        byte[] pickle = PthBuilder.Record(file, "checkpoint/data.pkl");
        for (int cut = 0; cut < pickle.Length; cut += cut < 400 ? 1 : 37)
        {
            byte[] truncated = PthBuilder.Replace(file, (name, data) => name == "checkpoint/data.pkl" ? data[..cut] : data);
            Assert.Throws<CheckpointFormatException>(() => PthReader.Read(truncated, sourceName: "t.pth"));
        }
        for (int cut = 0; cut < file.Length; cut += 1013)
        {
            Assert.Throws<CheckpointFormatException>(() => PthReader.Read(file[..cut], sourceName: "t.pth"));
        }
        // A storage record one float short.
        byte[] shortStorage = PthBuilder.Replace(file, (name, data) => name == "checkpoint/data/3" ? data[..^4] : data);
        Assert.Contains("'checkpoint/data/3' is", Assert.Throws<CheckpointFormatException>(() => PthReader.Read(shortStorage)).Message);
    }

    [Fact]
    public void Archive_without_data_pkl_is_refused()
    {
        byte[] file = PthBuilder.Replace(File.ReadAllBytes(DataPath("vim_tiny.pth")), (name, data) => name.EndsWith("data.pkl", StringComparison.Ordinal) ? null : data);
        Assert.Contains("no '<name>/data.pkl'", Assert.Throws<CheckpointFormatException>(() => PthReader.Read(file)).Message);
        Assert.Contains("not a readable zip", Assert.Throws<CheckpointFormatException>(() => PthReader.Read("hello world"u8.ToArray())).Message);
    }
}
