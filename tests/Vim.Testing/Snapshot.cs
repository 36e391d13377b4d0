using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using DiffPlex;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using Xunit.Sdk;

namespace Vim.Testing;

/// <summary>
/// A small snapshot helper that follows Verify / Verify.SourceGenerators file conventions
/// (those packages are not available here).
/// </summary>
/// <remarks>
/// <para><b>Files.</b> Snapshots live in <c>Snapshots/</c> beside the test's source file:</para>
/// <list type="bullet">
/// <item><c>{Class}.{Method}{Params}.verified.txt</c> holds the text body (e.g. diagnostics). When the body is
/// empty and there are generated files, no <c>.txt</c> is written or expected (Verify.SourceGenerators only
/// writes diagnostics when there are any). With no generated files the <c>.txt</c> is always written, even empty.</item>
/// <item><c>{Class}.{Method}{Params}#{HintName without .cs}.verified.cs</c> holds one generated file; its first
/// line is <c>//HintName: {hintName}</c>. Files are processed in ordinal order of hint name.</item>
/// <item><c>{Params}</c> is <c>_{name}={value}</c> per theory parameter, in order. Characters not valid in
/// file names on any OS (<c>&lt;&gt;:"/\|?*</c> and control characters) are replaced by <c>-</c>.</item>
/// </list>
/// <para><b>Format.</b> Written as UTF-8 with BOM, LF line endings, no trailing newline. Read tolerantly: a BOM,
/// every <c>\r</c> and trailing newlines are ignored when comparing.</para>
/// <para><b>Outcome.</b> On mismatch or a missing snapshot the helper writes <c>*.received.*</c> beside the verified
/// file and throws <see cref="XunitException"/> with a short diff. A verified generated file of this test whose
/// hint name is no longer produced is a failure too. On a match any stale received file is deleted. With
/// <c>VIM_ACCEPT_SNAPSHOTS=1</c> (and <c>CI</c> unset or empty) the verified files are written in place, stale ones
/// deleted, and nothing fails. <c>scripts/accept-snapshots.sh</c> accepts received files after a run.</para>
/// <para><b>Dangling snapshots.</b> Every verified path this helper reads or writes is recorded in
/// <see cref="TouchedFiles"/>. After a complete (unfiltered) run, <see cref="FindDangling(string)"/> lists the
/// verified files of a folder that no test produced; see <see cref="ThrowIfDangling(string)"/> for a ready-made check.</para>
/// </remarks>
public static class Snapshot
{
    /// <summary>The environment variable that, set to <c>1</c>, accepts snapshots in place (ignored when <c>CI</c> is set).</summary>
    public const string AcceptVariable = "VIM_ACCEPT_SNAPSHOTS";

    /// <summary>The environment variable that marks a CI run (any non-empty value).</summary>
    public const string CiVariable = "CI";

    /// <summary>The name of the folder beside the test source file that holds snapshots.</summary>
    public const string SnapshotsFolder = "Snapshots";

    /// <summary>How many changed lines a failure message shows per file at most.</summary>
    public const int MaxDiffLines = 40;

    private static readonly UTF8Encoding Utf8Bom = new(encoderShouldEmitUTF8Identifier: true);
    private static readonly ConcurrentDictionary<string, byte> Touched = new(StringComparer.Ordinal);

    /// <summary>Full paths of every verified file that a <c>Verify</c> call in this process compared or wrote.</summary>
    public static IReadOnlyCollection<string> TouchedFiles => Touched.Keys.ToArray();

