using Vim.Runtime.Checkpoints;
using Vim.Runtime.Imaging;
using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;
using Vim.Runtime.Training;
using Vim.Runtime.Training.Data;

namespace Vim.Runtime.Tests.Training;

/// <summary>
/// Checkpoints of a training run: a run stopped at any step and resumed from its last checkpoint ends bit-identical to one
/// that ran through; the file holds what the official main.py writes; a bad checkpoint is refused and changes nothing.
/// </summary>
public class TrainingCheckpointTests : IDisposable
{
    private const string ModelName = "train_vim_droppath_dropout";
    private readonly string _dir = Directory.CreateTempSubdirectory("vim-ckpt-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static readonly TrainingRecipe Recipe = new()
    {
        Name = "test", Epochs = 3, BatchSize = 6, LearningRate = 3e-3, MinLearningRate = 1e-4, WarmupEpochs = 1, WarmupLearningRate = 1e-4,
        PerStepSchedule = true, WeightDecay = 0.05, LabelSmoothing = 0.1, Mixup = 0.8, Cutmix = 1.0, ClipGrad = 1.0, EmaDecay = 0.9,
        DropPath = 0.5, Augmentation = Augmentation.None, Seed = 11,
    };

    private static TensorDataset Data(int count, int seed)
    {
        var values = EndToEndGradientTests.Random(new Shape(count, 3, 16, 16), seed).ToArray();
        return new TensorDataset(values, Enumerable.Range(0, count).Select(i => i % 5).ToArray(), 3, 16, 16);
    }

    private static TrainingRun NewRun(int initSeed, TrainingRecipe? recipe = null)
    {
        recipe ??= Recipe;
        var overrides = new ModelOverrides { Seed = initSeed, DropPathRate = recipe.DropPath };
        var model = Models.Create(ModelName, overrides: overrides);
        var eval = new EvalTransform(new PreprocessConfig { InputHeight = 16, InputWidth = 16, ResizeAndCrop = false });
        var mixup = new Mixup(recipe.Mixup, recipe.Cutmix, recipe.LabelSmoothing);
        var train = new DataLoader(Data(30, 1), eval, recipe.BatchSize, shuffle: true, recipe.Seed, dropLast: true, mixup, workers: 2);
        var val = new DataLoader(Data(10, 2), eval, 5, shuffle: false, recipe.Seed);
        return new TrainingRun(model, recipe, train, val, overrides);
    }

    private static readonly string[] Classes = ["0", "1", "2", "3", "4"];

    private static float[] Weights(TrainingRun run) => run.Model.StateDict().SelectMany(p => p.Value.ToArray()).ToArray();

    private static float[] EmaWeights(TrainingRun run) => run.Ema!.StateDict().SelectMany(p => p.Value.ToArray()).ToArray();

    [Fact]
    public void ResumedRun_EndsBitIdenticalToAnUninterruptedOne()
    {
        var whole = NewRun(initSeed: 5);
        whole.Run(TestContext.Current.CancellationToken);

        // Stop after step 8 (mid-epoch 2 of 5 batches per epoch), the last checkpoint written after step 7.
        string ckpt = Path.Combine(_dir, "checkpoint.pth");
        var broken = NewRun(initSeed: 5);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        broken.OnStep = s =>
        {
            if (s.Step == 7) TrainingCheckpoint.Save(ckpt, broken, Classes);
            if (s.Step == 8) stop.Cancel();
        };
        Assert.ThrowsAny<OperationCanceledException>(() => broken.Run(stop.Token));

        // A fresh process: another initialisation, overwritten by the checkpoint.
        var resumed = NewRun(initSeed: 99);
        var state = TrainingCheckpoint.Resume(ckpt, resumed, Classes);
        Assert.Equal(1, state.EpochsDone);
        Assert.Equal(2, state.BatchesDone);
        Assert.Equal(7, resumed.Optimizer.StepCount);
        resumed.Run(TestContext.Current.CancellationToken);

        Assert.Equal(Weights(whole), Weights(resumed));
        Assert.Equal(EmaWeights(whole), EmaWeights(resumed));
        Assert.Equal(whole.History.Select(h => h.TrainLoss), resumed.History.Select(h => h.TrainLoss));
        Assert.Equal(whole.History.Select(h => h.Validation!.Top1), resumed.History.Select(h => h.Validation!.Top1));
        Assert.Equal(whole.BestTop1, resumed.BestTop1);
        Assert.NotEqual(Weights(NewRun(initSeed: 5)), Weights(whole)); // the run did train
    }

    [Fact]
    public void EpochEndCheckpoint_ResumesAtTheNextEpoch()
    {
        var whole = NewRun(initSeed: 3);
        whole.Run(TestContext.Current.CancellationToken);
        string ckpt = Path.Combine(_dir, "checkpoint.pth");
        var first = NewRun(initSeed: 3);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        first.OnEpoch = e =>
        {
            TrainingCheckpoint.Save(ckpt, first, Classes);
            if (e.Epoch == 1) stop.Cancel();
        };
        Assert.ThrowsAny<OperationCanceledException>(() => first.Run(stop.Token));
        var resumed = NewRun(initSeed: 4);
        var state = TrainingCheckpoint.Resume(ckpt, resumed, Classes);
        Assert.Equal((2, 0), (state.EpochsDone, state.BatchesDone));
        resumed.Run(TestContext.Current.CancellationToken);
        Assert.Equal(Weights(whole), Weights(resumed));
        Assert.Equal(3, resumed.History.Count);
    }

    [Fact]
    public void Checkpoint_HoldsTheOfficialEntries()
    {
        var run = NewRun(initSeed: 1, Recipe with { Epochs = 1 });
        run.Run(TestContext.Current.CancellationToken);
        string ckpt = Path.Combine(_dir, "checkpoint.pth");
        TrainingCheckpoint.Save(ckpt, run, Classes, new Dictionary<string, object?> { ["data_path"] = "/data" });

        var model = PthReader.Load(ckpt, "model");
        Assert.Equal(run.Model.StateDict().Select(p => p.Key), model.Keys);
        foreach (var (key, value) in run.Model.StateDict()) Assert.Equal(value.ToArray(), model[key].ToArray());
        var ema = PthReader.Load(ckpt, "model_ema");
        Assert.Equal(EmaWeights(run), ema.Values.SelectMany(t => t.ToArray()).ToArray());

        // torch.optim.AdamW's layout: parameters numbered across the groups (no decay first), a 0-dim step, the moments.
        var optimizer = PthReader.Load(ckpt, "optimizer", new PthReadOptions { Flatten = true });
        int parameters = run.Optimizer.Groups.Sum(g => g.Parameters.Count);
        Assert.Equal(parameters, optimizer.Keys.Count(k => k.EndsWith(".exp_avg", StringComparison.Ordinal)));
        Assert.Equal(0, optimizer["state.0.step"].Shape.Rank);
        Assert.Equal(run.Optimizer.StepCount, (long)optimizer["state.0.step"].ToArray()[0]);
        var firstKey = run.Optimizer.Groups[0].Parameters[0].Key;
        Assert.Equal(run.Optimizer.State().First(p => p.Key == firstKey + ".exp_avg").Value, optimizer["state.0.exp_avg"].ToArray());

        Assert.Equal(0L, PthReader.LoadValue(ckpt, "epoch"));
        Assert.Equal("none", PthReader.LoadValue(ckpt, "scaler"));
        var groups = (IReadOnlyList<object?>)((IReadOnlyDictionary<string, object?>)PthReader.LoadValue(ckpt, "optimizer")!)["param_groups"]!;
        Assert.Equal(2, groups.Count);
        var decayGroup = (IReadOnlyDictionary<string, object?>)groups[1]!;
        Assert.Equal(0.05, decayGroup["weight_decay"]);
        Assert.Equal(new List<object?> { 0.9, 0.999 }, decayGroup["betas"]);
        var args = (IReadOnlyDictionary<string, object?>)PthReader.LoadValue(ckpt, "args")!;
        Assert.Equal(ModelName, args["model"]);
        Assert.Equal("/data", args["data_path"]);
        Assert.Equal(6L, args["batch_size"]);
        var scheduler = (IReadOnlyDictionary<string, object?>)PthReader.LoadValue(ckpt, "lr_scheduler")!;
        Assert.Equal((long)(run.Recipe.Epochs * run.StepsPerEpoch), scheduler["t_initial"]);
    }

    [Fact]
    public void BadCheckpoints_AreRefusedAndChangeNothing()
    {
        var run = NewRun(initSeed: 1, Recipe with { Epochs = 1 });
        run.Run(TestContext.Current.CancellationToken);
        string ckpt = Path.Combine(_dir, "checkpoint.pth");
        TrainingCheckpoint.Save(ckpt, run, Classes);
        var bytes = File.ReadAllBytes(ckpt);

        var target = NewRun(initSeed: 2);
        var before = Weights(target);

        string truncated = Path.Combine(_dir, "truncated.pth");
        File.WriteAllBytes(truncated, bytes.AsSpan(0, bytes.Length / 2).ToArray());
        var e = Assert.Throws<CheckpointFormatException>(() => TrainingCheckpoint.Resume(truncated, target, Classes));
        Assert.Contains("truncated.pth", e.Message);

        string flipped = Path.Combine(_dir, "flipped.pth");
        var corrupt = (byte[])bytes.Clone();
        corrupt[bytes.Length / 2] ^= 0x5A;
        File.WriteAllBytes(flipped, corrupt);
        e = Assert.Throws<CheckpointFormatException>(() => TrainingCheckpoint.Resume(flipped, target, Classes));
        Assert.Contains("CRC-32", e.Message);

        string weightsOnly = Path.Combine(_dir, "weights.pth");
        PthWriter.Save(weightsOnly, new PthDict().Add("model", new PthDict(ordered: true)));
        e = Assert.Throws<CheckpointFormatException>(() => TrainingCheckpoint.Resume(weightsOnly, target, Classes));
        Assert.Contains("--finetune", e.Message);

        var other = Assert.Throws<ArgumentException>(() => TrainingCheckpoint.Resume(ckpt, NewRun(2, Recipe with { Seed = 12 }), Classes));
        Assert.Contains("seed 11", other.Message);
        other = Assert.Throws<ArgumentException>(() => TrainingCheckpoint.Resume(ckpt, target, ["a", "b", "c", "d", "e"]));
        Assert.Contains("classes", other.Message);

        Assert.Throws<FileNotFoundException>(() => TrainingCheckpoint.Resume(Path.Combine(_dir, "none.pth"), target, Classes));
        Assert.Equal(before, Weights(target));
        Assert.Equal(0, target.EpochsDone);
        Assert.Equal(0, target.Optimizer.StepCount);
    }

    [Fact]
    public void AFailedWrite_LeavesThePreviousCheckpoint()
    {
        string path = Path.Combine(_dir, "checkpoint.pth");
        File.WriteAllText(path, "previous");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[1000]);
            throw new InvalidOperationException("killed mid-write");
        }));
        Assert.Equal("previous", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_dir)); // no temporary left behind

        // A folder that cannot be created (its parent is a file, which even root cannot write into).
        string blocked = Path.Combine(path, "checkpoint.pth");
        var e = Assert.Throws<IOException>(() => PthWriter.Save(blocked, new PthDict()));
        Assert.Contains(blocked, e.Message);
        Assert.Equal("previous", File.ReadAllText(path));
    }
}
