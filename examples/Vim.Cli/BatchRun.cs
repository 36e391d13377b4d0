using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Vim.Runtime.Devices;
using Vim.Runtime.Imaging;
using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Cli;

/// <summary>
/// <c>vim run MODEL --image DIR|GLOB</c>: many images classified in batches. Unreadable files are reported on stderr and
/// skipped; the results go to stdout as lines, CSV or JSON; progress goes to stderr. When every image sits in a folder
/// named after its class (its index, or its label), the top-1 accuracy against those folders is printed too.
/// </summary>
internal static class BatchRun
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".ppm", ".pgm"];

    /// <summary>The files <paramref name="pattern"/> names: a folder (its images, recursively), a glob (<c>*</c>, <c>?</c> in the last part), or null for one file.</summary>
    public static IReadOnlyList<string>? Expand(string pattern)
    {
        if (Directory.Exists(pattern)) return Images(pattern, "*", SearchOption.AllDirectories);
        if (pattern.IndexOfAny(['*', '?']) < 0) return null;
        string dir = Path.GetDirectoryName(pattern) is { Length: > 0 } d ? d : ".";
        string name = Path.GetFileName(pattern);
        bool recursive = dir.EndsWith("**", StringComparison.Ordinal);
        if (recursive) dir = dir[..^2].TrimEnd('/', '\\') is { Length: > 0 } r ? r : ".";
        if (dir.IndexOfAny(['*', '?']) >= 0) throw new CliException($"--image {pattern}: wildcards are allowed in the file name (and a trailing **/ folder), not in {dir}.");
        if (!Directory.Exists(dir)) throw new CliException($"--image {pattern}: folder {dir} not found.");
        return Images(dir, name, recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly);
    }

    private static List<string> Images(string dir, string pattern, SearchOption option) =>
        Directory.EnumerateFiles(dir, pattern, option)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).ToList();

    public static int Run(ImageModel model, IReadOnlyList<string> files, Device device, int top, string format, int batch,
        Func<Image, float[]> preprocess, Func<int, string> label)
    {
        var info = model.Info;
        int classes = info.NumClasses, size = info.Channels * info.ImgHeight * info.ImgWidth;
        var results = new List<(string File, int[] Classes, float[] P)>(files.Count);
        var skipped = new List<string>();
        var progress = new Progress(files.Count);
        for (int start = 0; start < files.Count; start += batch)
        {
            var chunk = files.Skip(start).Take(batch).ToList();
            var inputs = new List<(string File, float[] X)>(chunk.Count);
            foreach (string file in chunk)
            {
                try
                {
                    inputs.Add((file, preprocess(ImageLoader.LoadRgb(file))));
                }
                catch (Exception e) when (e is ImageFormatException or IOException or UnauthorizedAccessException)
                {
                    skipped.Add(file);
                    Console.Error.WriteLine($"skipped {file}: {e.Message.ReplaceLineEndings(" ")}");
                }
            }
            if (inputs.Count > 0)
            {
                var data = new float[(long)inputs.Count * size];
                for (int i = 0; i < inputs.Count; i++) inputs[i].X.CopyTo(data, (long)i * size);
                using var host = Tensor.FromArray(data, inputs.Count, info.Channels, info.ImgHeight, info.ImgWidth);
                using var moved = device.Kind == DeviceKind.Cpu ? null : host.To(device);
                using var logits = model.Forward(moved ?? host);
                float[] z = logits.ToArray();
                for (int i = 0; i < inputs.Count; i++)
                {
                    var p = Softmax(z.AsSpan(i * classes, classes));
                    var best = Enumerable.Range(0, classes).OrderByDescending(k => p[k]).ThenBy(k => k).Take(top).ToArray();
                    results.Add((inputs[i].File, best, best.Select(k => p[k]).ToArray()));
                }
            }
            progress.Advance(chunk.Count);
        }
        progress.Done();

        Write(results, format, label);
        var expected = results.Select(r => FolderClass(r.File, classes, label)).ToList();
        string summary = $"{results.Count} images classified, {skipped.Count} skipped";
        if (results.Count > 0 && expected.All(e => e is not null))
        {
            int correct = results.Zip(expected).Count(p => p.First.Classes[0] == p.Second);
            summary += $"; top-1 against the class folders: {correct}/{results.Count} ({(100.0 * correct / results.Count).ToString("0.00", Inv)} %)";
        }
        Console.Error.WriteLine(summary);
        return results.Count > 0 ? 0 : 1; // every file unreadable: nothing was classified
    }

    private static void Write(List<(string File, int[] Classes, float[] P)> results, string format, Func<int, string> label)
    {
        var o = Console.Out;
        switch (format)
        {
            case "csv":
                o.WriteLine("file,rank,class,label,p");
                foreach (var (file, classes, p) in results)
                {
                    for (int r = 0; r < classes.Length; r++)
                    {
                        o.WriteLine($"{Csv(file)},{r + 1},{classes[r]},{Csv(label(classes[r]))},{p[r].ToString("0.000000", Inv)}");
                    }
                }
                break;
            case "json":
                var rows = results.Select(r => new
                {
                    file = r.File,
                    top = r.Classes.Select((k, i) => new { @class = k, label = label(k), p = Math.Round(r.P[i], 6) }).ToArray(),
                });
                o.WriteLine(JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
                break;
            default:
                foreach (var (file, classes, p) in results)
                {
                    o.WriteLine($"{file} → {classes[0]} {label(classes[0])} ({p[0].ToString("0.0000", Inv)})");
                }
                break;
        }
    }

    // The image's folder names its class: the class index ("3"), or the label ("digit 3", "goldfish").
    private static int? FolderClass(string file, int classes, Func<int, string> label)
    {
        string folder = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(file))) ?? "";
        if (int.TryParse(folder, NumberStyles.None, Inv, out int k) && k < classes) return k;
        for (int c = 0; c < classes; c++)
        {
            if (string.Equals(label(c), folder, StringComparison.OrdinalIgnoreCase)) return c;
        }
        return null;
    }

    private static string Csv(string s) => s.IndexOfAny([',', '"', '\n']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";

    private static float[] Softmax(ReadOnlySpan<float> z)
    {
        float max = float.NegativeInfinity;
        foreach (float v in z) max = Math.Max(max, v);
        var p = new float[z.Length];
        double sum = 0;
        for (int k = 0; k < z.Length; k++) sum += p[k] = MathF.Exp(z[k] - max);
        for (int k = 0; k < z.Length; k++) p[k] = (float)(p[k] / sum);
        return p;
    }

    /// <summary>Images done, rate and ETA on stderr: in place on a terminal, every tenth of the way otherwise.</summary>
    private sealed class Progress(int total)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly bool _terminal = !Console.IsErrorRedirected;
        private int _done, _lastTenth;

        public void Advance(int count)
        {
            _done += count;
            int tenth = _done * 10 / total;
            if (!_terminal && tenth == _lastTenth) return;
            _lastTenth = tenth;
            double seconds = _clock.Elapsed.TotalSeconds, rate = _done / Math.Max(seconds, 1e-9);
            string line = $"{_done}/{total} images, {rate.ToString("0", Inv)} img/s, ETA {((total - _done) / Math.Max(rate, 1e-9)).ToString("0", Inv)} s";
            if (_terminal) Console.Error.Write("\r" + line.PadRight(60));
            else Console.Error.WriteLine(line);
        }

        public void Done()
        {
            if (_terminal) Console.Error.WriteLine();
        }
    }
}
