using System.Globalization;

namespace Vim.PerfAB;

/// <summary>The comparison's settings: what to run, on how many threads, for how many alternating rounds.</summary>
internal sealed record Options(int Batch, int Threads, int Rounds, string Model)
{
    public static Options Parse(string[] args)
    {
        var options = new Options(Batch: 1, Threads: Environment.ProcessorCount, Rounds: 60, Model: "vim_tiny_patch16_224");
        for (int i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value.");
            string value = args[i + 1];
            options = args[i] switch
            {
                "--batch" => options with { Batch = Positive(args[i], value) },
                "--threads" => options with { Threads = Positive(args[i], value) },
                "--rounds" => options with { Rounds = Positive(args[i], value) },
                "--model" => options with { Model = value },
                _ => throw new ArgumentException($"unknown option {args[i]}; expected --batch, --threads, --rounds or --model."),
            };
        }

        return options;
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new ArgumentException($"{name} must be a positive integer, got '{value}'.");
}
