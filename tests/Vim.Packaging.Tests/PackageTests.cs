using System.IO.Compression;

namespace Vim.Packaging.Tests;

/// <summary>The packages as a .NET user meets them: one PackageReference, a fresh project, a variant declared and run.</summary>
public sealed class PackageTests(PackedConsumer consumer) : IClassFixture<PackedConsumer>
{
    [Fact]
    public void ThePackages_HoldTheLibrariesTheGeneratorAndTheirSymbols()
    {
        Assert.True(consumer.PackResult.ExitCode == 0, consumer.PackResult.ToString());
        var runtime = Entries("Vim.Runtime.0.1.0.nupkg");
        Assert.Contains("lib/net10.0/Vim.Runtime.dll", runtime);
        Assert.Contains("analyzers/dotnet/cs/Vim.Generators.dll", runtime);
        Assert.Contains("README.md", runtime);
        Assert.Contains("LICENSE", runtime);
        Assert.Contains("lib/net10.0/Vim.Dsl.dll", Entries("Vim.Dsl.0.1.0.nupkg"));
        Assert.Contains("lib/net10.0/Vim.Kernels.dll", Entries("Vim.Kernels.0.1.0.nupkg"));
        Assert.Contains("lib/net10.0/Vim.Runtime.pdb", Entries("Vim.Runtime.0.1.0.snupkg"));

        using var zip = ZipFile.OpenRead(Path.Combine(consumer.Packages, "Vim.Runtime.0.1.0.nupkg"));
        using var nuspec = new StreamReader(zip.GetEntry("Vim.Runtime.nuspec")!.Open());
        string text = nuspec.ReadToEnd();
        Assert.Contains("<dependency id=\"Vim.Dsl\" version=\"0.1.0\"", text);
        Assert.Contains("<dependency id=\"Vim.Kernels\" version=\"0.1.0\"", text);
        Assert.Contains("<license type=\"expression\">Apache-2.0</license>", text);
    }

    [Fact]
    public void AFreshProject_DeclaresAVariant_LoadsTheDigitsCheckpoint_AndClassifiesAJpeg()
    {
        Assert.True(consumer.PackResult.ExitCode == 0, consumer.PackResult.ToString());
        Assert.True(consumer.BuildResult is { ExitCode: 0 }, consumer.BuildResult?.ToString());
        var run = consumer.RunResult!;
        Assert.True(run.ExitCode == 0, run.ToString());
        // The generator ran inside the user's project: the variant's parameters, forward and registry entry exist.
        Assert.Contains("digit_3.jpg -> 3", run.Output);
        Assert.True(File.Exists(Path.Combine(consumer.Output!, "Vim.Runtime.dll")));
        Assert.True(File.Exists(Path.Combine(consumer.Output!, "StbImageSharp.dll")));
    }

    [Fact]
    public void TheNativePackage_IsFoundWithoutEnvironmentVariables()
    {
        if (consumer.NativeLibrary is null) Assert.Skip($"{PackedConsumer.NativeVariable} names no libvimkernels.so build (CI sets it after its CUDA compile check).");
        Assert.True(consumer.PackResult.ExitCode == 0, consumer.PackResult.ToString());
        Assert.Contains("runtimes/linux-x64/native/libvimkernels.so", Entries("Vim.Kernels.Cuda.0.1.0.nupkg"));
        var run = consumer.RunResult!;
        Assert.True(run.ExitCode == 0, run.ToString());
        string asset = Path.Combine(consumer.Output!, "runtimes", "linux-x64", "native", "libvimkernels.so");
        Assert.True(File.Exists(asset), $"the build output lacks {asset}");
        // Loaded from the package's runtime asset; with no GPU here the device query then fails with its reason.
        Assert.Contains($"libvimkernels: {asset}", run.Error);
    }

    private List<string> Entries(string package)
    {
        using var zip = ZipFile.OpenRead(Path.Combine(consumer.Packages, package));
        return zip.Entries.Select(e => e.FullName).ToList();
    }
}
