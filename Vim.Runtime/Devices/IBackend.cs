using Vim.Runtime.Tensors;

namespace Vim.Runtime.Devices;

/// <summary>
/// The complete list of operations a device must provide. The generated model code and the runtime's
/// modules call these through <see cref="Backends.For(Device)"/>; nothing above this seam knows which device runs.
/// </summary>
public interface IBackend
{
    /// <summary>The device this backend computes on.</summary>
    Device Device { get; }

    /// <summary>A tensor with unspecified contents.</summary>
    Tensor Allocate(Shape shape);

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    void Fill(Tensor tensor, float value);

    /// <summary>Copies a tensor's elements to host memory.</summary>
    float[] Download(Tensor tensor);

    /// <summary>Creates a tensor on this device from host values.</summary>
    Tensor Upload(float[] host, Shape shape);

    /// <summary>Copies all elements of <paramref name="source"/> into <paramref name="destination"/> (same element count).</summary>
    void Copy(Tensor source, Tensor destination);
}
