using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Vim.Kernels.Cpu;
using Vim.Runtime.Imaging;
using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;
using Vim.Runtime.Training;

namespace Vim.Cli;

/// <summary>
/// <c>vim bench-train</c>: the CPU training step (forward, cross-entropy, backward, AdamW) timed phase by phase, and — with
/// <c>--official</c> — the official PyTorch step of the same model run as a child process, the two interleaved round by
/// round so that both see the same host. Figures are medians and bests per step, and each process's peak resident set.
/// </summary>
internal static class TrainBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private const string PeerScript = "tools/peers/vim_official_train_step.py";

    public static int Run(string name, int batch, int steps, int rounds, int? threads, string? officialRepo, string python, bool checkpointing, int? imgSize)
    {
        if (steps < 1) throw new CliException($"--steps must be at least 1, got {steps}.");
        if (rounds < 1) throw new CliException($"--rounds must be at least 1, got {rounds}.");
        if (imgSize is < 1 or > Image.MaxDimension) throw new CliException($"--img-size must be between 1 and {Image.MaxDimension}, got {imgSize}.");
        var info = Models.Get(name);
        int side = imgSize ?? info.ImgHeight;
        Cli.CheckBatch(batch, (long)info.Channels * side * (imgSize ?? info.ImgWidth));
        Cli.ApplyThreads(threads);
        string? script = null;
        if (officialRepo is not null)
        {
            if (info.Family != "vim") throw new CliException($"--official runs the official Vim code; {info.Name} is a {info.Family} model.");
            if (!Directory.Exists(Path.Combine(officialRepo, "vim"))) throw new CliException($"--official {officialRepo} is not a checkout of hustvl/Vim (no vim/ folder).");
            script = FindPeerScript() ?? throw new CliException($"{PeerScript} not found above {Environment.CurrentDirectory} or {AppContext.BaseDirectory}; run from the repository.");
        }
        int degree = KernelThreading.MaxDegreeOfParallelism;

        // The peer trains without drop-path (drop_path_rate 0), so ours does too.
        var model = info.Create(overrides: new ModelOverrides { DropPathRate = 0, ImgSize = imgSize });
        int height = imgSize ?? info.ImgHeight, width = imgSize ?? info.ImgWidth;
        model.Train();
        model.GradientCheckpointing = checkpointing;
        var optimizer = new AdamW(ParameterGroup.Official(model, 0.05), 5e-4);
        var loss = new CrossEntropyLoss();
        using var images = RandomImages(batch, info.Channels, height, width);
        var random = new Random(1);
        var targets = Targets.FromLabels(Enumerable.Range(0, batch).Select(_ => random.Next(Math.Max(1, info.NumClasses))).ToArray());
        string official = info.Aliases.OrderByDescending(a => a.Length).FirstOrDefault() ?? info.Name;

        Console.WriteLine($"{info.Name}: training step (forward, cross-entropy, backward, AdamW) at batch {batch}, {height}x{width}, " +
                          $"{degree} kernel threads ({Environment.ProcessorCount} cores){(checkpointing ? ", gradient checkpointing" : "")}; " +
                          $"{rounds} rounds of {steps} steps" + (script is null ? "" : $", each followed by the official step ({official}) in PyTorch"));
        var ours = new List<double>();
        var forward = new List<double>();
        var backward = new List<double>();
        var update = new List<double>();
        var theirs = new List<double>();

        void OurStep(bool record)
        {
            optimizer.ZeroGrad();
            long start = Stopwatch.GetTimestamp();
            using var pass = model.ForwardTrain(images, seed: 0);
            using var value = loss.Evaluate(pass.Logits, targets);
            long forwardEnd = Stopwatch.GetTimestamp();
            pass.Backward(value.Gradient);
            long backwardEnd = Stopwatch.GetTimestamp();
            optimizer.Step();
            long end = Stopwatch.GetTimestamp();
            if (!record) return;
            ours.Add(Ms(start, end));
            forward.Add(Ms(start, forwardEnd));
            backward.Add(Ms(forwardEnd, backwardEnd));
            update.Add(Ms(backwardEnd, end));
        }

        using var peer = script is null ? null : new OfficialPeer(python, script, officialRepo!, official, batch, height, degree);
        OurStep(record: false);  // warm-up: JIT, pools, packed panels
        if (peer is not null)
        {
            // The official step's first run faults in its whole working set (minutes at 224²): it is its warm-up.
            Console.WriteLine("official warm-up step…");
            peer.Run(1);
        }
        for (int r = 0; r < rounds; r++)
        {
            for (int s = 0; s < steps; s++) OurStep(record: true);
            string line = $"round {r + 1}: ours {F(Median(ours.TakeLast(steps)))} ms/step";
            if (peer is not null)
            {
                var seconds = peer.Run(steps);
                theirs.AddRange(seconds.Select(x => x * 1000));
                line += $", official {F(Median(seconds.Select(x => x * 1000)))} ms/step";
            }
            Console.WriteLine(line);
        }
        double theirPeak = peer?.PeakMiB ?? 0;

        using var process = Process.GetCurrentProcess();
        double ourPeak = process.PeakWorkingSet64 / (1024.0 * 1024.0);
        Console.WriteLine($"ours: median {F(Median(ours))} ms/step, best {F(ours.Min())} ({F(batch * 1000 / Median(ours))} img/s); " +
                          $"forward {F(Median(forward))}, backward {F(Median(backward))}, AdamW {F(Median(update))} ms (medians); peak resident {F(ourPeak)} MiB; garbage collections gen0/1/2: {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}");
        if (script is null) return 0;
        Console.WriteLine($"official: median {F(Median(theirs))} ms/step, best {F(theirs.Min())} ({F(batch * 1000 / Median(theirs))} img/s); peak resident {F(theirPeak)} MiB");
        Console.WriteLine($"ratio (official / ours): {(Median(theirs) / Median(ours)).ToString("0.00", Inv)}x on medians, {(theirs.Min() / ours.Min()).ToString("0.00", Inv)}x on bests; " +
                          $"peak memory ours / official {(ourPeak / theirPeak).ToString("0.00", Inv)}");
        return 0;
    }

    /// <summary>
    /// The official step in a Python process that stays up between rounds (<c>--serve</c>): each <see cref="Run"/> asks it for
    /// some steps and reads their times back, so its one-off start-up and first-step page faulting are paid once.
    /// </summary>
    private sealed class OfficialPeer : IDisposable
    {
        private readonly Process _process;
        private readonly Task<string> _stderr;

        public OfficialPeer(string python, string script, string repo, string model, int batch, int imgSize, int threads)
        {
            var start = new ProcessStartInfo(python) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { script, "--repo", repo, "--model", model, "--batch", batch.ToString(Inv), "--img-size", imgSize.ToString(Inv),
                         "--threads", threads.ToString(Inv), "--serve" })
            {
                start.ArgumentList.Add(arg);
            }
            try
            {
                _process = Process.Start(start) ?? throw new CliException($"Could not start {python}.", Cli.Failure);
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new CliException($"Could not start {python} for the official step: {e.Message}. Give the Python that has PyTorch with --python.", Cli.Failure);
            }
            _stderr = _process.StandardError.ReadToEndAsync();
            Expect("ready");
        }

        /// <summary>The peer's peak resident set so far, MiB.</summary>
        public double PeakMiB { get; private set; }

        /// <summary>Runs <paramref name="steps"/> official steps; returns their times in seconds.</summary>
        public List<double> Run(int steps)
        {
            _process.StandardInput.WriteLine($"run {steps}");
            _process.StandardInput.Flush();
            var seconds = new List<double>();
            while (true)
            {
                using var json = Read();
                if (json.RootElement.TryGetProperty("seconds", out var s)) seconds.Add(s.GetDouble());
                if (json.RootElement.TryGetProperty("peak_rss_mib", out var p))
                {
                    PeakMiB = Math.Max(PeakMiB, p.GetDouble());
                    return seconds;
                }
            }
        }

        private void Expect(string property)
        {
            using var json = Read();
            if (!json.RootElement.TryGetProperty(property, out _)) throw Failed();
        }

        private JsonDocument Read()
        {
            string? line = _process.StandardOutput.ReadLine();
            if (line is null) throw Failed();
            return JsonDocument.Parse(line);
        }

        private CliException Failed()
        {
            _process.WaitForExit(5000);
            string tail = _process.HasExited ? string.Join(" | ", _stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(3)) : "no reply";
            return new CliException($"The official step failed: {tail}", Cli.Failure);
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.WriteLine("quit");
                _process.StandardInput.Flush();
                if (!_process.WaitForExit(60_000)) _process.Kill();
            }
            _process.Dispose();
        }
    }

    private static string? FindPeerScript()
    {
        foreach (var root in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(root); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, PeerScript);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    private static Tensor RandomImages(int batch, int channels, int height, int width)
    {
        var data = new float[(long)batch * channels * height * width];
        var random = new Random(0);
        for (int k = 0; k < data.Length; k++)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            data[k] = (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return Tensor.FromArray(data, batch, channels, height, width);
    }

    private static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
    }

    private static string F(double v) => v.ToString(v >= 100 ? "0" : v >= 1 ? "0.0" : "0.000", Inv);
}
