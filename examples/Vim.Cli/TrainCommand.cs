using System.Globalization;
using Spectre.Console;
using Vim.Kernels.Cpu;
using Vim.Runtime.Checkpoints;
using Vim.Runtime.Imaging;
using Vim.Runtime.Modules;
using Vim.Runtime.Registry;
using Vim.Runtime.Training;
using Vim.Runtime.Training.Data;

namespace Vim.Cli;

/// <summary>The options of <c>vim train</c> that override the recipe (null: the recipe's value).</summary>
internal sealed record TrainOptions
{
    public string? Recipe { get; init; }
    public int? Epochs { get; init; }
    public int? Batch { get; init; }
    public double? Lr { get; init; }
    public double? MinLr { get; init; }
    public double? WarmupEpochs { get; init; }
    public double? WeightDecay { get; init; }
    public double? DropPath { get; init; }
    public double? Mixup { get; init; }
    public double? Cutmix { get; init; }
    public double? Smoothing { get; init; }
    public double? Ema { get; init; }
    public double? ClipGrad { get; init; }
    public int Seed { get; init; }
    public string Device { get; init; } = "cpu";
    public string? Output { get; init; }
    public int? Threads { get; init; }
    public int? Workers { get; init; }
    public double ValSplit { get; init; } = 0.1;
    public string? Resume { get; init; }
    public string? Finetune { get; init; }

    public string FinetuneEntry { get; init; } = "model";
    public bool LinearProbe { get; init; }
    public int? ImgSize { get; init; }
    public string? Classes { get; init; }
    public string CheckpointEvery { get; init; } = "10m";
}

