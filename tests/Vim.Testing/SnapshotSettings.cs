namespace Vim.Testing;

/// <summary>
/// Options for one <see cref="Snapshot.Verify(string, IEnumerable{ValueTuple{string, string}}?, SnapshotSettings?, string, string)"/> call.
/// Every property is optional; the defaults follow Verify's conventions.
/// </summary>
public sealed class SnapshotSettings
{
    private readonly List<(string Name, string Value)> _parameters = [];
    private readonly List<Func<string, string>> _scrubbers = [];

    /// <summary>
    /// The class part of the file names. Default: the calling source file's name without <c>.cs</c>
    /// (the convention is one test class per file, named after the file).
    /// </summary>
    public string? ClassName { get; set; }

    /// <summary>The method part of the file names. Default: the calling member's name.</summary>
    public string? MethodName { get; set; }

    /// <summary>The folder that holds the snapshots. Default: <c>Snapshots/</c> beside the calling source file.</summary>
    public string? Directory { get; set; }

    /// <summary>
    /// Reads environment variables (<see cref="Snapshot.AcceptVariable"/> and <c>CI</c>).
    /// Default: <see cref="Environment.GetEnvironmentVariable(string)"/>. Tests of the helper replace it.
    /// </summary>
    public Func<string, string?>? Environment { get; set; }

    /// <summary>Theory parameters in order; each adds <c>_{name}={value}</c> to the file names.</summary>
    public IReadOnlyList<(string Name, string Value)> Parameters => _parameters;

    /// <summary>Scrubbers, applied in order to the text body and to every generated source before comparison.</summary>
    public IReadOnlyList<Func<string, string>> Scrubbers => _scrubbers;

    /// <summary>Adds a theory parameter (<c>_{name}={value}</c> in the file names); returns this for chaining.</summary>
    public SnapshotSettings UseParameter(string name, object? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _parameters.Add((name, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "null"));
        return this;
    }

    /// <summary>Adds a scrubber; returns this for chaining.</summary>
    public SnapshotSettings AddScrubber(Func<string, string> scrubber)
    {
        ArgumentNullException.ThrowIfNull(scrubber);
        _scrubbers.Add(scrubber);
        return this;
    }

    /// <summary>
    /// Adds a scrubber that replaces every occurrence of <paramref name="value"/> (ordinal) by
    /// <paramref name="replacement"/>, e.g. the generator's version by <c>{version}</c>. Empty values are ignored.
    /// </summary>
    public SnapshotSettings ScrubValue(string value, string replacement) =>
        AddScrubber(s => string.IsNullOrEmpty(value) ? s : s.Replace(value, replacement, StringComparison.Ordinal));
}
