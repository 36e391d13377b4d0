using Vim.Runtime.Devices;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Ops;

/// <summary>Elementwise operations used by generated model code.</summary>
public static class TensorOps
{
    /// <summary>a + b as a new tensor (same shape and device).</summary>
    public static Tensor Add(Tensor a, Tensor b) => Backends.For(a.Device).Add(a, b);

    /// <summary>a += b (same element count, same device).</summary>
    public static void AddInPlace(Tensor a, Tensor b) => Backends.For(a.Device).AddInPlace(a, b);

    /// <summary>a *= scale.</summary>
    public static void ScaleInPlace(Tensor a, float scale) => Backends.For(a.Device).ScaleInPlace(a, scale);

    /// <summary>a (…, D) *= v (D), per channel.</summary>
    public static void MultiplyLastAxisInPlace(Tensor a, Tensor v) => Backends.For(a.Device).MultiplyLastAxisInPlace(a, v);

    /// <summary>Backward of <see cref="MultiplyLastAxisInPlace"/> at input a: v's gradient accumulates; returns dy·v.</summary>
    public static Tensor MultiplyLastAxisBackward(Tensor a, Tensor dy, Modules.Parameter v) => Backends.For(a.Device).MultiplyLastAxisBackward(a, dy, v);
}
