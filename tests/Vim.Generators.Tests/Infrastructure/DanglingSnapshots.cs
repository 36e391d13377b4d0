using System.Runtime.CompilerServices;
using Vim.Generators.Tests.Infrastructure;
using Vim.Testing;

[assembly: AssemblyFixture(typeof(DanglingSnapshots))]

namespace Vim.Generators.Tests.Infrastructure;

/// <summary>
/// After a complete run on CI, fails when a <c>.verified.</c> file in Snapshots/ was produced by no test (a renamed
/// or deleted test left it behind). Local runs are often filtered, so the check is CI-only.
/// </summary>
public sealed class DanglingSnapshots : IAsyncDisposable
{
    public ValueTask DisposeAsync()
    {
        if (Snapshot.IsCi()) Snapshot.ThrowIfDangling(Path.Combine(ThisDirectory(), "..", Snapshot.SnapshotsFolder));
        return ValueTask.CompletedTask;
    }

    private static string ThisDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
