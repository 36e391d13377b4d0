using System.Globalization;
using Vim.Runtime.Checkpoints;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Training;

/// <summary>
/// A training run's checkpoint, laid out as the official <c>main.py</c> saves one so the official code can read it —
/// <c>model</c> (the state dict), <c>optimizer</c> (torch AdamW's <c>state_dict()</c>), <c>lr_scheduler</c> (timm's
/// scheduler state), <c>epoch</c> (the last completed epoch), <c>model_ema</c>, <c>scaler</c> and <c>args</c> — plus a
/// <c>vim_dsl</c> entry with what an exact resume needs beyond that: the position inside an epoch, the micro-batch
/// counter that seeds drop-path, the epoch's running sums and the history. Files are written atomically.
/// </summary>
public static class TrainingCheckpoint
{
    /// <summary>The version of the <c>vim_dsl</c> entry.</summary>
    public const int FormatVersion = 1;

    private const string RunEntry = "vim_dsl";

    /// <summary>Writes <paramref name="run"/>'s checkpoint to <paramref name="path"/> (atomically).</summary>
    /// <param name="path">The <c>.pth</c> file.</param>
    /// <param name="run">The run.</param>
    /// <param name="classes">The class names, in label order (checked on resume).</param>
    /// <param name="args">Extra command-line values for the <c>args</c> entry (the data folder, the output folder), or null.</param>
    /// <exception cref="IOException">The folder is not writable or the disk is full; the previous file is unchanged.</exception>
    public static void Save(string path, TrainingRun run, IReadOnlyList<string> classes, IReadOnlyDictionary<string, object?>? args = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(classes);
        var state = run.State;
        var root = new PthDict()
            .Add("model", StateDict(run.Model.StateDict()))
            .Add("optimizer", OptimizerState(run))
            .Add("lr_scheduler", SchedulerState(run))
            .Add("epoch", state.EpochsDone - 1)
            .Add("model_ema", run.Ema is null ? null : StateDict(run.Ema.StateDict()))
            .Add("scaler", "none")
            .Add("args", Args(run, classes.Count, args))
            .Add(RunEntry, RunState(run, state, classes));
        PthWriter.Save(path, root);
    }

    private static PthDict StateDict(IEnumerable<KeyValuePair<string, Tensor>> entries)
    {
        var d = new PthDict(ordered: true);
        foreach (var (key, tensor) in entries) d.Add(key, tensor);
        return d;
    }

    // torch.optim.AdamW.state_dict(): parameters numbered across the groups in order; per parameter a float32 0-dim
    // 'step' and the two moments; the groups' hyperparameters with the indices of their parameters.
    private static PthDict OptimizerState(TrainingRun run)
    {
        var opt = run.Optimizer;
        var moments = opt.State().ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var state = new PthDict();
        var groups = new List<object?>();
        int index = 0;
        foreach (var group in opt.Groups)
        {
            var ids = new List<object?>();
            foreach (var (key, parameter) in group.Parameters)
            {
                if (moments.TryGetValue(key + ".exp_avg", out var m) && moments.TryGetValue(key + ".exp_avg_sq", out var v))
                {
                    var dims = parameter.Shape.ToArray();
                    state.Add(index, new PthDict()
                        .Add("step", Tensor.FromArray([(float)opt.StepCount], []))
                        .Add("exp_avg", Tensor.FromArray((float[])m.Clone(), dims))
                        .Add("exp_avg_sq", Tensor.FromArray((float[])v.Clone(), dims)));
                }
                ids.Add(index++);
            }
            groups.Add(new PthDict()
                .Add("lr", opt.LearningRate * group.LrScale)
                .Add("betas", new PthTuple(opt.Beta1, opt.Beta2))
                .Add("eps", opt.Epsilon)
                .Add("weight_decay", group.WeightDecay)
                .Add("amsgrad", false)
                .Add("foreach", null)
                .Add("maximize", false)
                .Add("capturable", false)
                .Add("differentiable", false)
                .Add("fused", null)
                .Add("initial_lr", run.Recipe.LearningRate * group.LrScale)
                .Add("params", ids));
        }
        return new PthDict().Add("state", state).Add("param_groups", groups);
    }

