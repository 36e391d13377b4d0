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
}