/// <summary><c>vim train</c> and <c>vim eval</c>.</summary>
internal static class TrainCommand
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Exit code of a run stopped by Ctrl+C after writing its checkpoint (128 + SIGINT).</summary>
    private const int Interrupted = 130;

    public static int Train(string name, string data, TrainOptions o)
    {
        Cli.ApplyThreads(o.Threads);
        var device = Runtime.Devices.Device.Parse(o.Device);
        if (device.Kind != Runtime.Devices.DeviceKind.Cpu) throw new CliException($"Training runs on the CPU for now; --device {o.Device} is not supported yet.");
        if (o.Resume is not null && o.Finetune is not null) throw new CliException("--resume continues a run with its own weights; it cannot be combined with --finetune.");
        var info = Models.Get(name);
        var recipe = BuildRecipe(o);
        var policy = CheckpointPolicy.Parse(o.CheckpointEvery);
        var (train, validation) = OpenData(data, o.ValSplit, recipe.Seed, ParseClasses(o.Classes));
        int size = CheckImgSize(info, o.ImgSize);
        var overrides = new ModelOverrides { NumClasses = train.Classes.Count, DropPathRate = recipe.DropPath, Seed = recipe.Seed, ImgSize = o.ImgSize };
        var model = info.Create(overrides: overrides);
        if (o.Finetune is not null) LoadPretrained(model, o.Finetune, o.FinetuneEntry);
        if (o.LinearProbe)
        {
            var head = FineTuning.FreezeAllButHead(model);
            Console.WriteLine($"linear probe: training {string.Join(", ", head)} only");
        }
        var trainLoader = TrainingLoader(train, recipe, info, size, o.Workers);
        var valLoader = validation is null ? null : new DataLoader(validation, ValidationTransform(info, recipe.Augmentation, size), recipe.BatchSize, shuffle: false, recipe.Seed, workers: o.Workers ?? 0);
        var run = new TrainingRun(model, recipe, trainLoader, valLoader, overrides);

        string output = o.Output ?? Path.Combine("runs", info.Name);
        var files = new TrainOutput(output, run, train.Classes, data);
        if (o.Resume is not null)
        {
            string path = Directory.Exists(o.Resume) ? Path.Combine(o.Resume, TrainOutput.LastName) : o.Resume;
            Cli.ExistingFile(path, "Checkpoint to resume from");
            var state = TrainingCheckpoint.Resume(path, run, train.Classes);
            Console.WriteLine(state.EpochsDone >= recipe.TotalEpochs
                ? $"{path}: the run is already complete ({state.EpochsDone} epochs)."
                : $"resuming from {path}: epoch {state.EpochsDone + 1}, batch {state.BatchesDone + 1} of {run.StepsPerEpoch}, after {run.Optimizer.StepCount} steps");
        }
        files.Start();
        Console.WriteLine($"{info.Name}: {recipe.Name} recipe, {recipe.TotalEpochs} epochs of {run.StepsPerEpoch} steps (batch {recipe.BatchSize}), " +
                          $"lr {recipe.LearningRate.ToString("G4", Inv)}, {train.Count} training images in {train.Classes.Count} classes" +
                          (validation is null ? "" : $", {validation.Count} validation images") + $"; writing to {output}");
        ReportSkipped(train, validation);

        using var interrupt = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true; // finish the step, write the checkpoint, then stop
            interrupt.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long lastSaved = run.Optimizer.StepCount;
        double lastSavedAt = 0;
        run.OnStep = s =>
        {
            if (!policy.Due(s.Step - lastSaved, clock.Elapsed.TotalSeconds - lastSavedAt) || s.Batch + 1 == run.StepsPerEpoch) return;
            files.SaveLast();
            (lastSaved, lastSavedAt) = (s.Step, clock.Elapsed.TotalSeconds);
        };
        run.OnEpoch = e =>
        {
            files.EndOfEpoch(e);
            (lastSaved, lastSavedAt) = (run.Optimizer.StepCount, clock.Elapsed.TotalSeconds);
        };
        try
        {
            RunWithProgress(run, interrupt.Token);
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            files.SaveLast();
            Console.Error.WriteLine($"interrupted at epoch {run.EpochsDone + 1}, batch {run.BatchesDone} of {run.StepsPerEpoch}; saved {files.LastPath}. Continue with: vim train {info.Name} --data {data} ... --resume {output}");
            return Interrupted;
        }
        catch (NonFiniteLossException e)
        {
            throw new CliException($"{e.Message} The last checkpoint, {files.LastPath}, is from before it.", Cli.Failure);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
        files.Finish();
        if (run.History.Count == 0) return 0;
        var last = run.History[^1];
        Console.WriteLine(last.Validation is { } v
            ? $"done: validation top-1 {Percent(v.Top1)} ({(int)Math.Round(v.Top1 * v.Count)}/{v.Count}), top-5 {Percent(v.Top5)}; best top-1 {Percent(run.BestTop1)}; {run.History.Sum(h => h.Seconds).ToString("0.0", Inv)} s training"
            : $"done: training loss {last.TrainLoss.ToString("0.0000", Inv)}; {run.History.Sum(h => h.Seconds).ToString("0.0", Inv)} s training");
        Console.WriteLine($"checkpoints: {files.LastPath}{(files.HasBest ? $", {files.BestPath}" : "")}; plot: {files.PlotPath}");
        return 0;
    }

    private static void LoadPretrained(ImageModel model, string path, string entry)
    {
        Cli.ExistingFile(path, "Checkpoint to fine-tune from");
        var tensors = CheckpointReader.Load(path, entry, Cli.CheckpointOptions);
        try
        {
            var report = FineTuning.LoadPretrained(model, model.AdaptToModel(tensors));
            foreach (string key in report.DroppedHead) Console.WriteLine($"fine-tune: removing {key} from {Path.GetFileName(path)} (shape {tensors[key].Shape}; the model's is {model.Find(key).Shape})");
            foreach (var (key, from, to) in report.Resized) Console.WriteLine($"fine-tune: {key} interpolated from {from} to {to} (bicubic)");
            Console.WriteLine($"fine-tune: loaded {report.Loaded} tensors from {path}");
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    private static int CheckImgSize(ModelInfo info, int? size)
    {
        if (size is null) return info.ImgHeight;
        if (size < 1) throw new CliException($"--img-size must be positive, got {size}.");
        return size.Value;
    }

    private static IReadOnlyList<string>? ParseClasses(string? classes) =>
        classes is null ? null : classes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } list
            ? list : throw new CliException("--classes names no class; give a comma-separated list of class folder names.");

    private static void RunWithProgress(TrainingRun run, CancellationToken cancellation)
    {
        int total = run.Recipe.TotalEpochs * run.StepsPerEpoch;
        var onEpoch = run.OnEpoch;
        var onStep = run.OnStep;
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            run.OnEpoch = e => { onEpoch?.Invoke(e); Console.WriteLine(LineText(e, run)); };
            run.Run(cancellation);
            return;
        }
        AnsiConsole.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: total);
                task.Value = run.EpochsDone * run.StepsPerEpoch + run.BatchesDone;
                run.OnStep = s =>
                {
                    onStep?.Invoke(s);
                    task.Value = s.Epoch * run.StepsPerEpoch + s.Batch + 1;
                    task.Description = $"epoch {s.Epoch + 1}: loss {s.RunningLoss.ToString("0.000", Inv)}, acc {Percent(s.RunningAccuracy)}, {s.ImagesPerSecond.ToString("0", Inv)} img/s";
                };
                run.OnEpoch = e => { onEpoch?.Invoke(e); AnsiConsole.MarkupLine(Markup.Escape(LineText(e, run))); };
                run.Run(cancellation);
            });
    }

    private static string LineText(EpochReport e, TrainingRun run) =>
        $"epoch {e.Epoch + 1}/{run.Recipe.TotalEpochs}: loss {e.TrainLoss.ToString("0.0000", Inv)}, train acc {Percent(e.TrainAccuracy)}" +
        (e.Validation is { } v ? $", val top-1 {Percent(v.Top1)}" : "") + (e.EmaValidation is { } ev ? $" (EMA {Percent(ev.Top1)})" : "") +
        $", lr {e.LearningRate.ToString("G3", Inv)}, {e.ImagesPerSecond.ToString("0", Inv)} img/s, {e.Seconds.ToString("0.0", Inv)} s";

    public static int Eval(string name, string data, string checkpoint, int? workers, int? imgSize, string? classes, string entry = "model")
    {
        var info = Models.Get(name);
        Cli.ExistingFile(checkpoint, "Checkpoint");
        // A checkpoint written by vim train records its classes, input size and recipe: evaluate as its validation did.
        var trained = TrainedRun.Read(checkpoint);
        string dir = new[] { "val", "test" }.Select(n => Path.Combine(data, n)).FirstOrDefault(Directory.Exists) ?? data;
        var subset = ParseClasses(classes) ?? trained?.Classes;
        var dataset = Open(dir, subset);
        ReportSkipped(dataset, null);
        int size = imgSize ?? trained?.InputSize ?? info.ImgHeight;
        var model = info.Create(overrides: new ModelOverrides { NumClasses = dataset.Classes.Count, ImgSize = size == info.ImgHeight ? null : size });
        CheckHead(checkpoint, entry, dataset);
        model.LoadCheckpoint(checkpoint, entry, options: Cli.CheckpointOptions);
        var augmentation = trained?.Recipe is { } r && Recipes.TryGet(r) is { } recipe ? recipe.Augmentation : Augmentation.ImageNet;
        var loader = new DataLoader(dataset, ValidationTransform(info, augmentation, size), 64, shuffle: false, seed: 0, workers: workers ?? 0);
        var result = TrainingRun.Evaluate(model, loader);
        Console.WriteLine($"{info.Name} on {dataset.Root}: top-1 {Percent(result.Top1)} ({(int)Math.Round(result.Top1 * result.Count)}/{result.Count}), top-5 {Percent(result.Top5)}, loss {result.Loss.ToString("0.0000", Inv)}");
        return 0;
    }

    /// <summary>Refuses a checkpoint whose classifier has another number of classes than the data folder, naming both.</summary>
    private static void CheckHead(string checkpoint, string entry, ImageFolderDataset dataset)
    {
        var tensors = CheckpointReader.Load(checkpoint, entry, Cli.CheckpointOptions);
        try
        {
            var head = tensors.FirstOrDefault(p => p.Key is "head.weight" or "classifier.head.weight").Value;
            if (head is null || head.Shape[0] == dataset.Classes.Count) return;
            throw new CliException($"{Path.GetFileName(checkpoint)} classifies {head.Shape[0]} classes, but {dataset.Root} has {dataset.Classes.Count} class folders " +
                                   $"({string.Join(", ", dataset.Classes.Take(10))}{(dataset.Classes.Count > 10 ? ", …" : "")}); evaluate on the classes it was trained on (--classes).");
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    internal static TrainingRecipe BuildRecipe(TrainOptions o)
    {
        var r = Recipes.Get(o.Recipe ?? "vim-t");
        int batch = o.Batch ?? r.BatchSize;
        if (batch < 1) throw new CliException($"--batch must be at least 1, got {batch}.");
        // --lr is per 512 images (main.py's linear scaling); without it the recipe's rate scales with the batch the same way.
        double perImage512 = o.Lr ?? r.LearningRate * 512 / r.BatchSize;
        if (!(perImage512 > 0)) throw new CliException($"--lr must be positive, got {perImage512}.");
        var recipe = r with
        {
            Epochs = o.Epochs ?? r.Epochs,
            BatchSize = batch,
            LearningRate = perImage512 * batch / 512,
            MinLearningRate = o.MinLr ?? r.MinLearningRate,
            WarmupEpochs = o.WarmupEpochs ?? r.WarmupEpochs,
            WeightDecay = o.WeightDecay ?? r.WeightDecay,
            DropPath = o.DropPath ?? r.DropPath,
            Mixup = o.Mixup ?? r.Mixup,
            Cutmix = o.Cutmix ?? r.Cutmix,
            LabelSmoothing = o.Smoothing ?? r.LabelSmoothing,
            EmaDecay = o.Ema is double e ? (e > 0 ? e : null) : r.EmaDecay,
            ClipGrad = o.ClipGrad is double c ? (c > 0 ? c : null) : r.ClipGrad,
            Seed = o.Seed,
        };
        if (recipe.Epochs < 1) throw new CliException($"--epochs must be at least 1, got {recipe.Epochs}.");
        if (recipe.WarmupPrefix && recipe.WarmupEpochs >= recipe.Epochs) throw new CliException($"--warmup-epochs {recipe.WarmupEpochs} must be shorter than the {recipe.Epochs} epochs.");
        return recipe;
    }

    /// <summary>DIR/train with DIR/val or DIR/test, or DIR itself split by <paramref name="valSplit"/> (seeded, stratified).</summary>
    internal static (Dataset Train, Dataset? Validation) OpenData(string data, double valSplit, int seed, IReadOnlyList<string>? classes = null)
    {
        if (!Directory.Exists(data)) throw new CliException($"Data folder not found: {data}");
        string train = Path.Combine(data, "train");
        if (Directory.Exists(train))
        {
            string? val = new[] { "val", "test" }.Select(n => Path.Combine(data, n)).FirstOrDefault(Directory.Exists);
            var t = Open(train, classes);
            var v = val is null ? null : Open(val, classes);
            if (v is not null && !v.Classes.SequenceEqual(t.Classes))
                throw new CliException($"{val} has classes {string.Join(", ", v.Classes)}; {train} has {string.Join(", ", t.Classes)}: the folders must name the same classes.");
            return (t, v);
        }
        var all = Open(data, classes);
        if (valSplit <= 0) return (all, null);
        if (valSplit >= 1) throw new CliException($"--val-split must be below 1, got {valSplit}.");
        var (trainPart, valPart) = Split.Stratified(all, valSplit, seed);
        return (trainPart, valPart);
    }

    private static ImageFolderDataset Open(string dir, IReadOnlyList<string>? classes)
    {
        try
        {
            return new ImageFolderDataset(dir, classes);
        }
        catch (InvalidDataException e)
        {
            throw new CliException(e.Message);
        }
    }

    private static void ReportSkipped(Dataset train, Dataset? validation)
    {
        foreach (var d in new[] { train, validation }.OfType<ImageFolderDataset>())
        {
            if (d.Skipped.Count == 0) continue;
            Console.Error.WriteLine($"warning: {d.Skipped.Count} files in {d.Root} are not images and are left out, e.g. {d.Skipped[0]}");
        }
    }

    /// <summary>The evaluation preprocessing at input size <paramref name="size"/> (resizing images of another size).</summary>
    internal static PreprocessConfig EvalConfig(ModelInfo info, int size) => new()
    {
        InputHeight = size == info.ImgHeight ? info.ImgHeight : size,
        InputWidth = size == info.ImgHeight ? info.ImgWidth : size,
        CropPct = info.CropPct,
        Mean = info.Mean,
        Std = info.Std,
        ResizeAndCrop = info.CropPct != 1.0 || size != info.ImgHeight,
    };

    /// <summary>What validation and <c>vim eval</c> feed the model: the digits rule for the digits recipe, else the evaluation preprocessing.</summary>
    internal static SampleTransform ValidationTransform(ModelInfo info, Augmentation augmentation, int size) => augmentation == Augmentation.Digits
        ? new DigitsTransform { Probability = 0, OutputSide = size }
        : new EvalTransform(EvalConfig(info, size));

    internal static DataLoader TrainingLoader(Dataset train, TrainingRecipe recipe, ModelInfo info, int size, int? workers)
    {
        SampleTransform transform = recipe.Augmentation switch
        {
            Augmentation.Digits => new DigitsTransform { OutputSide = size },
            Augmentation.None => new EvalTransform(EvalConfig(info, size)),
            _ => ImageNetTransform.ForRecipe(recipe, EvalConfig(info, size)),
        };
        bool mix = recipe.Mixup > 0 || recipe.Cutmix > 0;
        var mixup = mix ? new Mixup(recipe.Mixup, recipe.Cutmix, recipe.LabelSmoothing, recipe.MixupProbability, recipe.MixupSwitchProbability) : null;
        return new DataLoader(train, transform, recipe.BatchSize, shuffle: true, recipe.Seed, dropLast: mix, mixup, workers ?? 0,
            repeats: Math.Max(1, recipe.RepeatedAugmentations));
    }

    internal static string Percent(double v) => double.IsNaN(v) ? "-" : (100 * v).ToString("0.00", Inv) + " %";
}

/// <summary>When <c>vim train</c> writes a checkpoint inside an epoch: every N steps, or every so many seconds (always at the end of each epoch).</summary>
internal sealed record CheckpointPolicy(long Steps, double Seconds)
{
    /// <summary>"500" (steps), "30s", "10m", "2h", or "0"/"epoch" (epoch ends only).</summary>
    public static CheckpointPolicy Parse(string text)
    {
        string s = text.Trim().ToLowerInvariant();
        if (s is "0" or "epoch") return new(0, 0);
        double unit = s.EndsWith('s') ? 1 : s.EndsWith('m') ? 60 : s.EndsWith('h') ? 3600 : 0;
        string number = unit == 0 ? s : s[..^1];
        if (unit == 0 && long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out long steps) && steps > 0) return new(steps, 0);
        if (unit > 0 && double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0) return new(0, v * unit);
        throw new CliException($"--checkpoint-every '{text}' is not a step count (500), a time (30s, 10m, 2h) or 'epoch'.");
    }

    public bool Due(long stepsSince, double secondsSince) => (Steps > 0 && stepsSince >= Steps) || (Seconds > 0 && secondsSince >= Seconds);
}

/// <summary>What a checkpoint written by <c>vim train</c> says about its run (null for other checkpoints).</summary>
internal sealed record TrainedRun(IReadOnlyList<string> Classes, int InputSize, string Recipe)
{
    public static TrainedRun? Read(string path)
    {
        if (!path.EndsWith(".pth", StringComparison.OrdinalIgnoreCase)) return null;
        if (PthReader.LoadValue(path, "vim_dsl", required: false) is not IReadOnlyDictionary<string, object?> run) return null;
        if (PthReader.LoadValue(path, "args", required: false) is not IReadOnlyDictionary<string, object?> args) return null;
        if (run.GetValueOrDefault("classes") is not IReadOnlyList<object?> classes || args.GetValueOrDefault("input_size") is not long size || args.GetValueOrDefault("recipe") is not string recipe)
            return null;
        return new TrainedRun(classes.OfType<string>().ToList(), (int)size, recipe);
    }
}
