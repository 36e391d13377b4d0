using System.Buffers;
using Vim.Kernels.Cpu;
using Vim.Runtime.Devices;

namespace Vim.Runtime.Tensors;

/// <summary>
/// A dense, contiguous, row-major float32 tensor on a <see cref="Devices.Device"/>.
/// Intermediate tensors of a forward pass rent their storage from a pool and give it back on
/// <see cref="Dispose"/>, so a steady stream of forward calls does not churn the garbage collector.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    // Buckets up to 2^28 floats (1 GiB); a forward pass of vim_base at batch 128 stays below that per tensor.
    private static readonly ArrayPool<float> Pool = ArrayPool<float>.Create(1 << 28, 32);

    // The large tensors' arrays, which must not move (see Empty).
    private static readonly ArrayPool<float> PinnedPool = PinnedArrayPool.Shared;

    private float[]? _data;
    private readonly int _offset;
    private readonly ArrayPool<float>? _pool;
    private bool _disposed;

    private Tensor(Shape shape, Device device, float[]? data, ArrayPool<float>? pool, int offset = 0)
    {
        Shape = shape;
        Device = device;
        _data = data;
        _pool = pool;
        _offset = offset;
    }

    /// <summary>The dimensions.</summary>
    public Shape Shape { get; }

    /// <summary>Where the data lives.</summary>
    public Device Device { get; }

    /// <summary>The element type (always <see cref="DType.F32"/> for now).</summary>
    public DType DType => DType.F32;

    /// <summary>Number of elements.</summary>
    public long Numel => Shape.Numel;

    /// <summary>Number of dimensions.</summary>
    public int Rank => Shape.Rank;

    /// <summary>Creates a CPU tensor holding a copy of <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">The data length does not equal the shape's element count.</exception>
    public static Tensor FromArray(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        var s = new Shape(shape);
        if (data.LongLength != s.Numel)
        {
            throw new ArgumentException($"Tensor.FromArray: {data.Length} values do not fill shape {s} ({s.Numel} elements).", nameof(data));
        }
        return new Tensor(s, Device.Cpu, (float[])data.Clone(), pool: null);
    }

    /// <summary>Wraps <paramref name="data"/> without copying; the tensor then owns the array.</summary>
    internal static Tensor Wrap(float[] data, Shape shape)
    {
        if (data.LongLength < shape.Numel) throw new ArgumentException($"Array of {data.Length} values is too short for shape {shape}.");
        return new Tensor(shape, Device.Cpu, data, pool: null);
    }

    /// <summary>A tensor with unspecified contents (pooled storage on the CPU).</summary>
    public static Tensor Empty(Shape shape, Device device)
    {
        if (device.Kind == DeviceKind.Meta) return new Tensor(shape, device, null, pool: null);
        if (device.Kind != DeviceKind.Cpu) return Backends.For(device).Allocate(shape);
        long n = shape.Numel;
        if (n > Array.MaxLength) throw new ArgumentException($"Tensor of shape {shape} has {n} elements; at most {Array.MaxLength} fit in one CPU tensor.");
        if (n < AlignFrom || n > Array.MaxLength - 16) return new Tensor(shape, device, Pool.Rent((int)Math.Max(n, 1)), Pool);
        // Start the elements on a 64-byte boundary: the kernels' 32-byte vector loads then never straddle two cache
        // lines. The offset is computed once, so the array comes from the pinned heap, where the GC never moves it.
        float[] data = PinnedPool.Rent((int)n + 16);
        return new Tensor(shape, device, data, PinnedPool, AlignedOffset(data));
    }

    /// <summary>A CPU tensor with unspecified contents.</summary>
    public static Tensor Empty(params int[] shape) => Empty(new Shape(shape), Device.Cpu);

    // 85,000 bytes: from here arrays go to the large-object heap.
    private const long AlignFrom = 85_000 / sizeof(float);

    private static unsafe int AlignedOffset(float[] data)
    {
        fixed (float* p = data)
        {
            return (int)((64 - ((nint)p & 63)) & 63) / sizeof(float);
        }
    }

    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(Shape shape, Device device)
    {
        var t = Empty(shape, device);
        if (device.Kind == DeviceKind.Cpu) t.Span.Clear();
        else if (device.Kind != DeviceKind.Meta) Backends.For(device).Fill(t, 0f);
        return t;
    }

    /// <summary>A CPU tensor of zeros.</summary>
    public static Tensor Zeros(params int[] shape) => Zeros(new Shape(shape), Device.Cpu);

    /// <summary>The elements of a CPU tensor, row-major.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not on the CPU.</exception>
    /// <exception cref="ObjectDisposedException">The tensor was disposed.</exception>
    public Span<float> Span
    {
        get
        {
            ThrowIfDisposed();
            if (Device.Kind != DeviceKind.Cpu || _data is null)
            {
                throw new InvalidOperationException($"Tensor of shape {Shape} is on {Device}; only CPU tensors expose their elements. Call ToArray() or move it with To(Device.Cpu).");
            }
            return _data.AsSpan(_offset, (int)Numel);
        }
    }

    /// <summary>Storage owned by a non-CPU backend (a device pointer's handle).</summary>
    internal object? DeviceStorage { get; private init; }

    /// <summary>Creates a tensor whose storage belongs to a non-CPU backend.</summary>
    internal static Tensor FromDeviceStorage(Shape shape, Device device, object storage)
        => new(shape, device, null, pool: null) { DeviceStorage = storage };

    /// <summary>Copies the elements to a new array (downloading them from a device if needed).</summary>
    public float[] ToArray()
    {
        ThrowIfDisposed();
        return Device.Kind switch
        {
            DeviceKind.Cpu => Span.ToArray(),
            DeviceKind.Meta => throw new InvalidOperationException($"Tensor of shape {Shape} is on the meta device and has no values."),
            _ => Backends.For(Device).Download(this),
        };
    }

    /// <summary>Returns a copy on <paramref name="device"/> (this tensor if it is already there).</summary>
    public Tensor To(Device device)
    {
        ThrowIfDisposed();
        if (device == Device) return this;
        if (device.Kind == DeviceKind.Meta) return new Tensor(Shape, device, null, pool: null);
        if (Device.Kind == DeviceKind.Meta) return Zeros(Shape, device);
        float[] host = ToArray();
        if (device.Kind == DeviceKind.Cpu) return new Tensor(Shape, device, host, pool: null);
        return Backends.For(device).Upload(host, Shape);
    }

    /// <summary>The same elements viewed with another shape of equal element count (copies on the CPU).</summary>
    public Tensor Reshape(params int[] shape)
    {
        var s = new Shape(shape);
        if (s.Numel != Numel) throw new ArgumentException($"Reshape: cannot view {Shape} ({Numel} elements) as {s} ({s.Numel} elements).");
        var t = Empty(s, Device);
        CopyTo(t);
        return t;
    }

    /// <summary>Copies all elements into <paramref name="destination"/>, which must have as many elements on the same device.</summary>
    public void CopyTo(Tensor destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.Numel != Numel || destination.Device != Device)
        {
            throw new ArgumentException($"CopyTo: source {Shape} on {Device} and destination {destination.Shape} on {destination.Device} differ.");
        }
        if (Device.Kind == DeviceKind.Cpu) Span.CopyTo(destination.Span);
        else if (Device.Kind != DeviceKind.Meta) Backends.For(Device).Copy(this, destination);
    }

    /// <summary>Gives pooled storage back. Using the tensor afterwards throws.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_pool is not null && _data is not null) _pool.Return(_data);
        else if (DeviceStorage is IDisposable d) d.Dispose();
        _data = null;
    }

    /// <summary>Whether <see cref="Dispose"/> was called.</summary>
    public bool IsDisposed => _disposed;

    private void ThrowIfDisposed()
    {
        if (_disposed) throw new ObjectDisposedException(nameof(Tensor), $"Tensor of shape {Shape} on {Device} was disposed.");
    }

    /// <summary>Shape and device, e.g. <c>Tensor(2, 197, 192) on cpu</c>.</summary>
    public override string ToString() => $"Tensor{Shape} on {Device}";
}
