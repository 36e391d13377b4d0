namespace Vim.Runtime.Devices;

/// <summary>The requested device cannot be used here (no GPU, or the native kernels are not built).</summary>
public sealed class DeviceUnavailableException(Device device, string reason)
    : Exception($"Device {device} is not available: {reason}")
{
    /// <summary>The device that was asked for.</summary>
    public Device Device { get; } = device;
}