    /// <summary>
    /// Verifies a text body and generated files against the snapshots of the calling test.
    /// </summary>
    /// <param name="text">The text body for <c>.verified.txt</c> (e.g. formatted diagnostics).</param>
    /// <param name="generatedFiles">Generated sources as (hint name, source); may be null or empty.</param>
    /// <param name="settings">Optional names, folder, parameters and scrubbers.</param>
    /// <param name="sourceFilePath">Filled in by the compiler: the calling test's source file.</param>
    /// <param name="methodName">Filled in by the compiler: the calling test method.</param>
    /// <exception cref="XunitException">A snapshot is missing, differs, or is no longer produced.</exception>
    public static void Verify(
        string text,
        IEnumerable<(string HintName, string Source)>? generatedFiles = null,
        SnapshotSettings? settings = null,
        [CallerFilePath] string sourceFilePath = "",
        [CallerMemberName] string methodName = "")
    {
        ArgumentNullException.ThrowIfNull(text);
        settings ??= new SnapshotSettings();
        string directory = settings.Directory
            ?? Path.Combine(Path.GetDirectoryName(sourceFilePath) ?? ".", SnapshotsFolder);
        string className = settings.ClassName ?? Path.GetFileNameWithoutExtension(sourceFilePath);
        string method = settings.MethodName ?? methodName;
        if (string.IsNullOrEmpty(className) || string.IsNullOrEmpty(method))
        {
            throw new ArgumentException("The snapshot needs a class and a method name.");
        }

        string prefix = BaseName(className, method, settings.Parameters);
        var generated = (generatedFiles ?? [])
            .OrderBy(g => g.HintName, StringComparer.Ordinal)
            .ToList();

        var targets = new List<(string FileName, string Content)>();
        string scrubbedText = Scrub(text, settings);
        if (generated.Count == 0 || Normalize(scrubbedText).Length > 0)
        {
            targets.Add(($"{prefix}.verified.txt", scrubbedText));
        }
        foreach (var (hint, source) in generated)
        {
            targets.Add((GeneratedFileName(prefix, hint), $"//HintName: {hint}\n" + Scrub(source, settings)));
        }

        Func<string, string?> env = settings.Environment ?? System.Environment.GetEnvironmentVariable;
        bool accept = IsAcceptMode(env);
        var failures = new StringBuilder();

        foreach (var (fileName, content) in targets)
        {
            string verifiedPath = Path.Combine(directory, fileName);
            string receivedPath = ReceivedPath(verifiedPath);
            Touched.TryAdd(Path.GetFullPath(verifiedPath), 0);
            string expected = Normalize(content);
            string? actual = File.Exists(verifiedPath) ? Normalize(File.ReadAllText(verifiedPath)) : null;

            if (actual == expected)
            {
                DeleteIfExists(receivedPath);
                continue;
            }
            if (accept)
            {
                WriteSnapshot(verifiedPath, expected);
                DeleteIfExists(receivedPath);
                continue;
            }
            WriteSnapshot(receivedPath, expected);
            failures.Append(actual is null
                ? $"Missing snapshot {verifiedPath}; wrote {Path.GetFileName(receivedPath)}.\n"
                : $"Snapshot mismatch in {verifiedPath}; wrote {Path.GetFileName(receivedPath)}.\n" + Diff(actual, expected));
        }

        // Verified generated files of this very test whose hint name is no longer produced.
        var produced = new HashSet<string>(targets.Select(t => t.FileName), StringComparer.Ordinal);
        if (System.IO.Directory.Exists(directory))
        {
            var stale = System.IO.Directory.EnumerateFiles(directory, $"{prefix}#*.verified.cs")
                .Where(p => !produced.Contains(Path.GetFileName(p)))
                .Order(StringComparer.Ordinal)
                .ToList();
            if (generated.Count > 0)
            {
                string txt = Path.Combine(directory, $"{prefix}.verified.txt");
                if (!produced.Contains($"{prefix}.verified.txt") && File.Exists(txt)) stale.Add(txt);
            }
            foreach (string path in stale)
            {
                if (accept)
                {
                    File.Delete(path);
                }
                else
                {
                    failures.Append($"Snapshot {path} is no longer produced by this test; delete it or accept.\n");
                }
            }
        }

        if (failures.Length > 0)
        {
            failures.Append($"Set {AcceptVariable}=1 to accept in place, or run scripts/accept-snapshots.sh.");
            throw new XunitException(failures.ToString());
        }
    }

    /// <summary>The file-name stem <c>{Class}.{Method}{_name=value...}</c>, with invalid characters replaced by <c>-</c>.</summary>
    public static string BaseName(string className, string methodName, IEnumerable<(string Name, string Value)>? parameters = null)
    {
        var sb = new StringBuilder();
        sb.Append(className).Append('.').Append(methodName);
        foreach (var (name, value) in parameters ?? [])
        {
            sb.Append('_').Append(name).Append('=').Append(value);
        }
        return SanitizeFileName(sb.ToString());
    }

    /// <summary>The verified file name of one generated source: <c>{prefix}#{hint name without .cs}.verified.cs</c>.</summary>
    public static string GeneratedFileName(string prefix, string hintName)
    {
        string stem = hintName.EndsWith(".cs", StringComparison.OrdinalIgnoreCase) ? hintName[..^3] : hintName;
        return $"{prefix}#{SanitizeFileName(stem)}.verified.cs";
    }

