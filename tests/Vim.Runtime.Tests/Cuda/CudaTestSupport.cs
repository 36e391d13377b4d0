using Vim.Runtime.Devices;

namespace Vim.Runtime.Tests.Cuda;

/// <summary>GPU tests run one at a time (one stream, one device) and skip visibly where no GPU or no libvimkernels.so exists.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CudaCollection
{
    public const string Name = "cuda";
}

internal static class CudaTestSupport
{
    /// <summary>The CUDA backend of device 0, or an xunit skip naming why it is unavailable.</summary>
    public static CudaBackend Require()
    {
        try
        {
            return (CudaBackend)Backends.For(Device.Cuda(0));
        }
        catch (DeviceUnavailableException e)
        {
            Assert.Skip($"no CUDA device: {e.Message}");
            throw; // unreachable: Assert.Skip throws
        }
    }
}
