namespace Vim.Runtime.Registry;

/// <summary>A model was given an input it cannot take; the message names what was expected and what was given.</summary>
public sealed class ModelInputException(string message) : ArgumentException(message);
