namespace Vim.Runtime.Devices;

/// <summary>The GPU ran out of memory (after the allocator emptied its cache and the garbage collector ran).</summary>
public sealed class CudaOutOfMemoryException(Device device, string message)
    : OutOfMemoryException($"{device}: {message}")
{
    /// <summary>The device whose memory ran out.</summary>
    public Device Device { get; } = device;
}

/// <summary>A native CUDA kernel, copy or cuBLAS call failed; the message is the library's (<c>vim_last_error()</c>).</summary>
public sealed class CudaException(Device device, string operation, string status, string message)
    : Exception($"{device}: {operation} failed ({status}): {message}")
{
    /// <summary>The device the call ran on.</summary>
    public Device Device { get; } = device;

    /// <summary>The backend operation that failed.</summary>
    public string Operation { get; } = operation;
}
