namespace Vim.Runtime.Devices;

/// <summary>Finds the backend that computes on a device.</summary>
public static class Backends
{
    /// <summary>The backend for <paramref name="device"/>.</summary>
    /// <exception cref="DeviceUnavailableException">The device cannot be used on this machine.</exception>
    public static IBackend For(Device device) => device.Kind switch
    {
        DeviceKind.Cpu => CpuBackend.Instance,
        DeviceKind.Meta => throw new InvalidOperationException("The meta device holds shapes only; it cannot compute. Move the model to Device.Cpu or Device.Cuda(n) first."),
        // libvimkernels.so through its C ABI; refused with the reason (library not found, no CUDA device) where it cannot run.
        DeviceKind.Cuda => CudaBackend.For(device),
        _ => throw new DeviceUnavailableException(device, $"unknown device kind {device.Kind}."),
    };
}
