using System.Diagnostics;
using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;
using Vim.Runtime.Training.Data;

namespace Vim.Runtime.Training;

/// <summary>What one training step reports (for a progress bar).</summary>
public readonly record struct StepReport(int Epoch, int Batch, int Batches, long Step, double Loss, double RunningLoss, double RunningAccuracy, double ImagesPerSecond, double LearningRate);

/// <summary>What one epoch reports: training loss and accuracy, evaluation figures, time.</summary>
public sealed record EpochReport(int Epoch, double TrainLoss, double TrainAccuracy, double LearningRate, double Seconds, double ImagesPerSecond,
    Evaluation? Validation, Evaluation? EmaValidation);

/// <summary>Top-1, top-5 and loss over a dataset.</summary>
public sealed record Evaluation(double Top1, double Top5, double Loss, int Count);

/// <summary>
/// A training run over epochs with a <see cref="TrainingRecipe"/>: AdamW over the official parameter groups, the recipe's
/// warmup + cosine schedule (per step or per epoch), its loss (label smoothing, or soft targets under mixup), clipping and
/// EMA; evaluation after every epoch (of the weights and of their EMA).
/// </summary>
public sealed class TrainingRun
{
    private readonly Trainer _trainer;
    private readonly CosineSchedule _schedule;
    private readonly Registry.ModelOverrides _overrides;

    /// <summary>Sets up the run; <paramref name="train"/> yields the training batches, <paramref name="validation"/> (optional) the evaluation ones.</summary>
    /// <param name="model">The model, built with <paramref name="overrides"/>.</param>
    /// <param name="recipe">The recipe.</param>
    /// <param name="train">The training batches.</param>
    /// <param name="validation">The evaluation batches, or null.</param>
    /// <param name="overrides">The size overrides the model was built with (a second model of that shape evaluates the EMA).</param>
    public TrainingRun(ImageModel model, TrainingRecipe recipe, DataLoader train, DataLoader? validation = null, Registry.ModelOverrides? overrides = null)
    {
        _overrides = overrides ?? new Registry.ModelOverrides();
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Recipe = recipe ?? throw new ArgumentNullException(nameof(recipe));
        Train = train ?? throw new ArgumentNullException(nameof(train));
        Validation = validation;
        if (recipe.Epochs < 1) throw new ArgumentException($"A recipe needs at least one epoch, got {recipe.Epochs}.", nameof(recipe));
        int classes = train.Dataset.Classes.Count;
        if (model.Info.NumClasses != 0 && HeadClasses(model) != classes)
            throw new ArgumentException($"{model.Info.Name} has {HeadClasses(model)} classes but the training data has {classes} ({string.Join(", ", train.Dataset.Classes.Take(5))}{(classes > 5 ? ", …" : "")}); create the model with NumClasses = {classes}, or fine-tune with a new head.", nameof(train));
        Optimizer = new AdamW(ParameterGroup.Official(model, recipe.WeightDecay), recipe.LearningRate);
        Ema = recipe.EmaDecay is double decay ? new ModelEma(model, decay) : null;
        StepsPerEpoch = train.BatchesPerEpoch;
        // Per step, t counts optimizer steps over the whole schedule; per epoch, t is the epoch (timm's t_in_epochs).
        double unit = recipe.PerStepSchedule ? StepsPerEpoch : 1;
        _schedule = new CosineSchedule(recipe.LearningRate, recipe.Epochs * unit, recipe.MinLearningRate, recipe.WarmupEpochs * unit, recipe.WarmupLearningRate, recipe.WarmupPrefix);
        Loss loss = train.BatchTransform is not null ? new SoftTargetCrossEntropyLoss() : new CrossEntropyLoss(recipe.LabelSmoothing);
        _trainer = new Trainer(model, Optimizer, loss, new TrainerOptions
        {
            ClipGradNorm = recipe.ClipGrad,
            Ema = Ema,
            Seed = recipe.Seed,
            LearningRate = LearningRateAt,
        });
    }

    private static int HeadClasses(ImageModel model) => model.NamedParameters().LastOrDefault(p => p.Key.EndsWith("head.weight", StringComparison.Ordinal)).Value?.Shape[0] ?? 0;

    /// <summary>The model.</summary>
    public ImageModel Model { get; }

