using System.Text.Json;

namespace Vim.Cli.Tests;

/// <summary><c>vim train</c> and <c>vim eval</c> end to end, on folders made from the shipped digit samples.</summary>
public class TrainCliTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vim-train-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    /// <summary>DIR/train/k/{0..copies-1}.png and DIR/val/k/0.png from digit_k.png, for the first <paramref name="classes"/> digits.</summary>
    private string Folders(int classes, int copies)
    {
        for (int k = 0; k < classes; k++)
        {
            string sample = Path.Combine(VimTool.ExamplesData, "digits", $"digit_{k}.png");
            foreach (var (split, n) in new[] { ("train", copies), ("val", 1) })
            {
                string dir = Path.Combine(_root, "data", split, k.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Directory.CreateDirectory(dir);
                for (int i = 0; i < n; i++) File.Copy(sample, Path.Combine(dir, $"{i}.png"));
            }
        }
        return Path.Combine(_root, "data");
    }

    [Fact]
    public void Train_WritesMetricsAndEvaluates()
    {
        string data = Folders(10, 3);
        string output = Path.Combine(_root, "run");
        var r = VimTool.Run("train", "vim_digits_patch8_32", "--data", data, "--recipe", "digits", "--epochs", "3", "--warmup-epochs", "1", "--batch", "10",
            "--output", output);
        Assert.True(r.ExitCode == 0, r.Error + r.Output);
        Assert.Contains("vim_digits_patch8_32: digits recipe, 3 epochs of 3 steps (batch 10)", r.Output);
        Assert.Matches(@"epoch 3/3: loss [0-9.]+, train acc [0-9.]+ %, val top-1 [0-9.]+ %", r.Output);
        Assert.Contains("done: validation top-1", r.Output);
        var lines = File.ReadAllLines(Path.Combine(output, "metrics.jsonl"));
        Assert.Equal(3, lines.Length);
        using var last = JsonDocument.Parse(lines[^1]);
        Assert.Equal(3, last.RootElement.GetProperty("epoch").GetInt32());
        Assert.InRange(last.RootElement.GetProperty("val_top1").GetDouble(), 0, 1);
    }

    [Fact]
    public void Train_RefusesBadDataClearly()
    {
        string data = Folders(2, 2);
        Directory.CreateDirectory(Path.Combine(data, "train", "empty"));
        Directory.CreateDirectory(Path.Combine(data, "val", "empty"));
        var r = VimTool.Run("train", "vim_digits_patch8_32", "--data", data, "--recipe", "digits", "--epochs", "4");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("Class folder 'empty'", r.Error);
        r = VimTool.Run("train", "vim_digits_patch8_32", "--data", Path.Combine(_root, "missing"), "--recipe", "digits");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("Data folder not found", r.Error);
        r = VimTool.Run("train", "vim_digits_patch8_32", "--data", data, "--recipe", "nonsense");
        Assert.Contains("Unknown recipe 'nonsense'", r.Error);
    }

    private static readonly string[] ShortRun = ["--recipe", "digits", "--warmup-epochs", "1", "--batch", "5", "--workers", "2", "--ema", "0.9"];

    private static string[] TrainArgs(string data, string output, int epochs, params string[] extra) =>
        ["train", "vim_digits_patch8_32", "--data", data, "--output", output, "--epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), .. ShortRun, .. extra];

    [Fact]
    public void Train_KilledAtAnyMoment_ResumesToTheSameWeights()
    {
        string data = Folders(10, 3);
        string whole = Path.Combine(_root, "whole"), killed = Path.Combine(_root, "killed");
        var r = VimTool.Run(TrainArgs(data, whole, 12, "--checkpoint-every", "1"));
        Assert.True(r.ExitCode == 0, r.Error + r.Output);
        Assert.True(File.Exists(Path.Combine(whole, "curves.png")));
        Assert.True(File.Exists(Path.Combine(whole, "best_checkpoint.pth")));

        // SIGKILL once the run has written a few checkpoints: no chance to clean up, whatever it was doing.
        using (var p = VimTool.Start(TrainArgs(data, killed, 12, "--checkpoint-every", "1")))
        {
            // after the first epoch's line in the metrics log, inside the second epoch
            string metrics = Path.Combine(killed, "metrics.jsonl");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!p.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2) && (!File.Exists(metrics) || File.ReadAllText(metrics).Length == 0)) Thread.Sleep(2);
            Thread.Sleep(20);
            if (p.HasExited) Assert.Fail("the run finished before it could be killed: " + p.StandardError.ReadToEnd());
            int linesAtKill = File.ReadAllLines(metrics).Length;
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            Assert.True(linesAtKill < 12, $"{linesAtKill} epochs were done when the run was killed");
        }
        var again = VimTool.Run(TrainArgs(data, killed, 12));
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("--resume", again.Error); // an existing run is never overwritten by accident

        r = VimTool.Run(TrainArgs(data, killed, 12, "--checkpoint-every", "1", "--resume", killed));
        Assert.True(r.ExitCode == 0, r.Error + r.Output);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(r.Output, @"resuming from .*checkpoint\.pth: epoch ([2-9]|1[0-2]), batch [0-9]+ of 6"), r.Output);
        Assert.Empty(Directory.GetFiles(killed, "*.tmp")); // what a write cut short left behind is cleared
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "model.safetensors")), File.ReadAllBytes(Path.Combine(killed, "model.safetensors")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "model_ema.safetensors")), File.ReadAllBytes(Path.Combine(killed, "model_ema.safetensors")));
        var lossesWhole = File.ReadAllLines(Path.Combine(whole, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("train_loss").GetDouble());
        var lossesKilled = File.ReadAllLines(Path.Combine(killed, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("train_loss").GetDouble());
        Assert.Equal(lossesWhole, lossesKilled);
    }

    [Fact]
    public void Train_Interrupted_SavesWhereItStoodAndSaysHowToResume()
    {
        string data = Folders(10, 3);
        string output = Path.Combine(_root, "interrupted");
        using var p = VimTool.Start(TrainArgs(data, output, 12, "--checkpoint-every", "epoch"));
        string metrics = Path.Combine(output, "metrics.jsonl");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!p.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2) && (!File.Exists(metrics) || File.ReadAllText(metrics).Length == 0)) Thread.Sleep(2);
        using (var interrupt = System.Diagnostics.Process.Start("kill", ["-INT", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) interrupt.WaitForExit();
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 130, $"exit {p.ExitCode}: {error}");
        Assert.Matches(@"interrupted at epoch [0-9]+, batch [0-9]+ of 6; saved .*checkpoint\.pth\. Continue with: vim train vim_digits_patch8_32 --data .* --resume ", error);
        var r = VimTool.Run(TrainArgs(data, output, 12, "--resume", output));
        Assert.True(r.ExitCode == 0, r.Error + r.Output);
        Assert.Contains("resuming from", r.Output);
        Assert.Equal(12, File.ReadAllLines(metrics).Length);
    }

    [Fact]
    public void Resume_FromACorruptCheckpoint_FailsClearlyAndKeepsIt()
    {
        string data = Folders(3, 2);
        string output = Path.Combine(_root, "run");
        var r = VimTool.Run(TrainArgs(data, output, 2));
        Assert.True(r.ExitCode == 0, r.Error + r.Output);
        string ckpt = Path.Combine(output, "checkpoint.pth");
        var bytes = File.ReadAllBytes(ckpt);
        bytes[bytes.Length / 3] ^= 0x40;
        File.WriteAllBytes(ckpt, bytes);
        r = VimTool.Run(TrainArgs(data, output, 4, "--resume", ckpt));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("Cannot read the checkpoint: checkpoint.pth", r.Error);
        Assert.Contains("CRC-32", r.Error);
        Assert.Equal(bytes, File.ReadAllBytes(ckpt));

        r = VimTool.Run(TrainArgs(data, output, 4, "--resume", Path.Combine(output, "missing.pth")));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("Checkpoint to resume from not found", r.Error);
    }

    [Fact]
    public void Train_IntoAnUnwritableFolder_FailsBeforeTraining()
    {
        string data = Folders(2, 2);
        string file = Path.Combine(_root, "a-file");
        File.WriteAllText(file, "");
        var r = VimTool.Run(TrainArgs(data, Path.Combine(file, "run"), 2));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("Cannot create the output folder", r.Error);
        Assert.DoesNotContain("epoch 1/", r.Output);
    }

    [Fact]
    public void Finetune_OntoASubsetAtAnotherSize_DropsTheHeadAndEvaluatesAsTrained()
    {
        string data = Folders(10, 2);
        string output = Path.Combine(_root, "ft");
        string pretrained = Path.Combine(VimTool.ExamplesData, "digits", "checkpoint.pth");
        var r = VimTool.Run("train", "vim_digits_patch8_32", "--data", data, "--recipe", "digits", "--epochs", "2", "--warmup-epochs", "1", "--batch", "5",
            "--finetune", pretrained, "--classes", "0,1,2,3,4", "--img-size", "48", "--output", output);
        Assert.True(r.ExitCode == 0, r.Error + r.Output);
        Assert.Contains("fine-tune: removing head.weight from checkpoint.pth (shape (10, 64); the model's is (5, 64))", r.Output);
        Assert.Contains("fine-tune: pos_embed interpolated from (1, 17, 64) to (1, 37, 64) (bicubic)", r.Output);
        Assert.Contains("in 5 classes", r.Output);

        // eval reads the classes and the input size from the checkpoint
        var e = VimTool.Run("eval", "vim_digits_patch8_32", "--data", data, "--checkpoint", Path.Combine(output, "checkpoint.pth"));
        Assert.True(e.ExitCode == 0, e.Error + e.Output);
        var last = JsonDocument.Parse(File.ReadAllLines(Path.Combine(output, "metrics.jsonl"))[^1]).RootElement.GetProperty("val_top1").GetDouble();
        Assert.Contains($"top-1 {100 * last:0.00} % ({(int)Math.Round(5 * last)}/5)", e.Output);

        // a checkpoint of another head on data with other classes is a clear error
        e = VimTool.Run("eval", "vim_digits_patch8_32", "--data", data, "--checkpoint", pretrained, "--classes", "0,1,2");
        Assert.Equal(2, e.ExitCode);
        Assert.Contains("10 classes", e.Error);

        r = VimTool.Run("train", "vim_digits_patch8_32", "--data", data, "--recipe", "digits", "--epochs", "1", "--warmup-epochs", "0", "--finetune", Path.Combine(VimTool.ExamplesData, "digits", "digit_0.png"), "--output", Path.Combine(_root, "bad"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("Cannot read the checkpoint", r.Error);
    }
}
