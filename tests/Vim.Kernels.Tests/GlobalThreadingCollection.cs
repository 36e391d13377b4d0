namespace Vim.Kernels.Tests;

/// <summary>
/// Test classes that set or read <see cref="Vim.Kernels.Cpu.KernelThreading.MaxDegreeOfParallelism"/>, a process-wide
/// setting: run one at a time, so that one class's temporary degree never leaks into another's assertions.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalThreadingCollection
{
    public const string Name = "Global kernel-threading degree";
}
