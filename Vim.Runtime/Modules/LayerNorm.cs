using Vim.Runtime.Devices;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Modules;

/// <summary>LayerNorm: y = (x − mean) / sqrt(var + eps) · w + b, biased variance. Keys <c>weight</c>, <c>bias</c>.</summary>
public sealed class LayerNorm : Module
{
    /// <summary>Registers <c>weight</c> (D, ones) and <c>bias</c> (D, zeros).</summary>
    public LayerNorm(int dim, float epsilon, Device device) : base(device)
    {
        Epsilon = epsilon;
        Weight = RegisterParameter("weight", new Shape(dim), ParameterInit.Ones);
        Bias = RegisterParameter("bias", new Shape(dim), ParameterInit.Zeros);
    }

    /// <summary><c>weight</c> (D).</summary>
    public Parameter Weight { get; }

    /// <summary><c>bias</c> (D).</summary>
    public Parameter Bias { get; }

    /// <summary>eps.</summary>
    public float Epsilon { get; }

    /// <summary>Normalises each row of x (…, D).</summary>
    public Tensor Forward(Tensor x) => Backends.For(x.Device).Norm(x, NormKind.Layer, Weight, Bias, Epsilon);

    /// <summary>residual += hidden (in place), returns the normalised sum (the fused add + norm).</summary>
    public Tensor AddForward(Tensor hidden, Tensor residual) => Backends.For(hidden.Device).AddNorm(hidden, residual, NormKind.Layer, Weight, Bias, Epsilon);

    /// <summary>Backward at input x: weight.Grad and bias.Grad += their gradients; dx (=, or += when <paramref name="accumulate"/>) ∂/∂x.</summary>
    public void Backward(Tensor x, Tensor dy, Tensor dx, bool accumulate) => Backends.For(x.Device).NormBackward(x, dy, NormKind.Layer, Weight, Bias, Epsilon, dx, accumulate);

    /// <summary>Backward at input x as a new tensor: weight.Grad and bias.Grad += their gradients; returns ∂/∂x.</summary>
    public Tensor Backward(Tensor x, Tensor dy)
    {
        var dx = Tensor.Empty(x.Shape, x.Device);
        Backward(x, dy, dx, accumulate: false);
        return dx;
    }
}