    /// <summary>Replaces characters that are invalid in file names on any OS by <c>-</c>.</summary>
    public static string SanitizeFileName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var chars = name.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            char c = chars[i];
            if (c < 32 || c is '<' or '>' or ':' or '"' or '/' or '\\' or '|' or '?' or '*')
            {
                chars[i] = '-';
            }
        }
        return new string(chars);
    }

    /// <summary>
    /// Normalises snapshot text for comparison and writing: drops a leading BOM, every <c>\r</c> and trailing newlines.
    /// </summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        return text.Replace("\r", "", StringComparison.Ordinal).TrimEnd('\n');
    }

    /// <summary>
    /// The verified files (<c>*.verified.*</c>, top level of <paramref name="snapshotsDir"/>) whose file name is not
    /// in <paramref name="producedFileNames"/> (file names or full paths). Sorted ordinally; full paths.
    /// </summary>
    public static IReadOnlyList<string> FindDangling(string snapshotsDir, IEnumerable<string> producedFileNames)
    {
        ArgumentNullException.ThrowIfNull(producedFileNames);
        if (!System.IO.Directory.Exists(snapshotsDir)) return [];
        var produced = new HashSet<string>(producedFileNames.Select(Path.GetFileName).OfType<string>(), StringComparer.Ordinal);
        return System.IO.Directory.EnumerateFiles(snapshotsDir, "*.verified.*")
            .Where(p => !produced.Contains(Path.GetFileName(p)))
            .Select(Path.GetFullPath)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// The verified files of <paramref name="snapshotsDir"/> that no <c>Verify</c> call of this process touched
    /// (<see cref="TouchedFiles"/>). Only meaningful after every snapshot test of the folder ran.
    /// </summary>
    public static IReadOnlyList<string> FindDangling(string snapshotsDir)
    {
        string full = Path.GetFullPath(snapshotsDir);
        var mine = Touched.Keys.Where(p => string.Equals(Path.GetDirectoryName(p), full.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal));
        return FindDangling(full, mine);
    }

    /// <summary>
    /// Throws <see cref="XunitException"/> listing the dangling snapshots of <paramref name="snapshotsDir"/>
    /// (see <see cref="FindDangling(string)"/>). Intended for the end of a complete run on CI, e.g. from the
    /// <c>DisposeAsync</c> of an xunit v3 assembly fixture guarded by <see cref="IsCi"/>:
    /// <code>
    /// [assembly: AssemblyFixture(typeof(DanglingSnapshots))]
    /// public sealed class DanglingSnapshots : IAsyncDisposable
    /// {
    ///     public ValueTask DisposeAsync()
    ///     {
    ///         if (Snapshot.IsCi()) Snapshot.ThrowIfDangling(Path.Combine(ThisDir(), "Snapshots"));
    ///         return ValueTask.CompletedTask;
    ///     }
    ///     static string ThisDir([CallerFilePath] string p = "") => Path.GetDirectoryName(p)!;
    /// }
    /// </code>
    /// A filtered run would report false positives, so keep the check to CI, which runs everything.
    /// </summary>
    public static void ThrowIfDangling(string snapshotsDir)
    {
        var dangling = FindDangling(snapshotsDir);
        if (dangling.Count > 0)
        {
            throw new XunitException(
                $"{dangling.Count} snapshot(s) in {snapshotsDir} are produced by no test:\n  " + string.Join("\n  ", dangling));
        }
    }

    /// <summary>True when the <c>CI</c> environment variable is set to a non-empty value.</summary>
    public static bool IsCi(Func<string, string?>? environment = null) =>
        !string.IsNullOrEmpty((environment ?? System.Environment.GetEnvironmentVariable)(CiVariable));

    /// <summary>True when <c>VIM_ACCEPT_SNAPSHOTS=1</c> and not on CI.</summary>
    public static bool IsAcceptMode(Func<string, string?>? environment = null)
    {
        environment ??= System.Environment.GetEnvironmentVariable;
        return environment(AcceptVariable) == "1" && !IsCi(environment);
    }

    /// <summary>The received path for a verified path: <c>x.verified.ext</c> → <c>x.received.ext</c>.</summary>
    public static string ReceivedPath(string verifiedPath)
    {
        ArgumentNullException.ThrowIfNull(verifiedPath);
        string dir = Path.GetDirectoryName(verifiedPath) ?? "";
        string name = Path.GetFileName(verifiedPath);
        int i = name.LastIndexOf(".verified.", StringComparison.Ordinal);
        if (i < 0) throw new ArgumentException($"Not a verified file name: {name}", nameof(verifiedPath));
        return Path.Combine(dir, name[..i] + ".received." + name[(i + ".verified.".Length)..]);
    }

    /// <summary>A short unified-style diff (verified → received) of at most <see cref="MaxDiffLines"/> changed lines.</summary>
    public static string Diff(string verified, string received)
    {
        var model = new InlineDiffBuilder(new Differ()).BuildDiffModel(Normalize(verified), Normalize(received));
        var sb = new StringBuilder("--- verified\n+++ received\n");
        int changed = 0, oldLine = 0, newLine = 0;
        var lines = model.Lines;
        for (int i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (line.Type != ChangeType.Deleted) newLine++;
            if (line.Type != ChangeType.Inserted) oldLine++;
            if (line.Type is ChangeType.Unchanged or ChangeType.Imaginary) continue;
            if (changed == MaxDiffLines)
            {
                int rest = lines.Skip(i).Count(l => l.Type is ChangeType.Inserted or ChangeType.Deleted or ChangeType.Modified);
                sb.Append($"... {rest} more changed line(s)\n");
                break;
            }
            changed++;
            sb.Append(line.Type == ChangeType.Deleted ? $"-{oldLine,5}: " : $"+{newLine,5}: ").Append(line.Text).Append('\n');
        }
        return sb.ToString();
    }

    private static string Scrub(string text, SnapshotSettings settings)
    {
        foreach (var scrub in settings.Scrubbers) text = scrub(text);
        return text;
    }

    private static void WriteSnapshot(string path, string normalizedContent)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, normalizedContent, Utf8Bom);
    }

    private static void DeleteIfExists(string path)
    {
        if (File.Exists(path)) File.Delete(path);
    }
}
