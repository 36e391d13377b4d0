using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Training;

/// <summary>What a <see cref="Trainer"/> does around the forward and backward passes.</summary>
public sealed record TrainerOptions
{
    /// <summary>Clip the gradients' global L2 norm to this before each update (the recipes' <c>--clip-grad</c>); null: no clipping.</summary>
    public double? ClipGradNorm { get; init; }

    /// <summary>Micro-batches whose gradients are summed (each loss divided by this) before one optimizer update.</summary>
    public int AccumulationSteps { get; init; } = 1;

    /// <summary>The learning rate of optimizer step s (0-based), set before the update; null keeps the optimizer's.</summary>
    public Func<long, double>? LearningRate { get; init; }

    /// <summary>An average of the weights, updated after every optimizer step.</summary>
    public ModelEma? Ema { get; init; }

    /// <summary>Seed of the drop-path draws; micro-batch k draws from a seed derived from it and k.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Data-parallel training: this rank's view of the group. The trainer starts every rank from rank 0's weights, and
    /// at the end of each accumulation window replaces the gradients by their mean over the ranks (in buckets, see
    /// <see cref="Distributed.GradientBuckets"/>) before clipping and the update, so every rank takes the same step —
    /// the step one process would take on the ranks' batches together. Null: one process.
    /// </summary>
    public Distributed.ICommunicator? Communicator { get; init; }
}

/// <summary>The outcome of one <see cref="Trainer.Step"/>.</summary>
/// <param name="Loss">The micro-batch's loss (before the 1/accumulation scaling).</param>
/// <param name="Correct">Rows whose top-1 prediction equals the label (the argmax of soft targets), for the accuracy shown while training.</param>
/// <param name="Rows">Rows scored.</param>
/// <param name="Updated">Whether this call applied an optimizer update (the last micro-batch of an accumulation window).</param>
/// <param name="GradNorm">The gradients' global norm before clipping, on updates.</param>
/// <param name="LearningRate">The learning rate of the update (or of the window's coming update).</param>
public readonly record struct TrainStepResult(double Loss, int Correct, int Rows, bool Updated, double? GradNorm, double LearningRate);

/// <summary>
/// One screen of training: each <see cref="Step"/> runs the training forward, the loss, the generated backward pass and —
/// every <see cref="TrainerOptions.AccumulationSteps"/> micro-batches — clipping, the optimizer update and the EMA. The
/// gradients stay inspectable (<see cref="Module.Gradient"/>) until the next window starts.
/// </summary>
public sealed class Trainer
{
    private readonly TrainerOptions _options;
    private readonly List<Parameter> _parameters;

    /// <summary>A trainer for <paramref name="model"/>, whose parameters <paramref name="optimizer"/> must be.</summary>
    /// <exception cref="ArgumentException">The optimizer updates a parameter that is not the model's, or the options are invalid.</exception>
    public Trainer(ImageModel model, Optimizer optimizer, Loss loss, TrainerOptions? options = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        Loss = loss ?? throw new ArgumentNullException(nameof(loss));
        _options = options ?? new TrainerOptions();
        if (_options.AccumulationSteps < 1) throw new ArgumentException($"AccumulationSteps {_options.AccumulationSteps} must be at least 1.", nameof(options));
        if (_options.ClipGradNorm is double clip && !(clip > 0)) throw new ArgumentException($"ClipGradNorm {clip} must be positive.", nameof(options));
        var own = new HashSet<Parameter>(model.NamedParameters().Select(p => p.Value), ReferenceEqualityComparer.Instance);
        foreach (var group in optimizer.Groups)
        {
            foreach (var (key, parameter) in group.Parameters)
            {
                if (!own.Contains(parameter))
                    throw new ArgumentException($"The optimizer updates '{key}', which is not a parameter of {model.Info.Name}: build the optimizer from this model's parameters.", nameof(optimizer));
            }
        }
        _parameters = optimizer.Parameters.ToList();
        if (_options.Communicator is { } communicator)
        {
            _buckets = new Distributed.GradientBuckets(model.NamedParameters().Select(p => p.Value));
            // every rank starts from rank 0's weights (and buffers), as DistributedDataParallel's constructor does
            foreach (var (_, parameter) in model.NamedParameters())
            {
                communicator.Broadcast(parameter.Value, root: 0);
                parameter.MarkChanged();
            }
        }
    }

