using System.Text.Json;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Vim.Kernels.Cpu;
using Vim.Runtime.Devices;
using Vim.Runtime.Imaging;
using Vim.Runtime.Modules;
using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;

namespace Vim.Cli;

internal static class Commands
{
    public const string DigitsModel = "vim_digits_patch8_32";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static string DataDir => Path.Combine(AppContext.BaseDirectory, "Data");

    private static string DigitsCheckpoint => Path.Combine(DataDir, "digits", "checkpoint.pth");

    // ---------------------------------------------------------------- demo

    /// <summary>No arguments: classify the shipped digit_7.png with the shipped digits checkpoint.</summary>
    public static int Demo()
    {
        string image = Cli.ExistingFile(Path.Combine(DataDir, "digits", "digit_7.png"), "Demo image");
        using var model = new ModelScope(Models.Create(DigitsModel, Device.Cpu));
        model.Model.LoadCheckpoint(Cli.ExistingFile(DigitsCheckpoint, "Digits checkpoint"));
        var probs = Classify(model.Model, ImageLoader.LoadRgb(image), Device.Cpu);
        int best = ArgMax(probs);
        Console.WriteLine($"{Path.GetFileName(image)} → {best} (p = {probs[best].ToString("0.00", Inv)})");
        Console.WriteLine("More: vim list | vim info NAME | vim run NAME --image FILE [--checkpoint FILE] | vim bench NAME --batch N  (vim --help)");
        return 0;
    }

    // ---------------------------------------------------------------- list

