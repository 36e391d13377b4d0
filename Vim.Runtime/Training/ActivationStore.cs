using Vim.Runtime.Tensors;

namespace Vim.Runtime.Training;

/// <summary>
/// What one training forward keeps for its backward pass. Each generated model, block and mixer derives its own
/// store with a typed field per kept tensor; <see cref="Keep"/> also records the tensor so that disposing the store
/// gives all of them back.
/// </summary>
public abstract class ActivationStore : IDisposable
{
    private readonly List<IDisposable> _owned = [];
    private bool _disposed;

    /// <summary>Takes ownership of <paramref name="item"/> (disposed with the store) and returns it; null passes through.</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(item))]
    public T? Keep<T>(T? item) where T : class, IDisposable
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (item is not null) _owned.Add(item);
        return item;
    }

    /// <summary>Whether the store was disposed.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>Gives back every kept tensor and nested store.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var owned in _owned) owned.Dispose();
        _owned.Clear();
        GC.SuppressFinalize(this);
    }
}
