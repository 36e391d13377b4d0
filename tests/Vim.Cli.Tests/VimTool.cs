using System.Diagnostics;

namespace Vim.Cli.Tests;

/// <summary>Runs the built `vim` tool (examples/Vim.Cli, same configuration as these tests) and captures what it prints.</summary>
internal static class VimTool
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static string ExamplesData => Path.Combine(CliDirectory, "Data");

    // tests/Vim.Cli.Tests/bin/<Configuration>/<tfm>/ → examples/Vim.Cli/bin/<Configuration>/<tfm>/
    private static string CliDirectory
    {
        get
        {
            var testDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string tfm = testDir.Name, configuration = testDir.Parent!.Name;
            string root = testDir.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
            return Path.Combine(root, "examples", "Vim.Cli", "bin", configuration, tfm);
        }
    }

    /// <summary>Starts the tool without waiting (its output redirected); the caller waits, reads or kills it.</summary>
    public static Process Start(params string[] args)
    {
        string dll = Path.Combine(CliDirectory, "vim.dll");
        Assert.True(File.Exists(dll), $"the vim tool is not built at {dll}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (string a in args) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    public static Result Run(params string[] args)
    {
        using var process = Start(args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"vim {string.Join(' ', args)} did not finish in 3 minutes");
        }

        return new Result(process.ExitCode, output.Result, error.Result);
    }
}
