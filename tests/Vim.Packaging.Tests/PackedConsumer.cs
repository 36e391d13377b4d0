using System.Diagnostics;

namespace Vim.Packaging.Tests;

/// <summary>
/// Packs the built libraries with scripts/pack.sh into a temporary folder, then creates a console project outside
/// the solution that restores them from that folder alone (its own package cache, so no stale copy is used), declares
/// a variant, builds and runs it on the digits checkpoint and a JPEG. The native package joins in when
/// <c>VIM_NATIVE_PACKAGE_LIBRARY</c> names a CMake build of libvimkernels.so (CI builds one before the tests).
/// </summary>
public sealed class PackedConsumer : IDisposable
{
    public const string NativeVariable = "VIM_NATIVE_PACKAGE_LIBRARY";

    private readonly string _work = Directory.CreateTempSubdirectory("vim-packaging-").FullName;

    public PackedConsumer()
    {
        Root = FindRoot();
        Packages = Path.Combine(_work, "packages");
        NativeLibrary = Environment.GetEnvironmentVariable(NativeVariable) is { Length: > 0 } so ? so : null;
        string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;

        var pack = new List<string> { Path.Combine(Root, "scripts", "pack.sh"), "-c", configuration, "-o", Packages, "--no-build" };
        if (NativeLibrary is not null) pack.AddRange(["--native", NativeLibrary]);
        PackResult = Run("bash", Root, pack);
        if (PackResult.ExitCode != 0) return;

        App = Path.Combine(_work, "app");
        Directory.CreateDirectory(App);
        string consumer = Path.Combine(AppContext.BaseDirectory, "Consumer");
        File.Copy(Path.Combine(consumer, "Program.cs.txt"), Path.Combine(App, "Program.cs"));
        if (NativeLibrary is not null) File.Copy(Path.Combine(consumer, "CudaProbe.cs.txt"), Path.Combine(App, "CudaProbe.cs"));
        string native = NativeLibrary is null ? "" : """<PackageReference Include="Vim.Kernels.Cuda" Version="0.1.0" />""";
        File.WriteAllText(Path.Combine(App, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <RestorePackagesPath>{Path.Combine(_work, "nuget-cache")}</RestorePackagesPath>
                <RestoreAdditionalProjectSources>{Packages}</RestoreAdditionalProjectSources>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Vim.Runtime" Version="0.1.0" />
                {native}
              </ItemGroup>
            </Project>
            """);
        BuildResult = Run("dotnet", App, ["build", "-c", "Release", "--nologo"]);
        if (BuildResult.ExitCode != 0) return;

        Output = Path.Combine(App, "bin", "Release", "net10.0");
        RunResult = Run("dotnet", App, [Path.Combine(Output, "App.dll"),
            Path.Combine(Root, "examples", "Vim.Cli", "Data", "digits", "checkpoint.pth"),
            Path.Combine(AppContext.BaseDirectory, "Data", "digit_3.jpg")]);
    }

    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\n{Output}\n{Error}";
    }

    public string Root { get; }

    public string Packages { get; }

    public string? NativeLibrary { get; }

    public string? App { get; }

    public string? Output { get; }

    public Result PackResult { get; }

    public Result? BuildResult { get; }

    public Result? RunResult { get; }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Vim.Dsl.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no Vim.Dsl.sln above {AppContext.BaseDirectory}");
    }

    private static Result Run(string file, string directory, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) start.ArgumentList.Add(a);
        // The consumer must find the kernels through its package alone, and build as a user's project does.
        start.Environment.Remove("VIM_KERNELS_PATH");
        start.Environment.Remove("LD_LIBRARY_PATH");
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBuildSDKsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 5 minutes");
        }
        return new Result(process.ExitCode, output.Result, error.Result);
    }
}
