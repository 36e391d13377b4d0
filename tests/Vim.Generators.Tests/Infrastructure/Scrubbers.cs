using Vim.Testing;

namespace Vim.Generators.Tests.Infrastructure;

public static class Scrubbers
{
    private static readonly string Version = typeof(VimModelGenerator).Assembly.GetName().Version!.ToString();

    /// <summary>Snapshot settings that replace the generator's version with <c>{version}</c>.</summary>
    public static SnapshotSettings Settings(params (string Name, object? Value)[] parameters)
    {
        var settings = new SnapshotSettings().AddScrubber(text => text.Replace($"\"Vim.Generators\", \"{Version}\"", "\"Vim.Generators\", \"{version}\""));
        foreach (var (name, value) in parameters) settings.UseParameter(name, value);
        return settings;
    }
}
