using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Vim.Kernels.Cpu;
using Vim.Runtime.Registry;
using Tensor = Vim.Runtime.Tensors.Tensor;

namespace Vim.Cli;

/// <summary><c>vim export</c> (the generated ONNX exporter) and <c>vim bench-onnx</c> (ONNX Runtime's CPU speed beside ours).</summary>
internal static class OnnxCommands
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Export(string name, string? checkpoint, string entry, string output, int opset, bool staticBatch)
    {
        var info = Models.Get(name);
        if (checkpoint is not null) Cli.ExistingFile(checkpoint, "Checkpoint");
        var model = info.Create();
        if (checkpoint is not null) model.LoadCheckpoint(checkpoint, entry, options: Cli.CheckpointOptions);
        else Console.Error.WriteLine("no checkpoint given: the exported weights are the fresh random initialisation (seed 0)");
        long start = Stopwatch.GetTimestamp();
        var export = model.ExportOnnx(output, opset, dynamicBatch: !staticBatch);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Console.WriteLine($"{info.Name} → {export.Path}: {(export.Bytes / 1e6).ToString("0.0", Inv)} MB, {export.Nodes} nodes, {export.Initializers} initializers, " +
                          $"opset {export.Opset}, batch {(staticBatch ? "1" : "dynamic")}, written in {seconds.ToString("0.00", Inv)} s");
        return 0;
    }

    public static int Bench(string name, int batch, int rounds, int? threads)
    {
        if (rounds < 1) throw new CliException($"--rounds must be at least 1, got {rounds}.");
        var info = Models.Get(name);
        Cli.CheckBatch(batch, (long)info.Channels * info.ImgHeight * info.ImgWidth);
        Cli.ApplyThreads(threads);
        var model = info.Create();
        string path = Path.Combine(Path.GetTempPath(), $"vim-bench-{Environment.ProcessId}.onnx");
        try
        {
            long start = Stopwatch.GetTimestamp();
            var export = model.ExportOnnx(path);
            double exportSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            using var options = new SessionOptions { IntraOpNumThreads = KernelThreading.MaxDegreeOfParallelism, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
            using var session = new InferenceSession(path, options);
            var random = new Random(0);
            var data = new float[(long)batch * info.Channels * info.ImgHeight * info.ImgWidth];
            for (int k = 0; k < data.Length; k++) data[k] = (float)(random.NextDouble() * 4 - 2);
            using var x = Tensor.FromArray(data, batch, info.Channels, info.ImgHeight, info.ImgWidth);
            var input = new DenseTensor<float>(data, [batch, info.Channels, info.ImgHeight, info.ImgWidth]);
            NamedOnnxValue[] feeds = [NamedOnnxValue.CreateFromTensor("images", input)];

            float[] RunOnnx()
            {
                using var results = session.Run(feeds);
                return results.First().AsTensor<float>().ToArray();
            }

            // one untimed pass each, then interleaved rounds: ours, ONNX Runtime
            using (var warm = model.Forward(x)) { }
            var onnxLogits = RunOnnx();
            using (var ours = model.Forward(x))
            {
                double diff = 0, norm = 0;
                var o = ours.ToArray();
                for (int i = 0; i < o.Length; i++) { diff += (o[i] - onnxLogits[i]) * (double)(o[i] - onnxLogits[i]); norm += (double)o[i] * o[i]; }
                Console.WriteLine($"{info.Name}: exported in {exportSeconds.ToString("0.00", Inv)} s ({(export.Bytes / 1e6).ToString("0.0", Inv)} MB, {export.Nodes} nodes); " +
                                  $"ONNX Runtime {OrtVersion()} logits vs ours: {(Math.Sqrt(diff) / Math.Sqrt(norm)).ToString("E2", Inv)} relative");
            }
            var oursMs = new List<double>();
            var onnxMs = new List<double>();
            for (int r = 0; r < rounds; r++)
            {
                long t = Stopwatch.GetTimestamp();
                model.Forward(x).Dispose();
                oursMs.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                t = Stopwatch.GetTimestamp();
                RunOnnx();
                onnxMs.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
            oursMs.Sort();
            onnxMs.Sort();
            double oursMedian = oursMs[oursMs.Count / 2], onnxMedian = onnxMs[onnxMs.Count / 2];
            Console.WriteLine($"batch {batch}, {rounds} interleaved rounds, {KernelThreading.MaxDegreeOfParallelism} threads each:");
            Console.WriteLine($"  ours          median {F(oursMedian)} ms, best {F(oursMs[0])} ms per pass");
            Console.WriteLine($"  ONNX Runtime  median {F(onnxMedian)} ms, best {F(onnxMs[0])} ms per pass");
            Console.WriteLine($"  ours is {(onnxMedian / oursMedian).ToString("0.00", Inv)}× ONNX Runtime's speed (median), {(onnxMs[0] / oursMs[0]).ToString("0.00", Inv)}× (best)");
            return 0;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string OrtVersion() => typeof(InferenceSession).Assembly.GetName().Version?.ToString(3) ?? "?";

    private static string F(double v) => v.ToString(v >= 100 ? "0.0" : "0.00", Inv);
}
