using System.Text;
using Vim.Kernels.Native;
using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Devices;

/// <summary>
/// The CUDA backend: device memory from libvimkernels' caching allocator and its native kernels, all queued on one
/// CUDA stream per device (cuBLAS SGEMM in strict fp32, TF32 off). <see cref="Backends.For(Device)"/> returns it
/// when <c>libvimkernels.so</c> loads and the device exists; otherwise it throws <see cref="DeviceUnavailableException"/>
/// with the reason.
/// </summary>
public sealed unsafe partial class CudaBackend : IBackend
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<int, CudaBackend> Instances = [];
    private static string? _unavailable;
    private readonly nint _stream;

    // The makers of the parameters' derived forms (Parameter.Derived), made once so a cache hit allocates nothing.
    private readonly Func<Parameter, Tensor> _makeNegExp;
    private readonly Func<Parameter, Bf16Copy> _makeBf16Copy;
    private readonly Func<Bf16Copy, bool> _bf16CopyUsable;

    private CudaBackend(Device device, nint stream, string name, long totalMemory)
    {
        Device = device;
        _stream = stream;
        DeviceName = name;
        TotalMemory = totalMemory;
        _makeNegExp = MakeNegExp;
        _makeBf16Copy = MakeBf16Copy;
        _bf16CopyUsable = copy => !copy.Storage.IsDisposed && copy.Storage.Device == Device;
    }

    /// <inheritdoc/>
    public Device Device { get; }

    /// <summary>The GPU's name as the driver reports it (e.g. <c>NVIDIA H100 80GB HBM3</c>).</summary>
    public string DeviceName { get; }

    /// <summary>The GPU's memory in bytes.</summary>
    public long TotalMemory { get; }

    /// <summary>Where <c>libvimkernels.so</c> was loaded from.</summary>
    public static string? LibraryPath => VimKernelsLibrary.LoadedFrom;

    /// <summary>The backend for CUDA device <paramref name="device"/>.</summary>
    /// <exception cref="DeviceUnavailableException">The library is missing, there is no CUDA device, or the index does not exist.</exception>
    public static CudaBackend For(Device device)
    {
        if (device.Kind != DeviceKind.Cuda) throw new ArgumentException($"{device} is not a CUDA device.", nameof(device));
        lock (Gate)
        {
            if (Instances.TryGetValue(device.Index, out var backend)) return backend;
            if (_unavailable is not null) throw new DeviceUnavailableException(device, _unavailable);
            if (!VimKernelsLibrary.TryLoad(out string reason))
            {
                _unavailable = reason;
                throw new DeviceUnavailableException(device, reason);
            }
            if (NativeMethods.DeviceCount(out int count) != VimStatus.Success)
            {
                _unavailable = NativeMethods.LastError();
                throw new DeviceUnavailableException(device, _unavailable);
            }
            if (device.Index >= count) throw new DeviceUnavailableException(device, $"CUDA device {device.Index} does not exist ({count} device(s) present).");
            if (NativeMethods.StreamCreate(device.Index, out nint stream) != VimStatus.Success)
            {
                throw new DeviceUnavailableException(device, $"could not open a stream: {NativeMethods.LastError()}");
            }
            byte* name = stackalloc byte[256];
            string deviceName = NativeMethods.DeviceName(device.Index, name, 256) == VimStatus.Success ? Encoding.UTF8.GetString(name, IndexOfZero(name, 256)) : "unknown";
            long total = NativeMethods.DeviceMemory(device.Index, out _, out nuint totalBytes) == VimStatus.Success ? (long)totalBytes : 0;
            backend = new CudaBackend(device, stream, deviceName, total);
            Instances[device.Index] = backend;
            return backend;
        }
    }

    private static int IndexOfZero(byte* s, int capacity)
    {
        int n = 0;
        while (n < capacity && s[n] != 0) n++;
        return n;
    }

    /// <summary>Throws the typed exception for a failed native call, with the library's message.</summary>
    private void Check(VimStatus status, string operation)
    {
        if (status == VimStatus.Success) return;
        string message = NativeMethods.LastError();
        if (status == VimStatus.OutOfMemory) throw new CudaOutOfMemoryException(Device, $"{operation}: {message}");
        throw new CudaException(Device, operation, NativeMethods.Describe(status), message);
    }

    /// <summary>Waits for all queued GPU work; reports asynchronous kernel failures.</summary>
    public void Synchronize() => Check(NativeMethods.StreamSynchronize(_stream), "Synchronize");

    /// <summary>Bytes held by live tensors and by the allocator's cache.</summary>
    public (long InUse, long Cached, long Peak) MemoryStats()
    {
        VimMemoryStats stats = default;
        stats.Size = (nuint)sizeof(VimMemoryStats);
        Check(NativeMethods.MemoryGetStats(_stream, &stats), "MemoryStats");
        return ((long)stats.BytesInUse, (long)stats.BytesCached, (long)stats.PeakBytesInUse);
    }

    /// <summary>Gives the allocator's unused cached blocks back to the driver.</summary>
    public void EmptyCache() => Check(NativeMethods.EmptyCache(_stream), "EmptyCache");

    /// <inheritdoc/>
    public Tensor Allocate(Shape shape)
    {
        long bytes = checked(shape.Numel * sizeof(float));
        VimStatus status = NativeMethods.Alloc(_stream, (nuint)bytes, out nint pointer);
        if (status == VimStatus.OutOfMemory)
        {
            // Tensors dropped without Dispose hold blocks until their finalizers run: collect, empty the cache, retry once.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            _ = NativeMethods.EmptyCache(_stream);
            status = NativeMethods.Alloc(_stream, (nuint)bytes, out pointer);
        }
        Check(status, $"Allocate{shape}");
        return Tensor.FromDeviceStorage(shape, Device, new CudaStorage(_stream, pointer, bytes));
    }

    /// <summary>The stream every op of this device runs on (collectives are queued on it too).</summary>
    internal nint Stream => _stream;

    /// <summary>The device address of <paramref name="t"/>'s elements, checked as every op checks them.</summary>
    internal nint DevicePointer(Tensor t) => (nint)Ptr(t);

    private float* Ptr(Tensor t)
    {
        if (t.Device != Device) throw new ArgumentException($"Tensor{t.Shape} is on {t.Device}, not {Device}; move it with To({Device}).");
        if (t.IsDisposed) throw new ObjectDisposedException(nameof(Tensor), $"Tensor of shape {t.Shape} on {Device} was disposed.");
        return t.DeviceStorage is CudaStorage s ? (float*)s.Pointer : throw new InvalidOperationException($"Tensor{t.Shape} on {Device} has no CUDA storage.");
    }

    /// <inheritdoc/>
    public void Fill(Tensor tensor, float value) => Check(NativeMethods.Fill(_stream, Ptr(tensor), tensor.Numel, value), "Fill");

    /// <inheritdoc/>
    public float[] Download(Tensor tensor)
    {
        var host = new float[tensor.Numel];
        fixed (float* h = host) Check(NativeMethods.Download(_stream, h, (nint)Ptr(tensor), (nuint)(host.LongLength * sizeof(float))), "Download");
        return host;
    }

    /// <inheritdoc/>
    public Tensor Upload(float[] host, Shape shape)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (host.LongLength < shape.Numel) throw new ArgumentException($"Upload: {host.Length} values do not fill shape {shape}.");
        var t = Allocate(shape);
        fixed (float* h = host) Check(NativeMethods.Upload(_stream, (nint)Ptr(t), h, (nuint)(shape.Numel * sizeof(float))), "Upload");
        return t;
    }

    /// <inheritdoc/>
    public void Copy(Tensor source, Tensor destination)
    {
        if (source.Numel != destination.Numel) throw new ArgumentException($"Copy: {source.Shape} and {destination.Shape} differ in size.");
        Check(NativeMethods.Copy(_stream, (nint)Ptr(destination), (nint)Ptr(source), (nuint)(source.Numel * sizeof(float))), "Copy");
    }
}