    // timm 0.4.12's CosineLRScheduler.state_dict(): its __dict__ without the optimizer.
    private static PthDict SchedulerState(TrainingRun run)
    {
        var r = run.Recipe;
        double unit = r.PerStepSchedule ? run.StepsPerEpoch : 1;
        double warmupT = r.WarmupEpochs * unit;
        var baseValues = run.Optimizer.Groups.Select(g => (object?)(r.LearningRate * g.LrScale)).ToList();
        var warmupSteps = baseValues.Select(b => (object?)(warmupT > 0 ? ((double)b! - r.WarmupLearningRate) / warmupT : 1.0)).ToList();
        return new PthDict()
            .Add("param_group_field", "lr")
            .Add("_initial_param_group_field", "initial_lr")
            .Add("base_values", baseValues)
            .Add("metric", null)
            .Add("t_in_epochs", !r.PerStepSchedule)
            .Add("noise_range_t", null)
            .Add("noise_pct", 0.67)
            .Add("noise_type", "normal")
            .Add("noise_std", 1.0)
            .Add("noise_seed", 42)
            .Add("t_initial", (long)Math.Round(r.Epochs * unit))
            .Add("t_mul", 1.0)
            .Add("lr_min", r.MinLearningRate)
            .Add("decay_rate", 1.0)
            .Add("cycle_limit", 1)
            .Add("warmup_t", (long)Math.Round(warmupT))
            .Add("warmup_lr_init", r.WarmupLearningRate)
            .Add("warmup_prefix", r.WarmupPrefix)
            .Add("warmup_steps", warmupSteps);
    }

    // main.py's argparse names for the values a run was configured by (a plain dict: torch.load(weights_only=True) reads it).
    private static PthDict Args(TrainingRun run, int classes, IReadOnlyDictionary<string, object?>? extra)
    {
        var r = run.Recipe;
        var d = new PthDict()
            .Add("model", run.Model.Info.Name)
            .Add("recipe", r.Name)
            .Add("batch_size", r.BatchSize)
            .Add("epochs", r.Epochs)
            .Add("cooldown_epochs", r.CooldownEpochs)
            .Add("lr", r.LearningRate)
            .Add("min_lr", r.MinLearningRate)
            .Add("warmup_lr", r.WarmupLearningRate)
            .Add("warmup_epochs", r.WarmupEpochs)
            .Add("weight_decay", r.WeightDecay)
            .Add("drop_path", r.DropPath)
            .Add("smoothing", r.LabelSmoothing)
            .Add("mixup", r.Mixup)
            .Add("cutmix", r.Cutmix)
            .Add("model_ema", r.EmaDecay is not null)
            .Add("model_ema_decay", r.EmaDecay ?? 0.0)
            .Add("clip_grad", r.ClipGrad)
            .Add("reprob", r.ReProb)
            .Add("aa", r.AutoAugment)
            .Add("repeated_aug", r.RepeatedAugmentations > 1)
            .Add("seed", r.Seed)
            .Add("input_size", run.Train.Transform.OutputShape.Height)
            .Add("nb_classes", classes);
        if (extra is not null)
        {
            foreach (var (k, v) in extra) d.Add(k, v);
        }
        return d;
    }

    private static PthDict RunState(TrainingRun run, TrainingRunState state, IReadOnlyList<string> classes)
    {
        var p = state.Progress;
        return new PthDict()
            .Add("format", FormatVersion)
            .Add("model", run.Model.Info.Name)
            .Add("classes", classes.ToList())
            .Add("seed", run.Recipe.Seed)
            .Add("batch_size", run.Recipe.BatchSize)
            .Add("steps_per_epoch", run.StepsPerEpoch)
            .Add("total_epochs", run.Recipe.TotalEpochs)
            .Add("epochs_done", state.EpochsDone)
            .Add("batches_done", state.BatchesDone)
            .Add("micro_steps", state.MicroSteps)
            .Add("optimizer_steps", run.Optimizer.StepCount)
            .Add("best_top1", state.BestTop1)
            .Add("epoch_loss_sum", p.LossSum)
            .Add("epoch_correct", p.Correct)
            .Add("epoch_seen", p.Seen)
            .Add("epoch_seconds", p.Seconds)
            .Add("epoch_lr", p.LearningRate)
            .Add("history", state.History.Select(HistoryEntry).ToList());
    }

