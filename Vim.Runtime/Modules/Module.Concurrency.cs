namespace Vim.Runtime.Modules;

public abstract partial class Module
{
    // Forwards read the parameter values under the read lock (any number at once); loading weights and moving the
    // module take the write lock, so they wait for the forwards in flight and the next forwards wait for them: a
    // forward sees all the old weights or all the new ones, never a mix, never a disposed tensor.
    private readonly ReaderWriterLockSlim _valuesLock = new(LockRecursionPolicy.SupportsRecursion);

    /// <summary>Runs <paramref name="read"/> while no load or move can change the parameter values.</summary>
    protected internal T ReadingValues<T>(Func<T> read)
    {
        _valuesLock.EnterReadLock();
        try
        {
            return read();
        }
        finally
        {
            _valuesLock.ExitReadLock();
        }
    }

    /// <summary>Runs <paramref name="change"/> once no forward reads the parameter values, and before any new one does.</summary>
    /// <exception cref="InvalidOperationException">Called from inside a forward of this module (an <c>Observer</c> callback, say).</exception>
    protected internal void ChangingValues(Action change)
    {
        if (_valuesLock.IsReadLockHeld)
        {
            throw new InvalidOperationException($"{GetType().Name}: its weights cannot be loaded or moved from inside one of its own forward passes (an Observer callback, say); do it after the pass returns.");
        }
        _valuesLock.EnterWriteLock();
        try
        {
            change();
        }
        finally
        {
            _valuesLock.ExitWriteLock();
        }
    }
}
