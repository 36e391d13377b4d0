namespace Vim.Runtime.Imaging;

/// <summary>An image file is malformed, truncated, unsupported or too large.</summary>
public sealed class ImageFormatException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public ImageFormatException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public ImageFormatException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
