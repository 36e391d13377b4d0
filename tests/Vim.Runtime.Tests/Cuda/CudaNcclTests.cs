using Vim.Runtime.Tensors;
using Vim.Runtime.Training.Distributed;

namespace Vim.Runtime.Tests.Cuda;

/// <summary>The NCCL communicator as one rank on one GPU (what a one-GPU machine can check): collectives in place on the device's stream.</summary>
[Collection(CudaCollection.Name)]
public class CudaNcclTests
{
    [Fact]
    public void SingleRankCommunicator_AllReducesAndBroadcastsInPlace()
    {
        var backend = CudaTestSupport.Require();
        byte[] id;
        try
        {
            id = NcclCommunicator.CreateUniqueId();
        }
        catch (DllNotFoundException e)
        {
            Assert.Skip(e.Message);
            throw;
        }
        using var communicator = new NcclCommunicator(backend.Device, rank: 0, worldSize: 1, id);
        var host = Enumerable.Range(0, 4099).Select(i => i * 0.25f - 7f).ToArray();
        using var a = Tensor.FromArray(host, 4099).To(backend.Device);
        using var b = Tensor.FromArray(host.Reverse().ToArray(), 17, 241).To(backend.Device);
        communicator.AllReduceSum([a, b]);
        communicator.Broadcast(a, root: 0);
        Assert.Equal(host, a.ToArray());
        Assert.Equal(host.Reverse(), b.ToArray());
        TestContext.Current.TestOutputHelper?.WriteLine($"NCCL single-rank communicator on {backend.DeviceName}: all-reduce and broadcast in place");
    }
}
