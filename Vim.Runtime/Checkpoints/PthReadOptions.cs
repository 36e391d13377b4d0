namespace Vim.Runtime.Checkpoints;

/// <summary>Options of <see cref="PthReader"/>.</summary>
/// <remarks>
/// The defaults refuse every pickle global outside the allowlist (see <see cref="PthReader"/>), like PyTorch's
/// <c>torch.load(weights_only=True)</c>.
/// </remarks>
public sealed class PthReadOptions
{
    /// <summary>The defaults.</summary>
    public static PthReadOptions Default { get; } = new();

    /// <summary>
    /// When <see langword="true"/>, a global outside the allowlist (for example <c>argparse.Namespace</c> in the
    /// <c>args</c> entry of an official training checkpoint) no longer stops reading. It becomes an inert
    /// placeholder: it is never imported or called, and calling it (<c>REDUCE</c>, <c>NEWOBJ</c>) or filling it
    /// (<c>BUILD</c>, <c>SETITEM</c>, <c>APPEND</c>) only produces or updates another inert placeholder. Placeholders
    /// are allowed only outside the requested entry: if one is reachable from it, reading still fails.
    /// Default <see langword="false"/>: the first such global raises <see cref="CheckpointFormatException"/>.
    /// </summary>
    public bool AllowUnknownGlobalsOutsideEntry { get; init; }

    /// <summary>
    /// When <see langword="true"/>, tensors of the requested entry stored as integers or booleans
    /// (for example BatchNorm's <c>num_batches_tracked</c>) are left out of the result; when <see langword="false"/>
    /// (the default) they raise <see cref="CheckpointFormatException"/>, since tensors here are float32 only.
    /// </summary>
    public bool SkipNonFloatTensors { get; init; }

    /// <summary>
    /// When <see langword="true"/>, the requested entry may nest: dicts and lists inside it are walked and their tensors
    /// returned under dotted keys (<c>state.3.exp_avg</c> for an optimizer's state dict; list items and integer keys as
    /// numbers); values that are not tensors (numbers, strings, tuples) are left out. Default <see langword="false"/>: the
    /// entry must be a flat dict of tensors.
    /// </summary>
    public bool Flatten { get; init; }

    /// <summary>The deepest nesting of pickle marks and tuples accepted (default 100).</summary>
    public int MaxNestingDepth { get; init; } = 100;

    /// <summary>The most memo entries a pickle may create (default 1,000,000).</summary>
    public int MaxMemoEntries { get; init; } = 1_000_000;
}