    private readonly Distributed.GradientBuckets? _buckets;

    /// <summary>The model being trained.</summary>
    public ImageModel Model { get; }

    /// <summary>The optimizer.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The loss.</summary>
    public Loss Loss { get; }

    /// <summary>Micro-batches run so far.</summary>
    public long MicroSteps { get; private set; }

    /// <summary>Sets the micro-batch counter of a resumed run (the optimizer's state restores its own step count).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The count is negative, or not at the end of an accumulation window.</exception>
    public void Restore(long microSteps)
    {
        if (microSteps < 0 || microSteps % _options.AccumulationSteps != 0)
            throw new ArgumentOutOfRangeException(nameof(microSteps), $"A run resumes after a whole number of accumulation windows of {_options.AccumulationSteps}; got {microSteps} micro-batches.");
        MicroSteps = microSteps;
    }

    /// <summary>
    /// Trains on one micro-batch: forward, loss, backward, and at the end of an accumulation window the update.
    /// </summary>
    /// <exception cref="NonFiniteLossException">The loss is NaN or infinite: the window's gradients are discarded, no parameter changes.</exception>
    public TrainStepResult Step(Tensor images, Targets targets)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(targets);
        int k = _options.AccumulationSteps;
        bool windowStart = MicroSteps % k == 0;
        if (windowStart) Optimizer.ZeroGrad();
        long step = Optimizer.StepCount;
        double lr = _options.LearningRate?.Invoke(step) ?? Optimizer.LearningRate;
        using var pass = Model.ForwardTrain(images, StepSeed(_options.Seed, MicroSteps));
        using var loss = Loss.Evaluate(pass.Logits, targets);
        // In a group a rank must not leave the collectives alone: a non-finite loss poisons the gradients, and the
        // mean over the ranks then stops every rank at the same window end (below).
        if (!double.IsFinite(loss.Value) && _options.Communicator is null)
        {
            Optimizer.ZeroGrad();
            MicroSteps += k - MicroSteps % k;   // the window is abandoned
            throw new NonFiniteLossException(step + 1, loss.Value);
        }

        int correct = Correct(pass.Logits, targets);
        if (k > 1) ScaleInPlace(loss.Gradient, 1.0 / k);
        pass.Backward(loss.Gradient)?.Dispose();
        MicroSteps++;
        if (MicroSteps % k != 0) return new TrainStepResult(loss.Value, correct, targets.Rows, false, null, lr);

        if (_options.Communicator is { } group) _buckets!.AllReduceMean(group);
        double? norm = null;
        if (_options.ClipGradNorm is double max) norm = GradientClipping.ClipByGlobalNorm(_parameters, max);
        else norm = GradientClipping.GlobalNorm(_parameters);
        if (!double.IsFinite(norm.Value))
        {
            Optimizer.ZeroGrad();
            throw new NonFiniteLossException(step + 1, norm.Value);
        }

        Optimizer.LearningRate = lr;
        Optimizer.Step();
        _options.Ema?.Update();
        return new TrainStepResult(loss.Value, correct, targets.Rows, true, norm, lr);
    }

    /// <summary>The drop-path seed of micro-batch <paramref name="microStep"/>: the same run draws the same masks.</summary>
    public static int StepSeed(int seed, long microStep)
    {
        // SplitMix64's finaliser over (seed, step): neighbouring steps get unrelated seeds.
        ulong z = ((ulong)(uint)seed << 32) ^ (ulong)microStep;
        z += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return (int)((z ^ (z >> 31)) & 0x7FFFFFFF);
    }

    private static void ScaleInPlace(Tensor t, double scale)
    {
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = (float)(s[i] * scale);
    }

    private static int Correct(Tensor logits, Targets targets)
    {
        int classes = logits.Shape[^1];
        float[] z = logits.ToArray();
        int correct = 0;
        for (int r = 0; r < targets.Rows; r++)
        {
            int predicted = ArgMax(z.AsSpan(r * classes, classes));
            int label = targets.Labels?[r] ?? ArgMax(targets.Probabilities.AsSpan(r * classes, classes));
            if (predicted == label) correct++;
        }
        return correct;
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++)
        {
            if (row[c] > row[best]) best = c;
        }
        return best;
    }
}
