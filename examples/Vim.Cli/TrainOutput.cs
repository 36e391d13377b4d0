using System.Text;
using System.Text.Json;
using Vim.Runtime.Checkpoints;
using Vim.Runtime.Training;

namespace Vim.Cli;

/// <summary>
/// The files of a <c>vim train</c> run in its output folder, each written atomically: <c>checkpoint.pth</c> (the last state,
/// what <c>--resume</c> reads), <c>best_checkpoint.pth</c> (the best validation top-1), <c>model.safetensors</c> and
/// <c>model_ema.safetensors</c> (the weights alone), <c>metrics.jsonl</c> (one line per epoch) and <c>curves.png</c>.
/// </summary>
internal sealed class TrainOutput(string folder, TrainingRun run, IReadOnlyList<string> classes, string data)
{
    public const string LastName = "checkpoint.pth";

    public string LastPath => Path.Combine(folder, LastName);

    public string BestPath => Path.Combine(folder, "best_checkpoint.pth");

    public string PlotPath => Path.Combine(folder, "curves.png");

    private string MetricsPath => Path.Combine(folder, "metrics.jsonl");

    public bool HasBest => File.Exists(BestPath);

    private IReadOnlyDictionary<string, object?> Args => new Dictionary<string, object?>
    {
        ["data_path"] = Path.GetFullPath(data),
        ["output_dir"] = Path.GetFullPath(folder),
    };

    /// <summary>Creates the folder and writes the metrics so far; refuses to start a new run over an existing one.</summary>
    public void Start()
    {
        bool resumed = run.Optimizer.StepCount > 0 || run.EpochsDone > 0;
        if (!resumed && File.Exists(LastPath))
            throw new CliException($"{folder} already holds a run ({LastName}); continue it with --resume {folder}, or write this one elsewhere with --output.");
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Cannot create the output folder {folder}: {e.Message}");
        }
        // A kill during a write leaves its temporary file (never a half-written checkpoint): clear those.
        foreach (string stale in Directory.EnumerateFiles(folder, ".*.tmp")) File.Delete(stale);
        WriteMetrics(); // also proves the folder is writable before any training time is spent
    }

    /// <summary>The checkpoint of where the run stands now (and the weights as safetensors).</summary>
    public void SaveLast()
    {
        TrainingCheckpoint.Save(LastPath, run, classes, Args);
        run.Model.SaveSafetensors(Path.Combine(folder, "model.safetensors"));
        if (run.Ema is { } ema)
        {
            var state = ema.StateDict();
            AtomicFile.Write(Path.Combine(folder, "model_ema.safetensors"), s => SafeTensors.Save(s, state, new Dictionary<string, string> { ["format"] = "pt", ["model"] = run.Model.Info.Name }));
            foreach (var (_, t) in state) t.Dispose();
        }
    }

    public void EndOfEpoch(EpochReport report)
    {
        SaveLast();
        if (run.ImprovedBest) AtomicFile.Write(BestPath, s => { using var f = File.OpenRead(LastPath); f.CopyTo(s); });
        WriteMetrics();
        WritePlot();
    }

    public void Finish() => WritePlot();

    private void WriteMetrics()
    {
        var text = new StringBuilder();
        foreach (var e in run.History)
        {
            text.AppendLine(JsonSerializer.Serialize(new
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
        }
        byte[] bytes = Encoding.UTF8.GetBytes(text.ToString());
        AtomicFile.Write(MetricsPath, s => s.Write(bytes));
    }

    private void WritePlot()
    {
        if (run.History.Count == 0) return;
        var png = TrainingPlot.Render(run.History, $"{run.Model.Info.Name} - {run.Recipe.Name}");
        AtomicFile.Write(PlotPath, s => s.Write(png));
    }
}
