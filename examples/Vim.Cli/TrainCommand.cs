using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Vim.Kernels.Cpu;
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
}

/// <summary><c>vim train</c> and <c>vim eval</c>.</summary>
internal static class TrainCommand
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Train(string name, string data, TrainOptions o)
    {
        if (o.Threads is int t)
        {
            if (t < 1) throw new CliException($"--threads must be at least 1, got {t}.");
            KernelThreading.MaxDegreeOfParallelism = t;
        }
        var device = Runtime.Devices.Device.Parse(o.Device);
        if (device.Kind != Runtime.Devices.DeviceKind.Cpu) throw new CliException($"Training runs on the CPU for now; --device {o.Device} is not supported yet.");
        var info = Models.Get(name);
        var recipe = BuildRecipe(o);
        var (train, validation) = OpenData(data, o.ValSplit, recipe.Seed);
        var overrides = new ModelOverrides { NumClasses = train.Classes.Count, DropPathRate = recipe.DropPath, Seed = recipe.Seed };
        var model = info.Create(overrides: overrides);
        var evalConfig = EvalConfig(info);
        var trainLoader = TrainingLoader(train, recipe, evalConfig, o.Workers);
        var valLoader = validation is null ? null : new DataLoader(validation, new EvalTransform(evalConfig), recipe.BatchSize, shuffle: false, recipe.Seed, workers: o.Workers ?? 0);
        var run = new TrainingRun(model, recipe, trainLoader, valLoader, overrides);

        string output = o.Output ?? Path.Combine("runs", info.Name);
        Directory.CreateDirectory(output);
        string metricsPath = Path.Combine(output, "metrics.jsonl");
        Console.WriteLine($"{info.Name}: {recipe.Name} recipe, {recipe.TotalEpochs} epochs of {run.StepsPerEpoch} steps (batch {recipe.BatchSize}), " +
                          $"lr {recipe.LearningRate.ToString("G4", Inv)}, {train.Count} training images in {train.Classes.Count} classes" +
                          (validation is null ? "" : $", {validation.Count} validation images") + $"; writing to {output}");
        ReportSkipped(train, validation);
        using var metrics = new StreamWriter(metricsPath, append: false);
        run.OnEpoch = e =>
        {
            metrics.WriteLine(JsonSerializer.Serialize(new
            {
                epoch = e.Epoch + 1,
                train_loss = e.TrainLoss,
                train_acc = e.TrainAccuracy,
                lr = e.LearningRate,
                seconds = e.Seconds,
                images_per_second = e.ImagesPerSecond,
                val_top1 = e.Validation?.Top1,
                val_top5 = e.Validation?.Top5,
                val_loss = e.Validation?.Loss,
                ema_val_top1 = e.EmaValidation?.Top1,
            }));
            metrics.Flush();
        };
        RunWithProgress(run);
        var last = run.History[^1];
        Console.WriteLine(last.Validation is { } v
            ? $"done: validation top-1 {Percent(v.Top1)} ({(int)Math.Round(v.Top1 * v.Count)}/{v.Count}), top-5 {Percent(v.Top5)}; best top-1 {Percent(run.BestTop1)}; {run.History.Sum(h => h.Seconds).ToString("0.0", Inv)} s training"
            : $"done: training loss {last.TrainLoss.ToString("0.0000", Inv)}; {run.History.Sum(h => h.Seconds).ToString("0.0", Inv)} s training");
        return 0;
    }

    private static void RunWithProgress(TrainingRun run)
    {
        int total = run.Recipe.TotalEpochs * run.StepsPerEpoch;
        void Line(EpochReport e) => Console.WriteLine(
            $"epoch {e.Epoch + 1}/{run.Recipe.TotalEpochs}: loss {e.TrainLoss.ToString("0.0000", Inv)}, train acc {Percent(e.TrainAccuracy)}" +
            (e.Validation is { } v ? $", val top-1 {Percent(v.Top1)}" : "") + (e.EmaValidation is { } ev ? $" (EMA {Percent(ev.Top1)})" : "") +
            $", lr {e.LearningRate.ToString("G3", Inv)}, {e.ImagesPerSecond.ToString("0", Inv)} img/s, {e.Seconds.ToString("0.0", Inv)} s");
        var onEpoch = run.OnEpoch;
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            run.OnEpoch = e => { onEpoch?.Invoke(e); Line(e); };
            run.Run();
            return;
        }
        AnsiConsole.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: total);
                task.Value = run.EpochsDone * run.StepsPerEpoch;
                run.OnStep = s =>
                {
                    task.Value = s.Epoch * run.StepsPerEpoch + s.Batch + 1;
                    task.Description = $"epoch {s.Epoch + 1}: loss {s.RunningLoss.ToString("0.000", Inv)}, acc {Percent(s.RunningAccuracy)}, {s.ImagesPerSecond.ToString("0", Inv)} img/s";
                };
                run.OnEpoch = e => { onEpoch?.Invoke(e); AnsiConsole.MarkupLine(Markup.Escape(LineText(e, run))); };
                run.Run();
            });
    }

    private static string LineText(EpochReport e, TrainingRun run) =>
        $"epoch {e.Epoch + 1}/{run.Recipe.TotalEpochs}: loss {e.TrainLoss.ToString("0.0000", Inv)}" + (e.Validation is { } v ? $", val top-1 {Percent(v.Top1)}" : "");

    public static int Eval(string name, string data, string checkpoint, int? workers)
    {
        var info = Models.Get(name);
        Cli.ExistingFile(checkpoint, "Checkpoint");
        var dataset = new ImageFolderDataset(Directory.Exists(Path.Combine(data, "val")) ? Path.Combine(data, "val") : Directory.Exists(Path.Combine(data, "test")) ? Path.Combine(data, "test") : data);
        ReportSkipped(dataset, null);
        var model = info.Create(overrides: new ModelOverrides { NumClasses = dataset.Classes.Count });
        model.LoadCheckpoint(checkpoint);
        var loader = new DataLoader(dataset, new EvalTransform(EvalConfig(info)), 64, shuffle: false, seed: 0, workers: workers ?? 0);
        var result = TrainingRun.Evaluate(model, loader);
        Console.WriteLine($"{info.Name} on {dataset.Root}: top-1 {Percent(result.Top1)} ({(int)Math.Round(result.Top1 * result.Count)}/{result.Count}), top-5 {Percent(result.Top5)}, loss {result.Loss.ToString("0.0000", Inv)}");
        return 0;
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
    internal static (Dataset Train, Dataset? Validation) OpenData(string data, double valSplit, int seed)
    {
        if (!Directory.Exists(data)) throw new CliException($"Data folder not found: {data}");
        string train = Path.Combine(data, "train");
        if (Directory.Exists(train))
        {
            string? val = new[] { "val", "test" }.Select(n => Path.Combine(data, n)).FirstOrDefault(Directory.Exists);
            var t = Open(train);
            var v = val is null ? null : Open(val);
            if (v is not null && !v.Classes.SequenceEqual(t.Classes))
                throw new CliException($"{val} has classes {string.Join(", ", v.Classes)}; {train} has {string.Join(", ", t.Classes)}: the folders must name the same classes.");
            return (t, v);
        }
        var all = Open(data);
        if (valSplit <= 0) return (all, null);
        if (valSplit >= 1) throw new CliException($"--val-split must be below 1, got {valSplit}.");
        var (trainPart, valPart) = Split.Stratified(all, valSplit, seed);
        return (trainPart, valPart);
    }

    private static ImageFolderDataset Open(string dir)
    {
        try
        {
            return new ImageFolderDataset(dir);
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

    internal static PreprocessConfig EvalConfig(ModelInfo info) => new()
    {
        InputHeight = info.ImgHeight,
        InputWidth = info.ImgWidth,
        CropPct = info.CropPct,
        Mean = info.Mean,
        Std = info.Std,
        ResizeAndCrop = info.CropPct != 1.0,
    };

    internal static DataLoader TrainingLoader(Dataset train, TrainingRecipe recipe, PreprocessConfig eval, int? workers)
    {
        SampleTransform transform = recipe.Augmentation switch
        {
            Augmentation.Digits => new DigitsTransform(),
            Augmentation.None => new EvalTransform(eval),
            _ => ImageNetTransform.ForRecipe(recipe, eval),
        };
        bool mix = recipe.Mixup > 0 || recipe.Cutmix > 0;
        var mixup = mix ? new Mixup(recipe.Mixup, recipe.Cutmix, recipe.LabelSmoothing, recipe.MixupProbability, recipe.MixupSwitchProbability) : null;
        return new DataLoader(train, transform, recipe.BatchSize, shuffle: true, recipe.Seed, dropLast: mix, mixup, workers ?? 0,
            repeats: Math.Max(1, recipe.RepeatedAugmentations));
    }

    private static string Percent(double v) => double.IsNaN(v) ? "-" : (100 * v).ToString("0.00", Inv) + " %";
}
