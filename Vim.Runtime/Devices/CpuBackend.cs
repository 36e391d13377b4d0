using Vim.Runtime.Tensors;

namespace Vim.Runtime.Devices;

/// <summary>The CPU backend: host memory and the managed SIMD kernels of <c>Vim.Kernels.Cpu</c>.</summary>
public sealed partial class CpuBackend : IBackend
{
    /// <summary>The one CPU backend.</summary>
    public static CpuBackend Instance { get; } = new();

    private CpuBackend()
    {
    }

    /// <inheritdoc/>
    public Device Device => Device.Cpu;

    /// <inheritdoc/>
    public Tensor Allocate(Shape shape) => Tensor.Empty(shape, Device.Cpu);

    /// <inheritdoc/>
    public void Fill(Tensor tensor, float value) => tensor.Span.Fill(value);

    /// <inheritdoc/>
    public float[] Download(Tensor tensor) => tensor.Span.ToArray();

    /// <inheritdoc/>
    public Tensor Upload(float[] host, Shape shape) => Tensor.Wrap((float[])host.Clone(), shape);

    /// <inheritdoc/>
    public void Copy(Tensor source, Tensor destination) => source.Span.CopyTo(destination.Span);
}
