using Vim.Runtime.Devices;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Ops;

/// <summary>The operations generated training code adds around the modules: residual sums and drop-path.</summary>
public static class TrainOps
{
    /// <summary>a + b as a new tensor (the training forward keeps both).</summary>
    public static Tensor Sum(Tensor a, Tensor b) => Backends.For(a.Device).Add(a, b);

    /// <summary>a += b in place.</summary>
    public static void AddInPlace(Tensor a, Tensor b) => Backends.For(a.Device).AddInPlace(a, b);

    /// <summary>Drop-path: x[i] *= scales[i] per sample, in place; nothing when <paramref name="scales"/> is null (no drop).</summary>
    public static void DropPathInPlace(Tensor x, float[]? scales)
    {
        if (scales is not null) Backends.For(x.Device).ScaleSamplesInPlace(x, scales);
    }

    /// <summary>A copy of x with drop-path's per-sample scales applied (the gradient of a dropped path; a plain copy when null).</summary>
    public static Tensor DropPath(Tensor x, float[]? scales)
    {
        var y = Copy(x);
        DropPathInPlace(y, scales);
        return y;
    }

    /// <summary>Dropout: x *= mask elementwise, in place (the forward, and the same mask on the gradient); nothing when null.</summary>
    public static void DropoutInPlace(Tensor x, float[]? mask)
    {
        if (mask is not null) Backends.For(x.Device).MultiplyInPlace(x, mask);
    }

    /// <summary>A copy of x.</summary>
    public static Tensor Copy(Tensor x)
    {
        var y = Tensor.Empty(x.Shape, x.Device);
        x.CopyTo(y);
        return y;
    }
}
