namespace Vim.Cli.Tests;

/// <summary>The `vim` tool end to end, as the README tells a user to run it.</summary>
public class CliTests
{
    /// <summary>list, info and bench with --json print one JSON document on stdout that agrees with the registry.</summary>
    private const int DigitsDepth = 6; // vim_digits_patch8_32 is declared with Depth = 6

    [Fact]
    public void ListInfoAndBench_PrintJsonWhenAsked()
    {
        var r = VimTool.Run("list", "vim_*", "--json");
        Assert.Equal(0, r.ExitCode);
        using (var list = System.Text.Json.JsonDocument.Parse(r.Output))
        {
            var digits = list.RootElement.EnumerateArray().Single(m => m.GetProperty("name").GetString() == "vim_digits_patch8_32");
            long parameters = Vim.Runtime.Registry.Models.Get("vim_digits_patch8_32").ParameterCount;
            Assert.Equal(parameters, digits.GetProperty("parameters").GetInt64());
            Assert.Equal([3, 32, 32], digits.GetProperty("input").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(0.5, digits.GetProperty("mean")[0].GetDouble());
            Assert.DoesNotContain(list.RootElement.EnumerateArray(), m => m.GetProperty("family").GetString() == "vmamba");
        }

        r = VimTool.Run("info", "vim_digits_patch8_32", "--json");
        Assert.Equal(0, r.ExitCode);
        using (var info = System.Text.Json.JsonDocument.Parse(r.Output))
        {
            long total = info.RootElement.GetProperty("modules").EnumerateArray().Sum(m => m.GetProperty("parameters").GetInt64());
            Assert.Equal(info.RootElement.GetProperty("parameters").GetInt64(), total);
            Assert.True(info.RootElement.GetProperty("gflops_per_image").GetDouble() > 0);
            var maps = info.RootElement.GetProperty("feature_info").EnumerateArray().ToList();
            Assert.Equal(DigitsDepth, maps.Count);
            Assert.Equal($"layers.{DigitsDepth - 1}", maps[^1].GetProperty("module").GetString());
            Assert.Equal(DigitsDepth - 1, info.RootElement.GetProperty("default_out_indices").EnumerateArray().Last().GetInt32());
        }

        r = VimTool.Run("bench", "vim_digits_patch8_32", "--json", "--iterations", "5", "--warmup", "0", "-b", "2", "--img-size", "48");
        Assert.Equal(0, r.ExitCode);
        using (var bench = System.Text.Json.JsonDocument.Parse(r.Output))
        {
            var times = bench.RootElement.GetProperty("times_ms").EnumerateArray().Select(e => e.GetDouble()).Order().ToList();
            Assert.Equal(5, times.Count);
            var pass = bench.RootElement.GetProperty("ms_per_pass");
            Assert.Equal(times[0], pass.GetProperty("best").GetDouble());
            Assert.Equal(times[2], pass.GetProperty("median").GetDouble());
            Assert.Equal(times[0], pass.GetProperty("p10").GetDouble());
            Assert.Equal(times[4], pass.GetProperty("p90").GetDouble());
            Assert.Equal(2, bench.RootElement.GetProperty("batch").GetInt32());
            Assert.Equal([48, 48], bench.RootElement.GetProperty("img_size").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal("fp32", bench.RootElement.GetProperty("precision").GetString());
        }
        Assert.Contains("ms/img", r.Error); // the readable lines went to stderr

        r = VimTool.Run("bench", "vim_digits_patch8_32", "--precision", "bf16");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("bf16 runs on the GPU only", r.Error);
    }

    [Fact]
    public void NoArguments_RunsTheDigitsDemo()
    {
        var r = VimTool.Run();
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("digit_7.png → 7 (p = 0.9", r.Output);
    }

    [Fact]
    public void List_ShowsBothFamilies()
    {
        var r = VimTool.Run("list");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("vim_tiny_patch16_224", r.Output);
        Assert.Contains("vmamba_tiny_s1l8", r.Output);
    }

    [Fact]
    public void Info_GivesTheOfficialParameterCountAndFlops()
    {
        var r = VimTool.Run("info", "vim_tiny_patch16_224");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("parameters: 7,148,008", r.Output);
        Assert.Contains("in_proj", r.Output);
    }

    [Fact]
    public void Run_ClassifiesASampleDigitWithTheShippedCheckpoint()
    {
        var r = VimTool.Run("run", "vim_digits_patch8_32", "--image", Path.Combine(VimTool.ExamplesData, "digits", "digit_3.png"));
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Matches(@"│ 1 │ 3\s+│ digit 3 │ 0\.9", r.Output);
    }

    [Fact]
    public void Bench_PrintsWallAndCpuTimePerImage()
    {
        var r = VimTool.Run("bench", "vim_digits_patch8_32", "--batch", "2", "--iterations", "2", "--warmup", "0");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("vim_digits_patch8_32: 32x32, batch 2, fp32, 0 warm-up + 2 timed passes on cpu", r.Output);
        Assert.Matches(@"per image: wall best [0-9.]+ ms, median [0-9.]+ ms; CPU time best [0-9.]+ ms", r.Output);
        Assert.Matches(@"[0-9.]+ ms/img +[0-9.]+ img/s +[0-9.]+ GFLOP/s", r.Output);
        if (System.Runtime.Intrinsics.X86.Fma.IsSupported)
        {
            var speed = System.Text.RegularExpressions.Regex.Match(r.Output, @"core speed before each pass \(4-cycle FMA loop\): median ([0-9.]+) GHz, slowest ([0-9.]+), fastest ([0-9.]+)");
            Assert.True(speed.Success, r.Output);
            double median = double.Parse(speed.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            double slowest = double.Parse(speed.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            double fastest = double.Parse(speed.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(slowest, 0.01, median);
            Assert.InRange(fastest, median, 10.0); // no core of today runs 8 dependent-chain FMAs per cycle at 10 GHz
        }
    }

    [Fact]
    public void AnUnknownModel_FailsWithTheNamesThatExist()
    {
        var r = VimTool.Run("run", "nope", "--image", "x.png");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("Unknown model 'nope'", r.Error + r.Output);
        Assert.Contains("vim_tiny_patch16_224", r.Error + r.Output);
    }

    [Fact]
    public void ABadBatch_IsRefusedWithTheReason()
    {
        var r = VimTool.Run("bench", "vim_digits_patch8_32", "--batch", "0");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("--batch must be at least 1, got 0", r.Error + r.Output);
    }

    [Fact]
    public void OutOfRangeSizesAndPaths_AreRefusedWithTheReason()
    {
        var r = VimTool.Run("bench", "vim_digits_patch8_32", "-b", "2000000000");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--batch 2000000000 is too large", r.Error);
        Assert.Contains("at most", r.Error);

        r = VimTool.Run("bench", "vim_digits_patch8_32", "-t", "100000", "--iterations", "1", "--warmup", "0");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--threads must be between 1 and", r.Error);

        r = VimTool.Run("bench-train", "vim_digits_patch8_32", "--threads", "100000");
        Assert.Contains("--threads must be between 1 and", r.Error);

        // A folder is a batch of images; one that holds none is refused, not reported as an empty success.
        string folder = Directory.CreateTempSubdirectory("vim-cli-empty-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "notes.txt"), "not an image");
            r = VimTool.Run("run", "vim_digits_patch8_32", "-i", folder);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("matched no PNG, JPEG or PPM files", r.Error);

            r = VimTool.Run("eval", "vim_digits_patch8_32", "--checkpoint", folder, "--data", folder);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("is a folder; expected a file", r.Error);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        if (File.Exists("/dev/zero"))
        {
            r = VimTool.Run("run", "vim_digits_patch8_32", "-i", "/dev/zero");
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("larger than 256 MiB", r.Error);
        }
        Assert.DoesNotContain("Exception", r.Error);
    }

    /// <summary>
    /// A folder of class folders: every image classified in batches, a broken file reported and skipped, the accuracy
    /// against the folder names printed; --output csv and json are machine-readable on stdout.
    /// </summary>
    [Fact]
    public void Run_ClassifiesAFolderInBatches_SkippingWhatItCannotRead()
    {
        string dir = Directory.CreateTempSubdirectory("vim-batch-").FullName;
        try
        {
            for (int k = 0; k < 10; k++)
            {
                Directory.CreateDirectory(Path.Combine(dir, k.ToString()));
                File.Copy(Path.Combine(VimTool.ExamplesData, "digits", $"digit_{k}.png"), Path.Combine(dir, k.ToString(), "a.png"));
            }
            File.WriteAllBytes(Path.Combine(dir, "0", "broken.png"), [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);

            var r = VimTool.Run("run", "vim_digits_patch8_32", "--image", dir, "--batch", "4");
            Assert.Equal(0, r.ExitCode);
            Assert.Equal(10, r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.Contains("→ 3 digit 3", r.Output);
            Assert.Contains("broken.png", r.Error);
            Assert.Contains("10 images classified, 1 skipped; top-1 against the class folders: 10/10 (100.00 %)", r.Error);
            Assert.Contains("11/11 images", r.Error);

            r = VimTool.Run("run", "vim_digits_patch8_32", "--image", Path.Combine(dir, "**", "a.png"), "--output", "csv", "--top", "2");
            Assert.Equal(0, r.ExitCode);
            var lines = r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("file,rank,class,label,p", lines[0].Trim());
            Assert.Equal(21, lines.Length);
            Assert.DoesNotContain("checkpoint:", r.Output);

            r = VimTool.Run("run", "vim_digits_patch8_32", "--image", Path.Combine(dir, "7"), "--output", "json");
            using var json = System.Text.Json.JsonDocument.Parse(r.Output);
            var only = Assert.Single(json.RootElement.EnumerateArray());
            Assert.Equal(7, only.GetProperty("top")[0].GetProperty("class").GetInt32());
            Assert.Equal(5, only.GetProperty("top").GetArrayLength());

            r = VimTool.Run("run", "vim_digits_patch8_32", "--image", Path.Combine(dir, "*.jpg"));
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("matched no PNG, JPEG or PPM files", r.Error);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>--entry picks the weights of a .pth; the official main.py layout (args as an argparse.Namespace) reads as it is.</summary>
    [Fact]
    public void Run_ReadsTheEntryItIsGiven()
    {
        string dir = Directory.CreateTempSubdirectory("vim-entry-").FullName;
        try
        {
            string source = Path.Combine(VimTool.ExamplesData, "digits", "checkpoint.pth");
            var weights = Vim.Runtime.Checkpoints.PthReader.Load(source);
            var dict = new Vim.Runtime.Checkpoints.PthDict(ordered: true);
            foreach (var (k, v) in weights) dict.Add("module." + k, v);
            string path = Path.Combine(dir, "ddp.pth");
            Vim.Runtime.Checkpoints.PthWriter.Save(path, new Vim.Runtime.Checkpoints.PthDict().Add("state_dict", dict));
            string image = Path.Combine(VimTool.ExamplesData, "digits", "digit_3.png");

            var r = VimTool.Run("run", "vim_digits_patch8_32", "--image", image, "--checkpoint", path, "--entry", "state_dict");
            Assert.Equal(0, r.ExitCode);
            Assert.Matches(@"│ 1 │ 3\s+│ digit 3 │ 0\.9", r.Output);

            r = VimTool.Run("run", "vim_digits_patch8_32", "--image", image, "--checkpoint", path);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("no entry 'model'", r.Error);
            Assert.Contains("'state_dict'", r.Error);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void BenchTrain_PrintsTheStepAndItsPhases()
    {
        var r = VimTool.Run("bench-train", "vim_digits_patch8_32", "--batch", "2", "--steps", "1", "--rounds", "2");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("vim_digits_patch8_32: training step (forward, cross-entropy, backward, AdamW) at batch 2, 32x32", r.Output);
        Assert.Matches(@"round 2: ours [0-9.]+ ms/step", r.Output);
        Assert.Matches(@"ours: median [0-9.]+ ms/step, best [0-9.]+ \([0-9.]+ img/s\); forward [0-9.]+, backward [0-9.]+, AdamW [0-9.]+ ms \(medians\); peak resident [0-9.]+ MiB", r.Output);
    }

    [Fact]
    public void BenchTrain_RefusesAnOfficialPeerItCannotRun()
    {
        var r = VimTool.Run("bench-train", "vmamba_tiny_s1l8", "--official", ".");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--official runs the official Vim code; vmamba_tiny_s1l8 is a vmamba model", r.Error + r.Output);
        r = VimTool.Run("bench-train", "vim_digits_patch8_32", "--official", "/nonexistent");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("is not a checkout of hustvl/Vim", r.Error + r.Output);
        r = VimTool.Run("bench-train", "vim_digits_patch8_32", "--steps", "0");
        Assert.Contains("--steps must be at least 1, got 0", r.Error + r.Output);
    }

    [Fact]
    public void Export_WritesTheOnnxFile_AndRefusesWhatItCannotExport()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"vim-export-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string onnx = Path.Combine(dir, "digits.onnx");
            var r = VimTool.Run("export", "vim_digits_patch8_32", "--out", onnx, "--static-batch");
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("opset 17, batch 1", r.Output);
            Assert.True(new FileInfo(onnx).Length > 1_000_000, "the digits model's weights are about 1 MB");

            r = VimTool.Run("export", "vim_digits_patch8_32", "--out", Path.Combine(dir, "old.onnx"), "--opset", "11");
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains("opset 11", r.Error);
            Assert.False(File.Exists(Path.Combine(dir, "old.onnx")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
