// Compares two builds of Vim.Runtime in one process: each build is loaded into its own AssemblyLoadContext and their
// forward passes alternate (A then B, then B then A, ...). On the shared development VM the speed of the same build
// drifts by ±25 % over seconds to minutes, which hides a 2–5 % change between whole-process runs; a pair of passes
// run back to back sees the same drift, so the per-pair ratio B/A isolates the change.
//
//   vim-perf-ab DIR_A DIR_B [--batch N] [--threads N] [--rounds N] [--model NAME]
//
// DIR_A and DIR_B hold a built Vim.Runtime.dll with its Vim.Kernels.dll and Vim.Dsl.dll (bin/Release/net10.0).
using System.Diagnostics;
using System.Globalization;
using Vim.PerfAB;

if (args.Length < 2 || args[0].StartsWith("--", StringComparison.Ordinal))
{
    Console.Error.WriteLine("usage: vim-perf-ab DIR_A DIR_B [--batch N] [--threads N] [--rounds N] [--model NAME]");
    return 2;
}

Options options;
try
{
    options = Options.Parse(args.Skip(2).ToArray());
    foreach (string dir in args.Take(2))
    {
        if (!File.Exists(Path.Combine(dir, "Vim.Runtime.dll"))) throw new ArgumentException($"{dir} holds no Vim.Runtime.dll (expected a build output folder).");
    }
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

Console.WriteLine($"{options.Model}: batch {options.Batch}, {options.Threads} kernel threads, {options.Rounds} rounds of one pass per build");
var builds = new[] { new RuntimeBuild(args[0], options), new RuntimeBuild(args[1], options) };
for (int i = 0; i < 3; i++)
{
    foreach (var build in builds) build.Pass();
}

var times = new[] { new double[options.Rounds], new double[options.Rounds] };
for (int round = 0; round < options.Rounds; round++)
{
    for (int k = 0; k < 2; k++)
    {
        int side = (round + k) % 2;
        long start = Stopwatch.GetTimestamp();
        builds[side].Pass();
        times[side][round] = Stopwatch.GetElapsedTime(start).TotalMilliseconds / options.Batch;
    }
}

var ratios = times[1].Zip(times[0], (b, a) => b / a).Order().ToArray();
string[] names = ["A", "B"];
for (int side = 0; side < 2; side++)
{
    var sorted = times[side].Order().ToArray();
    Console.WriteLine($"{names[side]}: best {F(sorted[0])}, p25 {F(Quantile(sorted, 0.25))}, median {F(Quantile(sorted, 0.5))} ms/img   ({args[side]})");
}

Console.WriteLine($"B/A per round: median {ratios[ratios.Length / 2]:F3} (p25 {Quantile(ratios, 0.25):F3}, p75 {Quantile(ratios, 0.75):F3}), " +
                  $"geometric mean {Math.Exp(ratios.Average(Math.Log)):F3}");
return 0;

static double Quantile(double[] sorted, double q) => sorted[(int)(q * (sorted.Length - 1))];

static string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