    /// <summary>The recipe.</summary>
    public TrainingRecipe Recipe { get; }

    /// <summary>The training batches.</summary>
    public DataLoader Train { get; }

    /// <summary>The evaluation batches, or null.</summary>
    public DataLoader? Validation { get; }

    /// <summary>The optimizer.</summary>
    public AdamW Optimizer { get; }

    /// <summary>The weights' average, when the recipe keeps one.</summary>
    public ModelEma? Ema { get; }

    /// <summary>Optimizer steps per epoch.</summary>
    public int StepsPerEpoch { get; }

    /// <summary>Epochs completed (the next epoch to run).</summary>
    public int EpochsDone { get; private set; }

    /// <summary>Batches of the current epoch already trained.</summary>
    public int BatchesDone { get; private set; }

    private EpochProgress _progress;

    /// <summary>The best validation top-1 so far (NaN before any).</summary>
    public double BestTop1 { get; private set; } = double.NaN;

    /// <summary>Every epoch's report so far.</summary>
    public List<EpochReport> History { get; } = [];

    /// <summary>Called after every step.</summary>
    public Action<StepReport>? OnStep { get; set; }

    /// <summary>Called after every epoch, after its evaluation (checkpoints are written here).</summary>
    public Action<EpochReport>? OnEpoch { get; set; }

    /// <summary>The learning rate of optimizer step <paramref name="step"/> (0-based): per step, or that step's epoch.</summary>
    public double LearningRateAt(long step) => _schedule.At(Recipe.PerStepSchedule ? step : step / StepsPerEpoch);

    /// <summary>Runs the remaining epochs (all of them unless resumed), stopping early when <paramref name="cancellation"/> fires between steps.</summary>
    public void Run(CancellationToken cancellation = default)
    {
        Model.Train();
        while (EpochsDone < Recipe.TotalEpochs)
        {
            cancellation.ThrowIfCancellationRequested();
            RunEpoch(EpochsDone, cancellation);
        }
    }

    private void RunEpoch(int epoch, CancellationToken cancellation)
    {
        Model.Train();
        var clock = Stopwatch.StartNew();
        double secondsBefore = _progress.Seconds;
        foreach (var batch in Train.Epoch(epoch, BatchesDone, cancellation))
        {
            using (batch)
            {
                var result = _trainer.Step(batch.Images, batch.Targets);
                _progress = new EpochProgress(
                    _progress.LossSum + result.Loss * batch.Labels.Length,
                    _progress.Correct + result.Correct,
                    _progress.Seen + batch.Labels.Length,
                    secondsBefore + clock.Elapsed.TotalSeconds,
                    result.LearningRate);
                BatchesDone = batch.Number + 1;
                OnStep?.Invoke(new StepReport(epoch, batch.Number, StepsPerEpoch, Optimizer.StepCount, result.Loss, _progress.LossSum / _progress.Seen,
                    (double)_progress.Correct / _progress.Seen, _progress.Seen / _progress.Seconds, result.LearningRate));
            }
            cancellation.ThrowIfCancellationRequested();
        }
        var done = _progress;
        Evaluation? val = null, emaVal = null;
        if (Validation is not null)
        {
            val = Evaluate(Model, Validation);
            if (Ema is not null)
            {
                var shadow = Model.Info.Create(overrides: _overrides with { NumClasses = HeadClasses(Model) });
                Ema.CopyTo(shadow);
                emaVal = Evaluate(shadow, Validation);
            }
        }
        Model.Train();
        var report = new EpochReport(epoch, done.LossSum / done.Seen, (double)done.Correct / done.Seen, done.LearningRate, done.Seconds, done.Seen / done.Seconds, val, emaVal);
        ImprovedBest = val is not null && (double.IsNaN(BestTop1) || val.Top1 > BestTop1);
        if (ImprovedBest) BestTop1 = val!.Top1;
        History.Add(report);
        EpochsDone = epoch + 1;
        BatchesDone = 0;
        _progress = default;
        OnEpoch?.Invoke(report);
    }

