using Vim.Runtime.Checkpoints;
using Vim.Runtime.Devices;
using Vim.Runtime.Imaging;
using Vim.Runtime.Registry;

namespace Vim.Cli;

/// <summary>A user-facing failure: one line on stderr and this exit code.</summary>
internal sealed class CliException(string message, int exitCode = Cli.UsageError) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

internal static class Cli
{
    /// <summary>
    /// How the CLI reads .pth files: objects of unknown types outside the entry read (an optimizer's, a script's own
    /// config) become inert placeholders, never constructed; inside the entry they are still refused.
    /// </summary>
    public static readonly PthReadOptions CheckpointOptions = new() { AllowUnknownGlobalsOutsideEntry = true };

    /// <summary>The command failed at run time (device unavailable, unexpected failure).</summary>
    public const int Failure = 1;

    /// <summary>Bad input: unknown model, missing or malformed file, bad option value.</summary>
    public const int UsageError = 2;

    /// <summary>Plain output when stdout is redirected: no colours or cursor moves, and tables wide enough not to wrap names.</summary>
    public static void ConfigureConsole()
    {
        Console.OutputEncoding = System.Text.Encoding.UTF8;
        if (!Console.IsOutputRedirected) return;
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Ansi = Spectre.Console.AnsiSupport.No,
            ColorSystem = Spectre.Console.ColorSystemSupport.NoColors,
            Interactive = Spectre.Console.InteractionSupport.No,
        });
        console.Profile.Width = 240;
        Spectre.Console.AnsiConsole.Console = console;
    }

    /// <summary>Runs a command; every failure becomes one line on stderr and an exit code, never a stack trace.</summary>
    public static int Guard(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e)
        {
            var (message, code) = e switch
            {
                CliException c => (c.Message, c.ExitCode),
                KeyNotFoundException => (e.Message, UsageError),
                FileNotFoundException f => ($"File not found: {f.FileName ?? f.Message}", UsageError),
                DirectoryNotFoundException => (e.Message, UsageError),
                UnauthorizedAccessException => (e.Message, UsageError),
                ImageFormatException => ($"Cannot read the image: {e.Message}", UsageError),
                CheckpointFormatException => ($"Cannot read the checkpoint: {e.Message}", UsageError),
                CheckpointMismatchException => ($"The checkpoint does not fit the model: {e.Message}", UsageError),
                ModelInputException => (e.Message, UsageError),
                DeviceUnavailableException => (e.Message, Failure),
                OutOfMemoryException => ($"out of memory ({e.Message}); try a smaller --batch.", Failure),
                IOException => (e.Message, Failure),
                ArgumentException => (e.Message, UsageError),
                _ => ($"{e.GetType().Name}: {e.Message}", Failure),
            };
            Console.Error.WriteLine("error: " + message.ReplaceLineEndings(" "));
            return code;
        }
    }

    /// <summary>Fails with a clear message when <paramref name="path"/> is not an existing file.</summary>
    public static string ExistingFile(string path, string what)
    {
        if (Directory.Exists(path)) throw new CliException($"{what} {path} is a folder; expected a file.");
        if (!File.Exists(path)) throw new CliException($"{what} not found: {path}");
        return path;
    }

    /// <summary>The most kernel threads --threads accepts: a few per core (more only adds threads that wait).</summary>
    public static int MaxThreads => Math.Max(8, 4 * Environment.ProcessorCount);

    /// <summary>Applies --threads, refusing a count outside 1..<see cref="MaxThreads"/>.</summary>
    public static void ApplyThreads(int? threads)
    {
        if (threads is not int t) return;
        if (t < 1 || t > MaxThreads)
        {
            throw new CliException($"--threads must be between 1 and {MaxThreads} ({Environment.ProcessorCount} cores here), got {t}.");
        }
        Vim.Kernels.Cpu.KernelThreading.MaxDegreeOfParallelism = t;
    }

    /// <summary>
    /// Refuses a --batch below 1, or one whose input tensor alone (<paramref name="valuesPerImage"/> floats an image)
    /// would pass the largest tensor the runtime holds (2^28 floats, 1 GiB) — the forward's activations are larger still.
    /// </summary>
    public static void CheckBatch(int batch, long valuesPerImage)
    {
        if (batch < 1) throw new CliException($"--batch must be at least 1, got {batch}.");
        long most = Math.Max(1, (1L << 28) / Math.Max(1, valuesPerImage));
        if (batch > most)
        {
            throw new CliException($"--batch {batch} is too large: its input alone would be {(double)batch * valuesPerImage * 4 / (1L << 30):0.#} GiB; this model takes at most {most} images a batch (and the memory for their activations).");
        }
    }
}
