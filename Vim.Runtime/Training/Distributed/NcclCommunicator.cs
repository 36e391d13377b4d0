using System.Runtime.InteropServices;
using Vim.Runtime.Devices;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Training.Distributed;

/// <summary>
/// A rank of a data-parallel group on NVIDIA GPUs, with NCCL as the engine: <c>libnccl.so.2</c> is loaded at run time
/// (the PyTorch wheel's <c>nvidia-nccl</c> carries it; <c>VIM_NCCL_PATH</c> names the file or its folder). One process
/// per GPU: each owns its device and stream as a single-GPU run does, and a rank that dies takes nothing else down.
/// Collectives are queued on the device's stream, in the order every rank calls them. NVLink multicast (NVLS) is
/// switched off before the communicator starts.
/// </summary>
public sealed unsafe class NcclCommunicator : ICommunicator
{
    private const int UniqueIdBytes = 128;
    private const int NcclFloat32 = 7, NcclSum = 0;

    private static readonly Lazy<Nccl> Library = new(Nccl.Load);
    private readonly CudaBackend _backend;
    private nint _comm;

    /// <summary>A new group's identity, made by rank 0 and handed to every rank (a file, an environment variable).</summary>
    /// <exception cref="DllNotFoundException">libnccl.so.2 cannot be found; the message says where it looked.</exception>
    public static byte[] CreateUniqueId()
    {
        var id = new byte[UniqueIdBytes];
        fixed (byte* p = id) Library.Value.Check(Library.Value.GetUniqueId(p), "ncclGetUniqueId");
        return id;
    }

    /// <summary>Joins the group <paramref name="uniqueId"/> as <paramref name="rank"/> of <paramref name="worldSize"/> on <paramref name="device"/>; blocks until every rank has joined.</summary>
    public NcclCommunicator(Device device, int rank, int worldSize, byte[] uniqueId)
    {
        ArgumentNullException.ThrowIfNull(uniqueId);
        if (uniqueId.Length != UniqueIdBytes) throw new ArgumentException($"An NCCL unique id has {UniqueIdBytes} bytes, got {uniqueId.Length}.", nameof(uniqueId));
        if (worldSize < 1 || rank < 0 || rank >= worldSize) throw new ArgumentOutOfRangeException(nameof(rank), $"Rank {rank} is outside 0..{worldSize - 1}.");
        _backend = CudaBackend.For(device);
        Environment.SetEnvironmentVariable("NCCL_NVLS_ENABLE", "0");
        Rank = rank;
        WorldSize = worldSize;
        var id = new NcclUniqueId();
        uniqueId.CopyTo(new Span<byte>(id.Bytes, UniqueIdBytes));
        nint comm;
        Library.Value.Check(Library.Value.CommInitRank(&comm, worldSize, id, rank), "ncclCommInitRank");
        _comm = comm;
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int WorldSize { get; }

    /// <inheritdoc/>
    public void AllReduceSum(Tensor buffer) => AllReduceSum([buffer]);

    /// <summary>Sums each buffer over the ranks, in place, as one grouped NCCL call (a gradient bucket).</summary>
    public void AllReduceSum(IReadOnlyList<Tensor> buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        var nccl = Library.Value;
        nccl.Check(nccl.GroupStart(), "ncclGroupStart");
        try
        {
            foreach (var b in buffers)
            {
                nint p = _backend.DevicePointer(b);
                nccl.Check(nccl.AllReduce(p, p, (nuint)b.Numel, NcclFloat32, NcclSum, Comm, _backend.Stream), "ncclAllReduce");
            }
        }
        finally
        {
            nccl.Check(nccl.GroupEnd(), "ncclGroupEnd");
        }
    }

    /// <inheritdoc/>
    public void Broadcast(Tensor buffer, int root)
    {
        nint p = _backend.DevicePointer(buffer);
        Library.Value.Check(Library.Value.Broadcast(p, p, (nuint)buffer.Numel, NcclFloat32, root, Comm, _backend.Stream), "ncclBroadcast");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_comm == 0) return;
        _backend.Synchronize();
        Library.Value.CommDestroy(_comm);
        _comm = 0;
    }

    private nint Comm => _comm != 0 ? _comm : throw new ObjectDisposedException(nameof(NcclCommunicator));

    [StructLayout(LayoutKind.Sequential)]
    private struct NcclUniqueId
    {
        public fixed byte Bytes[UniqueIdBytes];
    }

    /// <summary>The NCCL entry points this communicator calls, resolved once.</summary>
    private sealed class Nccl
    {
        public delegate* unmanaged<byte*, int> GetUniqueId;
        public delegate* unmanaged<nint*, int, NcclUniqueId, int, int> CommInitRank;
        public delegate* unmanaged<nint, nint, nuint, int, int, nint, nint, int> AllReduce;
        public delegate* unmanaged<nint, nint, nuint, int, int, nint, nint, int> Broadcast;
        public delegate* unmanaged<int> GroupStart;
        public delegate* unmanaged<int> GroupEnd;
        public delegate* unmanaged<nint, int> CommDestroy;
        public delegate* unmanaged<int, byte*> GetErrorString;

        public static Nccl Load()
        {
            string? configured = Environment.GetEnvironmentVariable("VIM_NCCL_PATH");
            var candidates = new List<string>();
            if (!string.IsNullOrEmpty(configured)) candidates.Add(Directory.Exists(configured) ? Path.Combine(configured, "libnccl.so.2") : configured);
            candidates.Add("libnccl.so.2");
            nint handle = 0;
            foreach (var candidate in candidates)
            {
                if (NativeLibrary.TryLoad(candidate, out handle)) break;
            }
            if (handle == 0)
            {
                throw new DllNotFoundException($"libnccl.so.2 was not found (tried {string.Join(", ", candidates)}); set VIM_NCCL_PATH to it or its folder (PyTorch's wheel has it under site-packages/nvidia/nccl/lib).");
            }
            nint F(string name) => NativeLibrary.GetExport(handle, name);
            return new Nccl
            {
                GetUniqueId = (delegate* unmanaged<byte*, int>)F("ncclGetUniqueId"),
                CommInitRank = (delegate* unmanaged<nint*, int, NcclUniqueId, int, int>)F("ncclCommInitRank"),
                AllReduce = (delegate* unmanaged<nint, nint, nuint, int, int, nint, nint, int>)F("ncclAllReduce"),
                Broadcast = (delegate* unmanaged<nint, nint, nuint, int, int, nint, nint, int>)F("ncclBroadcast"),
                GroupStart = (delegate* unmanaged<int>)F("ncclGroupStart"),
                GroupEnd = (delegate* unmanaged<int>)F("ncclGroupEnd"),
                CommDestroy = (delegate* unmanaged<nint, int>)F("ncclCommDestroy"),
                GetErrorString = (delegate* unmanaged<int, byte*>)F("ncclGetErrorString"),
            };
        }

        public void Check(int result, string call)
        {
            if (result == 0) return;
            string message = Marshal.PtrToStringUTF8((nint)GetErrorString(result)) ?? "unknown error";
            throw new InvalidOperationException($"{call} failed: NCCL error {result} ({message}).");
        }
    }
}