    /// <summary>Top-1, top-5 and cross-entropy of <paramref name="model"/> (in eval mode) over every batch of <paramref name="loader"/>.</summary>
    public static Evaluation Evaluate(ImageModel model, DataLoader loader)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loader);
        bool training = model.IsTraining;
        model.Eval();
        int top1 = 0, top5 = 0, count = 0;
        double loss = 0;
        var ce = new CrossEntropyLoss();
        try
        {
            foreach (var batch in loader.Epoch(0))
            {
                using (batch)
                using (var logits = model.Forward(batch.Images))
                {
                    int classes = logits.Shape[^1];
                    var z = logits.ToArray();
                    for (int r = 0; r < batch.Labels.Length; r++)
                    {
                        var row = z.AsSpan(r * classes, classes);
                        float target = row[batch.Labels[r]];
                        int above = 0;
                        foreach (float v in row) if (v > target) above++;
                        if (above == 0) top1++;
                        if (above < 5) top5++;
                    }
                    using var value = ce.Evaluate(logits, Targets.FromLabels(batch.Labels));
                    loss += value.Value * batch.Labels.Length;
                    count += batch.Labels.Length;
                }
            }
        }
        finally
        {
            model.Train(training);
        }
        return new Evaluation((double)top1 / count, (double)top5 / count, loss / count, count);
    }

    /// <summary>Whether the epoch just finished set a new best validation top-1 (for a best checkpoint).</summary>
    public bool ImprovedBest { get; private set; }

    /// <summary>Where the run stands: everything a checkpoint needs beside the weights, the optimizer and the EMA.</summary>
    public TrainingRunState State => new(EpochsDone, BatchesDone, _trainer.MicroSteps, BestTop1, _progress, [.. History]);

    /// <summary>
    /// Puts a resumed run where <paramref name="state"/> says (the checkpoint restores the weights, the optimizer and the
    /// EMA): the next step is batch <see cref="TrainingRunState.BatchesDone"/> of epoch <see cref="TrainingRunState.EpochsDone"/>,
    /// with the same data, augmentation and drop-path draws as the interrupted run.
    /// </summary>
    /// <exception cref="ArgumentException">The state is outside this run (more epochs or batches than it has).</exception>
    public void Restore(TrainingRunState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.EpochsDone < 0 || state.EpochsDone > Recipe.TotalEpochs)
            throw new ArgumentException($"The checkpoint has {state.EpochsDone} epochs done; this run has {Recipe.TotalEpochs}.", nameof(state));
        if (state.BatchesDone < 0 || state.BatchesDone >= StepsPerEpoch)
            throw new ArgumentException($"The checkpoint stopped after batch {state.BatchesDone} of an epoch; this run's epochs have {StepsPerEpoch} batches.", nameof(state));
        if (state.History.Count != state.EpochsDone)
            throw new ArgumentException($"The checkpoint reports {state.History.Count} epochs but has {state.EpochsDone} done.", nameof(state));
        EpochsDone = state.EpochsDone;
        BatchesDone = state.BatchesDone;
        BestTop1 = state.BestTop1;
        _progress = state.Progress;
        _trainer.Restore(state.MicroSteps);
        History.Clear();
        History.AddRange(state.History);
    }
}

/// <summary>The running sums of an epoch in progress.</summary>
/// <param name="LossSum">Σ loss · rows over the batches so far.</param>
/// <param name="Correct">Rows predicted right.</param>
/// <param name="Seen">Rows trained on.</param>
/// <param name="Seconds">Training time of the epoch so far.</param>
/// <param name="LearningRate">The learning rate of the last step.</param>
public readonly record struct EpochProgress(double LossSum, int Correct, int Seen, double Seconds, double LearningRate);

/// <summary>A run's position and history, as a checkpoint stores it.</summary>
/// <param name="EpochsDone">Epochs completed.</param>
/// <param name="BatchesDone">Batches of the next epoch already trained (a checkpoint written mid-epoch).</param>
/// <param name="MicroSteps">Micro-batches trained in all (seeds the drop-path draws).</param>
/// <param name="BestTop1">Best validation top-1 so far (NaN before any).</param>
/// <param name="Progress">The sums of the epoch in progress.</param>
/// <param name="History">Every completed epoch's report.</param>
public sealed record TrainingRunState(int EpochsDone, int BatchesDone, long MicroSteps, double BestTop1, EpochProgress Progress, IReadOnlyList<EpochReport> History);
