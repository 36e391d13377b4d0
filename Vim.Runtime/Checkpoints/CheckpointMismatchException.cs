using Vim.Runtime.Tensors;

namespace Vim.Runtime.Checkpoints;

/// <summary>A checkpoint's keys do not fit the model: names every missing, unexpected and mis-shaped key at once.</summary>
public sealed class CheckpointMismatchException : Exception
{
    /// <summary>Creates the error for <paramref name="model"/>.</summary>
    public CheckpointMismatchException(string model, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected,
        IReadOnlyList<(string Key, Shape Expected, Shape Actual)> misshaped)
        : base(Format(model, missing, unexpected, misshaped))
    {
        Missing = missing;
        Unexpected = unexpected;
        Misshaped = misshaped;
    }

    /// <summary>Keys the model has and the checkpoint lacks.</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>Keys the checkpoint has and the model lacks.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>Keys present in both with different shapes.</summary>
    public IReadOnlyList<(string Key, Shape Expected, Shape Actual)> Misshaped { get; }

    private static string Format(string model, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected,
        IReadOnlyList<(string Key, Shape Expected, Shape Actual)> misshaped)
    {
        var lines = new List<string> { $"Checkpoint does not match {model}: {missing.Count} missing, {unexpected.Count} unexpected, {misshaped.Count} mis-shaped key(s)." };
        if (missing.Count > 0) lines.Add("Missing: " + string.Join(", ", missing));
        if (unexpected.Count > 0) lines.Add("Unexpected: " + string.Join(", ", unexpected));
        foreach (var (key, expected, actual) in misshaped) lines.Add($"Mis-shaped: {key}: model expects {expected}, checkpoint has {actual}");
        return string.Join(Environment.NewLine, lines);
    }
}