    public static int List(string pattern, bool json = false)
    {
        var models = Models.List(pattern);
        if (models.Count == 0) throw new CliException($"No model matches '{pattern}'. Known models: {string.Join(", ", Models.List().Select(m => m.Name))}.");
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(models.Select(Describe), JsonOptions));
            return 0;
        }
        var table = new Table().AddColumns("name", "params", "input", "classes", "aliases");
        table.Columns[1].RightAligned();
        table.Columns[3].RightAligned();
        foreach (var m in models)
        {
            table.AddRow(
                Markup.Escape(m.Name),
                m.ParameterCount.ToString("N0", Inv),
                $"{m.Channels}×{m.ImgHeight}×{m.ImgWidth}",
                m.NumClasses.ToString(Inv),
                Markup.Escape(m.Aliases.Count == 0 ? "-" : string.Join(", ", m.Aliases)));
        }
        AnsiConsole.Write(table);
        return 0;
    }

    // ---------------------------------------------------------------- info

    public static int Info(string name, bool json = false)
    {
        if (json) return InfoJson(name);
        if (Models.Get(name).Family != "vim") return InfoByParameters(name);
        var a = ModelAnatomy.Of(name);
        var i = a.Info;
        Console.WriteLine($"{i.Name}  ({i.Family}; aliases: {(i.Aliases.Count == 0 ? "-" : string.Join(", ", i.Aliases))})");
        Console.WriteLine($"parameters: {a.ParameterCount.ToString("N0", Inv)}");
        Console.WriteLine($"input: {a.Channels}×{i.ImgHeight}×{i.ImgWidth}, mean ({Join(i.Mean)}), std ({Join(i.Std)}), crop {i.CropPct.ToString(Inv)}, {i.Interpolation}");
        string bimamba = a.Branches == 2 ? "v2 (second conv/x_proj/dt_proj/A/D branch on reversed tokens)"
            : a.Scans == 2 ? "v1 (shared conv/x_proj/dt_proj, second A for the reversed scan)" : "none (one forward scan)";
        Console.WriteLine($"structure: D {a.D}, E {a.E}, N {a.N}, R {a.R}, K {a.K}, depth {a.Depth}, patch {a.PatchSize}, grid {a.GridHeight}×{a.GridWidth}, L {a.Tokens}, {a.Norm}, bimamba {bimamba}");
        Console.WriteLine(FeatureMapsLine(Models.Create(name, Device.Meta)));
        Console.WriteLine();

        var flops = new Table().Title("FLOPs per image").AddColumns("part", "GFLOP", "share");
        flops.Columns[1].RightAligned();
        flops.Columns[2].RightAligned();
        foreach (var (part, f) in a.FlopsByPart())
        {
            flops.AddRow(part, (f / 1e9).ToString("0.0000", Inv), (f / a.Flops).ToString("P1", Inv));
        }
        flops.AddRow("[bold]total[/]", $"[bold]{(a.Flops / 1e9).ToString("0.000", Inv)}[/]", "100.0 %");
        AnsiConsole.Write(flops);
        Console.WriteLine($"GEMMs only (2·m·n·k): {(a.GemmFlops / 1e9).ToString("0.000", Inv)} GFLOP; the scan counts 9·L·E·N + 2·L·E per direction (Mamba's reference count).");
        Console.WriteLine();

        string l = a.Tokens.ToString(Inv);
        var steps = new Table().Title("Shapes per step (B = batch)").AddColumns("step", "input", "output", "note");
        steps.AddRow("image", "", $"(B, {a.Channels}, {i.ImgHeight}, {i.ImgWidth})", "normalised");
        steps.AddRow("patch_embed", $"(B, {a.Channels}, {i.ImgHeight}, {i.ImgWidth})", $"(B, {a.NumPatches}, {a.D})", $"conv {a.PatchSize}×{a.PatchSize}, grid {a.GridHeight}×{a.GridWidth}, flattened");
        steps.AddRow("tokens", $"(B, {a.NumPatches}, {a.D})", $"(B, {l}, {a.D})", a.Tokens > a.NumPatches ? "+ cls token(s), + pos_embed" : "+ pos_embed");
        string per = $"× {a.Depth} layers";
        steps.AddRow("  norm", $"(B, {l}, {a.D})", $"(B, {l}, {a.D})", $"{a.Norm} (add residual first) {per}");
        steps.AddRow("  in_proj", $"(B, {l}, {a.D})", $"(B, {l}, {2 * a.E})", "split into x and gate z, each (B, L, E)");
        string br = a.Branches == 2 ? " × 2 branches" : "";
        steps.AddRow("  conv1d", $"(B, {l}, {a.E})", $"(B, {l}, {a.E})", $"depthwise causal, K = {a.K}, SiLU{br}");
        steps.AddRow("  x_proj", $"(B, {l}, {a.E})", $"(B, {l}, {a.R + 2 * a.N})", $"→ Δ (B, L, {a.R}), B (B, L, {a.N}), C (B, L, {a.N}){br}");
        steps.AddRow("  dt_proj", $"(B, {l}, {a.R})", $"(B, {l}, {a.E})", $"softplus → Δ{br}");
        steps.AddRow("  scan", $"(B, {l}, {a.E})", $"(B, {l}, {a.E})", $"state (B, {a.E}, {a.N}); {(a.Scans == 2 ? "forward + reversed" : "forward only")}; × SiLU(z)");
        steps.AddRow("  out_proj", $"(B, {l}, {a.E})", $"(B, {l}, {a.D})", "");
        steps.AddRow("norm_f", $"(B, {l}, {a.D})", $"(B, {l}, {a.D})", $"{a.Norm}(residual + hidden)");
        steps.AddRow("features", $"(B, {l}, {a.D})", $"(B, {a.D})", a.Tokens > a.NumPatches ? "cls token row" : "pooled");
        if (a.NumClasses > 0) steps.AddRow("head", $"(B, {a.D})", $"(B, {a.NumClasses})", "logits");
        AnsiConsole.Write(steps);
        return 0;
    }

    /// <summary>Families without a FLOP model (VMamba): parameters and their shapes grouped by top-level module.</summary>
    private static int InfoByParameters(string name)
    {
        var info = Models.Get(name);
        var model = info.Create(Device.Meta);
        Console.WriteLine($"{info.Name}  ({info.Family}; aliases: {(info.Aliases.Count == 0 ? "-" : string.Join(", ", info.Aliases))})");
        Console.WriteLine($"parameters: {model.ParameterCount.ToString("N0", Inv)}");
        Console.WriteLine($"input: {info.Channels}×{info.ImgHeight}×{info.ImgWidth}, mean ({Join(info.Mean)}), std ({Join(info.Std)}), crop {info.CropPct.ToString(Inv)}, {info.Interpolation}");
        Console.WriteLine(FeatureMapsLine(model));
        Console.WriteLine("FLOPs: not modelled for this family.");
        var table = new Table().Title("Parameters by module").AddColumns("module", "tensors", "parameters");
        table.Columns[1].RightAligned();
        table.Columns[2].RightAligned();
        foreach (var (module, tensors, parameters) in ParametersByModule(model))
        {
            table.AddRow(module, tensors.ToString(Inv), parameters.ToString("N0", Inv));
        }
        AnsiConsole.Write(table);
        return 0;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    // The registry entry as JSON: what `list --json` prints per model and `info --json` starts with.
    private static Dictionary<string, object?> Describe(ModelInfo m) => new()
    {
        ["name"] = m.Name,
        ["family"] = m.Family,
        ["aliases"] = m.Aliases,
        ["parameters"] = m.ParameterCount,
        ["input"] = new[] { m.Channels, m.ImgHeight, m.ImgWidth },
        ["classes"] = m.NumClasses,
        ["mean"] = m.Mean,
        ["std"] = m.Std,
        ["crop_pct"] = m.CropPct,
        ["interpolation"] = m.Interpolation,
    };

    private static int InfoJson(string name)
    {
        var info = Models.Get(name);
        var model = info.Create(Device.Meta);
        var o = Describe(info);
        o["feature_info"] = model.FeatureInfo.Select(f => new { index = f.Index, module = f.Module, channels = f.Channels, reduction = f.Reduction }).ToArray();
        o["default_out_indices"] = model.DefaultOutIndices;
        o["modules"] = ParametersByModule(model).Select(m => new { module = m.Module, tensors = m.Tensors, parameters = m.Parameters }).ToArray();
        if (info.Family == "vim")
        {
            var parts = ModelAnatomy.Of(name).FlopsByPart();
            o["gflops_per_image"] = Math.Round(parts.Sum(p => p.Flops) / 1e9, 6);
            o["flops_by_part"] = parts.ToDictionary(p => p.Part, p => p.Flops);
        }
        Console.WriteLine(JsonSerializer.Serialize(o, JsonOptions));
        return 0;
    }

    // The backbone maps (Models.CreateFeatureExtractor) in one line: "layers.0..23: 192 ch, reduction 16" or one entry per stage.
    private static string FeatureMapsLine(ImageModel model)
    {
        var maps = model.FeatureInfo;
        string described = maps.All(f => f.Channels == maps[0].Channels && f.Reduction == maps[0].Reduction)
            ? $"{maps.Count} ({maps[0].Module}..{maps[^1].Module}), {maps[0].Channels} channels, reduction {maps[0].Reduction}"
            : string.Join(", ", maps.Select(f => $"{f.Module} {f.Channels} ch /{f.Reduction}"));
        return $"feature maps: {described}; default out indices [{string.Join(", ", model.DefaultOutIndices)}]";
    }

    // Tensors and parameters per top-level module (layers counted one by one), in registration order.
    private static IEnumerable<(string Module, int Tensors, long Parameters)> ParametersByModule(ImageModel model) =>
        model.NamedParameters().GroupBy(p => ModulePrefix(p.Key)).Select(g => (g.Key, g.Count(), g.Sum(p => p.Value.Shape.Numel)));

    // "layers.2.blocks.5.op.x_proj_weight" -> "layers.2"; "patch_embed.0.weight" -> "patch_embed"
    private static string ModulePrefix(string key)
    {
        var parts = key.Split('.');
        return parts.Length > 1 && int.TryParse(parts[1], out _) && parts[0] == "layers" ? $"{parts[0]}.{parts[1]}" : parts[0];
    }

    // ---------------------------------------------------------------- run

    public static int Run(string name, string image, string? checkpoint, string deviceText, string entry = "model", int top = 5, string? format = null, int batch = 32)
    {
        if (top < 1) throw new CliException($"--top must be at least 1, got {top}.");
        if (batch < 1 || batch > 4096) throw new CliException($"--batch must be between 1 and 4096, got {batch}.");
        if (format is not (null or "text" or "csv" or "json")) throw new CliException($"--output must be text, csv or json, got '{format}'.");
        var device = Device.Parse(deviceText);
        var info = Models.Get(name);
        var files = BatchRun.Expand(image);
        if (files is { Count: 0 }) throw new CliException($"--image {image} matched no PNG, JPEG or PPM files (.png, .jpg, .jpeg, .ppm, .pgm).");
        // One file keeps the table; a folder, a glob or --output writes machine-readable results to stdout and the rest to stderr.
        bool many = files is not null || format is not null;
        var notes = many ? Console.Error : Console.Out;
        var picture = files is null ? ImageLoader.LoadRgb(Cli.ExistingFile(image, "Image")) : null; // a bad image fails before any other output
        if (checkpoint is not null) Cli.ExistingFile(checkpoint, "Checkpoint");

        using var scope = new ModelScope(info.Create(device)); // refuses an unavailable device before any work
        if (checkpoint is null && info.Name == DigitsModel)
        {
            checkpoint = Cli.ExistingFile(DigitsCheckpoint, "Digits checkpoint");
            notes.WriteLine($"checkpoint: shipped digits checkpoint ({Path.GetFileName(checkpoint)})");
        }
        if (checkpoint is null)
        {
            notes.WriteLine("no checkpoint given: fresh random weights (seed 0); predictions are meaningless");
        }
        else
        {
            scope.Model.LoadCheckpoint(checkpoint, entry, options: Cli.CheckpointOptions);
        }

        var labels = info.NumClasses == 1000 ? ImageNetClasses.Load(Path.Combine(DataDir, "imagenet_classes.tsv")) : null;
        string Label(int k) => labels is not null && k < labels.Count ? labels[k] : (info.Name == DigitsModel ? $"digit {k}" : "-");
        if (info.Channels != 3) throw new CliException($"{info.Name} takes {info.Channels}-channel input; the image pipeline produces RGB.");
        if (many)
        {
            return BatchRun.Run(scope.Model, files ?? [image], device, Math.Min(top, Math.Max(1, info.NumClasses)), format ?? "text", batch,
                img => Preprocess(info, img), Label);
        }

        var probs = Classify(scope.Model, picture!, device);
        Console.WriteLine($"{info.Name} on {device}: {Path.GetFileName(image)}");
        var table = new Table().AddColumns("#", "class", "label", "p");
        table.Columns[3].RightAligned();
        var best = Enumerable.Range(0, probs.Length).OrderByDescending(k => probs[k]).Take(top).ToList();
        for (int r = 0; r < best.Count; r++)
        {
            int k = best[r];
            table.AddRow((r + 1).ToString(Inv), k.ToString(Inv), Markup.Escape(Label(k)), probs[k].ToString("0.0000", Inv));
        }
        AnsiConsole.Write(table);
        return 0;
    }

    // ---------------------------------------------------------------- bench

    public static int Bench(string name, string deviceText, int batch, int iterations, int warmup, int? threads, bool json = false,
        string precisionText = "fp32", int? imgSize = null)
    {
        // --json: the figures as one JSON object on stdout, the readable lines on stderr.
        var notes = json ? Console.Error : Console.Out;
        if (iterations < 1) throw new CliException($"--iterations must be at least 1, got {iterations}.");
        if (warmup < 0) throw new CliException($"--warmup must not be negative, got {warmup}.");
        var device = Device.Parse(deviceText);
        var precision = precisionText.ToLowerInvariant() switch
        {
            "fp32" => CudaPrecision.Fp32,
            "bf16" => CudaPrecision.Bf16,
            _ => throw new CliException($"--precision must be fp32 or bf16, got '{precisionText}'."),
        };
        if (precision == CudaPrecision.Bf16 && device.Kind != DeviceKind.Cuda) throw new CliException("--precision bf16 runs on the GPU only (--device cuda); the CPU computes in fp32.");
        var info = Models.Get(name);
        if (imgSize is < 1) throw new CliException($"--img-size must be positive, got {imgSize}.");
        int height = imgSize ?? info.ImgHeight, width = imgSize ?? info.ImgWidth;
        Cli.CheckBatch(batch, (long)info.Channels * height * width);
        Cli.ApplyThreads(threads);
        // The FLOP model covers the Vim family at its declared size; other families and sizes are timed without a GFLOP/s figure.
        double? flopsPerImage = info.Family == "vim" && imgSize is null ? ModelAnatomy.Of(name).Flops : null;

        var created = info.Create(Device.Cpu, imgSize is int size ? new ModelOverrides { ImgSize = size } : null);
        using var scope = new ModelScope(device.Kind == DeviceKind.Cuda ? created.To(device, precision) : created.To(device));
        // A GPU pass only queues kernels: each timed pass ends by waiting for the stream, or the clock stops early.
        Action synchronize = device.Kind == DeviceKind.Cuda ? CudaBackend.For(device).Synchronize : () => { };
        var data = new float[(long)batch * info.Channels * height * width];
        var random = new Random(0);
        for (int k = 0; k < data.Length; k++)
        {
            // Standard normal (Box–Muller): what normalised images look like on average.
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            data[k] = (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        using var host = Tensor.FromArray(data, batch, info.Channels, height, width);
        using var input = device.Kind == DeviceKind.Cpu ? null : host.To(device);
        var x = input ?? host;

        notes.WriteLine($"{info.Name}: {height}x{width}, batch {batch}, {precisionText.ToLowerInvariant()}, {warmup} warm-up + {iterations} timed passes on {device}, " +
                          $"{KernelThreading.MaxDegreeOfParallelism} kernel threads ({Environment.ProcessorCount} cores)" +
                          (flopsPerImage is double f ? $", {(f / 1e9).ToString("0.000", Inv)} GFLOP/image" : ""));
        var times = new List<double>(iterations);
        var cpuTimes = new List<double>(iterations);
        var coreGHz = new List<double>(iterations);
        using var process = Process.GetCurrentProcess();
        HostCpu? hostBefore = null;
        void Pass()
        {
            scope.Model.Forward(x).Dispose();
            synchronize();
        }
        void Timed()
        {
            hostBefore ??= HostCpu.Sample();
            if (device.Kind == DeviceKind.Cpu && CoreSpeed.MeasureGHz() is double ghz) coreGHz.Add(ghz);
            process.Refresh();
            var cpuStart = process.TotalProcessorTime;
            long start = Stopwatch.GetTimestamp();
            Pass();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            process.Refresh();
            cpuTimes.Add((process.TotalProcessorTime - cpuStart).TotalMilliseconds);
        }

        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            for (int k = 0; k < warmup; k++) Pass();
            for (int k = 0; k < iterations; k++) Timed();
        }
        else
        {
            AnsiConsole.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(ctx =>
                {
                    var w = ctx.AddTask("warm-up", maxValue: Math.Max(1, warmup));
                    for (int k = 0; k < warmup; k++) { Pass(); w.Increment(1); }
                    w.Value = w.MaxValue;
                    var b = ctx.AddTask("timed", maxValue: iterations);
                    for (int k = 0; k < iterations; k++) { Timed(); b.Increment(1); }
                });
        }

        double? steal = HostCpu.StealPercent(hostBefore, HostCpu.Sample());
        var sorted = times.Order().ToList();
        var sortedCpu = cpuTimes.Order().ToList();
        double mean = times.Average(), median = Percentile(sorted, 0.5), best = sorted[0];
        double p10 = Percentile(sorted, 0.1), p90 = Percentile(sorted, 0.9);
        double msPerImage = mean / batch, imagesPerSecond = 1000.0 * batch / mean;
        notes.WriteLine($"per pass: mean {F(mean)} ms, median {F(median)} ms, p10 {F(p10)} ms, p90 {F(p90)} ms, best {F(best)} ms");
        long? peakBytes = device.Kind == DeviceKind.Cuda ? CudaBackend.For(device).MemoryStats().Peak : null;
        if (peakBytes is long peak) notes.WriteLine($"device memory: peak {F(peak / 1048576.0)} MiB in use by our allocator (weights included)");
        if (device.Kind == DeviceKind.Cpu)
        {
            // Process CPU time counts every core's work: on a shared machine it moves less than the wall clock.
            notes.WriteLine($"per image: wall best {F(best / batch)} ms, median {F(median / batch)} ms; " +
                              $"CPU time best {F(sortedCpu[0] / batch)} ms, median {F(sortedCpu[sortedCpu.Count / 2] / batch)} ms");
        }

        if (steal is double percent)
        {
            notes.WriteLine($"host: {F(percent)}% of this machine's CPU time went to other guests (steal) during the timed passes");
        }

        if (coreGHz.Count > 0)
        {
            // A busy host slows the cores without any steal: this figure says how fast they ran (see CoreSpeed).
            var ghz = coreGHz.Order().ToList();
            notes.WriteLine($"core speed before each pass (4-cycle FMA loop): median {ghz[ghz.Count / 2].ToString("0.00", Inv)} GHz, " +
                              $"slowest {ghz[0].ToString("0.00", Inv)}, fastest {ghz[^1].ToString("0.00", Inv)}");
        }

        double? gflopsPerSecond = flopsPerImage * batch / (mean / 1000.0) / 1e9;
        string rate = gflopsPerSecond is double g ? $"   {F(g)} GFLOP/s" : "";
        notes.WriteLine($"{F(msPerImage)} ms/img   {F(imagesPerSecond)} img/s{rate}");
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["model"] = info.Name,
                ["device"] = device.ToString(),
                ["batch"] = batch,
                ["warmup"] = warmup,
                ["iterations"] = iterations,
                ["kernel_threads"] = KernelThreading.MaxDegreeOfParallelism,
                ["cores"] = Environment.ProcessorCount,
                ["precision"] = precisionText.ToLowerInvariant(),
                ["img_size"] = new[] { height, width },
                ["ms_per_pass"] = new { mean, median, p10, p90, best },
                ["peak_device_bytes"] = peakBytes,
                ["ms_per_image"] = msPerImage,
                ["images_per_second"] = imagesPerSecond,
                ["gflops_per_second"] = gflopsPerSecond,
                ["steal_percent"] = steal,
                ["times_ms"] = times,
            }, JsonOptions));
        }
        return 0;
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>Decodes, preprocesses per the model's configuration and returns softmax probabilities.</summary>
    private static float[] Classify(ImageModel model, Image image, Device device)
    {
        var info = model.Info;
        using var host = Tensor.FromArray(Preprocess(info, image), 1, 3, info.ImgHeight, info.ImgWidth);
        using var input = device.Kind == DeviceKind.Cpu ? null : host.To(device);
        using var logits = model.Forward(input ?? host);
        return Softmax(logits.ToArray());
    }

    /// <summary>The model's eval transform: resize and centre crop by its crop_pct (none when the image already has the input size and crop_pct is 1), mean/std.</summary>
    private static float[] Preprocess(ModelInfo info, Image image) => ImagePreprocessing.Preprocess(image, info.Preprocessing);

    private static float[] Softmax(float[] z)
    {
        float max = z.Max();
        var p = new float[z.Length];
        double sum = 0;
        for (int k = 0; k < z.Length; k++) sum += p[k] = MathF.Exp(z[k] - max);
        for (int k = 0; k < z.Length; k++) p[k] = (float)(p[k] / sum);
        return p;
    }

    private static int ArgMax(float[] v)
    {
        int best = 0;
        for (int k = 1; k < v.Length; k++) if (v[k] > v[best]) best = k;
        return best;
    }

    private static string Join(IReadOnlyList<double> v) => string.Join(", ", v.Select(x => x.ToString(Inv)));

    private static string F(double v) => v.ToString(v >= 100 ? "0.0" : "0.00", Inv);

    // Nearest rank on sorted values: q = 0.5 is the median, 0.1 and 0.9 the spread without the extremes.
    private static double Percentile(IReadOnlyList<double> sorted, double q) => sorted[(int)Math.Round(q * (sorted.Count - 1))];

    /// <summary>Disposes the model's parameters if the model type supports it.</summary>
    private sealed class ModelScope(ImageModel model) : IDisposable
    {
        public ImageModel Model { get; } = model;

        public void Dispose() => (Model as IDisposable)?.Dispose();
    }
}

internal static class ImageNetClasses
{
    /// <summary>The 1000 class names from the TSV (index, synset, names); the first name of each row.</summary>
    public static IReadOnlyList<string> Load(string path)
    {
        if (!File.Exists(path)) return [];
        var names = new List<string>(1000);
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var cols = line.Split('\t');
            if (cols.Length >= 3) names.Add(cols[2]);
        }
        return names;
    }
}