    private static object? HistoryEntry(EpochReport e)
    {
        static object? Eval(Evaluation? v) => v is null ? null : new PthDict().Add("top1", v.Top1).Add("top5", v.Top5).Add("loss", v.Loss).Add("count", v.Count);
        return new PthDict()
            .Add("epoch", e.Epoch)
            .Add("train_loss", e.TrainLoss)
            .Add("train_acc", e.TrainAccuracy)
            .Add("lr", e.LearningRate)
            .Add("seconds", e.Seconds)
            .Add("images_per_second", e.ImagesPerSecond)
            .Add("val", Eval(e.Validation))
            .Add("ema_val", Eval(e.EmaValidation));
    }

    /// <summary>
    /// Restores <paramref name="run"/> from the checkpoint at <paramref name="path"/>: the weights, the optimizer's moments
    /// and step, the EMA, and the run's position, so it continues exactly where the checkpoint was written.
    /// </summary>
    /// <returns>The restored state.</returns>
    /// <exception cref="CheckpointFormatException">The file is not a readable checkpoint (truncated, corrupt, or not a training checkpoint).</exception>
    /// <exception cref="ArgumentException">The checkpoint belongs to another run: another model, classes, seed or batch size.</exception>
    public static TrainingRunState Resume(string path, TrainingRun run, IReadOnlyList<string> classes)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(classes);
        string name = Path.GetFileName(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"The checkpoint to resume from does not exist: {path}", path);
        var info = PthReader.LoadValue(path, RunEntry, required: false) as IReadOnlyDictionary<string, object?>
            ?? throw new CheckpointFormatException(name, $"it has no '{RunEntry}' entry, so it does not record where a run stopped; resume from a checkpoint that vim train wrote, or start from its weights with --finetune.");
        long format = Long(info, "format", name);
        if (format != FormatVersion) throw new CheckpointFormatException(name, $"its '{RunEntry}' entry is version {format}; this build reads version {FormatVersion}.");

        Expect(Text(info, "model", name), run.Model.Info.Name, "model", name);
        var savedClasses = List(info, "classes", name).Select(c => c as string ?? throw new CheckpointFormatException(name, "its class names are not strings.")).ToList();
        if (!savedClasses.SequenceEqual(classes))
            throw new ArgumentException($"{name} was trained on the classes {Summary(savedClasses)}; the data now has {Summary(classes)}.");
        Expect(Long(info, "seed", name), run.Recipe.Seed, "seed", name);
        Expect(Long(info, "batch_size", name), run.Recipe.BatchSize, "batch size", name);
        Expect(Long(info, "steps_per_epoch", name), run.StepsPerEpoch, "number of batches per epoch (the training set changed size)", name);

        var history = List(info, "history", name).Select(h => ReadHistory(h, name)).ToList();
        var progress = new EpochProgress(Double(info, "epoch_loss_sum", name), (int)Long(info, "epoch_correct", name), (int)Long(info, "epoch_seen", name),
            Double(info, "epoch_seconds", name), Double(info, "epoch_lr", name));
        var state = new TrainingRunState((int)Long(info, "epochs_done", name), (int)Long(info, "batches_done", name), Long(info, "micro_steps", name),
            Double(info, "best_top1", name), progress, history);
        long optimizerSteps = Long(info, "optimizer_steps", name);

        var weights = PthReader.Load(path, "model");
        var optimizer = PthReader.Load(path, "optimizer", new PthReadOptions { Flatten = true });
        var ema = run.Ema is null ? null : PthReader.Load(path, "model_ema");

