namespace Vim.Runtime.Checkpoints;

/// <summary>
/// A checkpoint file is malformed, truncated, hostile or uses a feature the readers do not support.
/// The message names the file (when known), what was wrong and what was expected.
/// </summary>
public sealed class CheckpointFormatException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public CheckpointFormatException()
        : base("The checkpoint is malformed.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public CheckpointFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the error that caused it.</summary>
    public CheckpointFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a named source; the message is prefixed with <c>"{sourceName}: "</c>.</summary>
    /// <param name="sourceName">The file (or other source) name, or <see langword="null"/> when unknown.</param>
    /// <param name="message">What was wrong and what was expected.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public CheckpointFormatException(string? sourceName, string message, Exception? innerException = null)
        : base(Prefix(sourceName) + message, innerException)
    {
        SourceName = sourceName;
    }

    /// <summary>The file or source name the error refers to, when known.</summary>
    public string? SourceName { get; }

    private static string Prefix(string? sourceName) => sourceName is null ? "" : sourceName + ": ";
}
