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
        // The native CUDA backend is the subject of issue #4; until it lands every CUDA request is refused clearly.
        _ => throw new DeviceUnavailableException(device, "this build has no CUDA backend yet (libvimkernels.so and its bindings arrive with issue #4); use Device.Cpu."),
    };
}