        // Check everything before changing anything, so a bad checkpoint leaves the run as it was.
        var moments = MomentsByKey(run, optimizer, name);
        if (state.EpochsDone > run.Recipe.TotalEpochs)
            throw new ArgumentException($"{name} has {state.EpochsDone} epochs done; this run has only {run.Recipe.TotalEpochs}.");
        CheckShapes(run.Model, weights, "model", name);
        if (ema is not null) CheckShapes(run.Model, ema, "model_ema", name);
        run.Restore(state);
        run.Model.LoadStateDict(weights);
        run.Optimizer.LoadState(moments, optimizerSteps);
        if (ema is not null) run.Ema!.Load(ema);
        return state;
    }

    private static Dictionary<string, float[]> MomentsByKey(TrainingRun run, IReadOnlyDictionary<string, Tensor> optimizer, string name)
    {
        var byKey = new Dictionary<string, float[]>(StringComparer.Ordinal);
        int index = 0;
        foreach (var group in run.Optimizer.Groups)
        {
            foreach (var (key, parameter) in group.Parameters)
            {
                string id = index.ToString(CultureInfo.InvariantCulture);
                index++;
                if (!optimizer.TryGetValue($"state.{id}.exp_avg", out var m) || !optimizer.TryGetValue($"state.{id}.exp_avg_sq", out var v)) continue;
                if (m.Shape != parameter.Shape || v.Shape != parameter.Shape)
                    throw new CheckpointFormatException(name, $"its optimizer state {id} is {m.Shape}; parameter '{key}' is {parameter.Shape} (the parameter groups differ).");
                byKey[key + ".exp_avg"] = m.ToArray();
                byKey[key + ".exp_avg_sq"] = v.ToArray();
            }
        }
        int saved = optimizer.Keys.Count(k => k.EndsWith(".exp_avg", StringComparison.Ordinal));
        if (saved != byKey.Count / 2)
            throw new CheckpointFormatException(name, $"its optimizer has state for {saved} parameters, {byKey.Count / 2} of which match this run's {index}.");
        return byKey;
    }

    private static EpochReport ReadHistory(object? value, string name)
    {
        var d = value as IReadOnlyDictionary<string, object?> ?? throw new CheckpointFormatException(name, "its history holds something other than epoch records.");
        Evaluation? Eval(string key) => d.TryGetValue(key, out var v) && v is IReadOnlyDictionary<string, object?> e
            ? new Evaluation(Double(e, "top1", name), Double(e, "top5", name), Double(e, "loss", name), (int)Long(e, "count", name))
            : null;
        return new EpochReport((int)Long(d, "epoch", name), Double(d, "train_loss", name), Double(d, "train_acc", name), Double(d, "lr", name),
            Double(d, "seconds", name), Double(d, "images_per_second", name), Eval("val"), Eval("ema_val"));
    }

    private static object? Get(IReadOnlyDictionary<string, object?> d, string key, string name) =>
        d.TryGetValue(key, out var v) ? v : throw new CheckpointFormatException(name, $"its '{RunEntry}' entry lacks '{key}'.");

    private static long Long(IReadOnlyDictionary<string, object?> d, string key, string name) =>
        Get(d, key, name) is long l ? l : throw new CheckpointFormatException(name, $"'{RunEntry}.{key}' is not an integer.");

    private static double Double(IReadOnlyDictionary<string, object?> d, string key, string name) => Get(d, key, name) switch
    {
        double x => x,
        long l => l,
        _ => throw new CheckpointFormatException(name, $"'{RunEntry}.{key}' is not a number."),
    };

    private static string Text(IReadOnlyDictionary<string, object?> d, string key, string name) =>
        Get(d, key, name) as string ?? throw new CheckpointFormatException(name, $"'{RunEntry}.{key}' is not a string.");

    private static IReadOnlyList<object?> List(IReadOnlyDictionary<string, object?> d, string key, string name) =>
        Get(d, key, name) as IReadOnlyList<object?> ?? throw new CheckpointFormatException(name, $"'{RunEntry}.{key}' is not a list.");

    private static void Expect<T>(T saved, T now, string what, string name)
    {
        if (!EqualityComparer<T>.Default.Equals(saved, now))
            throw new ArgumentException($"{name} was written by a run with {what} {saved}; this run has {now}. Resume with the settings it was started with.");
    }

    private static string Summary(IReadOnlyList<string> classes) =>
        $"{classes.Count} ({string.Join(", ", classes.Take(5))}{(classes.Count > 5 ? ", …" : "")})";

    private static void CheckShapes(Modules.Module model, IReadOnlyDictionary<string, Tensor> entry, string what, string name)
    {
        foreach (var (key, parameter) in model.NamedParameters())
        {
            if (!entry.TryGetValue(key, out var t)) throw new CheckpointFormatException(name, $"its '{what}' lacks '{key}'.");
            if (t.Shape != parameter.Shape) throw new CheckpointFormatException(name, $"its '{what}' has '{key}' of {t.Shape}; the model has {parameter.Shape}.");
        }
        var known = model.NamedParameters().Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        string? extra = entry.Keys.FirstOrDefault(k => !known.Contains(k));
        if (extra is not null) throw new CheckpointFormatException(name, $"its '{what}' has '{extra}', which {model.GetType().Name} does not have.");
    }
}
