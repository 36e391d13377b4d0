using Vim.Kernels.Native;

namespace Vim.Runtime.Devices;

/// <summary>
/// A tensor's device memory: a block of the native caching allocator, given back on <see cref="Dispose"/>
/// (or by the finalizer when a tensor was dropped without disposal). Reuse is ordered on the backend's one stream.
/// </summary>
internal sealed class CudaStorage : IDisposable
{
    private readonly nint _stream;
    private nint _pointer;

    public CudaStorage(nint stream, nint pointer, long bytes)
    {
        _stream = stream;
        _pointer = pointer;
        Bytes = bytes;
    }

    /// <summary>Size in bytes as asked for.</summary>
    public long Bytes { get; }

    /// <summary>The device address.</summary>
    public nint Pointer => _pointer != 0 ? _pointer : throw new ObjectDisposedException(nameof(CudaStorage), "The device memory was already given back.");

    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    ~CudaStorage() => Release();

    private void Release()
    {
        nint p = Interlocked.Exchange(ref _pointer, 0);
        if (p != 0) _ = NativeMethods.Free(_stream, p); // thread-safe in the library; nothing to report from a finalizer
    }
}
