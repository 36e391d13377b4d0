using Vim.Runtime.Devices;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Modules;

/// <summary>RMSNorm (mamba_ssm's Triton <c>RMSNorm</c>): y = x / sqrt(mean(x²) + eps) · w. Key <c>weight</c>.</summary>
public sealed class RmsNorm : Module
{
    /// <summary>Registers <c>weight</c> (D), initialised to ones.</summary>
    public RmsNorm(int dim, float epsilon, Device device) : base(device)
    {
        Epsilon = epsilon;
        Weight = RegisterParameter("weight", new Shape(dim), ParameterInit.Ones);
    }

    /// <summary><c>weight</c> (D).</summary>
    public Parameter Weight { get; }

    /// <summary>eps.</summary>
    public float Epsilon { get; }

    /// <summary>Normalises each row of x (…, D).</summary>
    public Tensor Forward(Tensor x) => Backends.For(x.Device).Norm(x, NormKind.Rms, Weight, null, Epsilon);

    /// <summary>residual += hidden (in place), returns the normalised sum (the fused add + norm).</summary>
    public Tensor AddForward(Tensor hidden, Tensor residual) => Backends.For(hidden.Device).AddNorm(hidden, residual, NormKind.Rms, Weight, null, Epsilon);

    /// <summary>Backward at input x: weight.Grad += its gradient; dx (=, or += when <paramref name="accumulate"/>) ∂/∂x.</summary>
    public void Backward(Tensor x, Tensor dy, Tensor dx, bool accumulate) => Backends.For(x.Device).NormBackward(x, dy, NormKind.Rms, Weight, null, Epsilon, dx, accumulate);
}
