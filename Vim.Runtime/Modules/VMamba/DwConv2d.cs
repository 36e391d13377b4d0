using Vim.Runtime.Devices;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Modules.VMamba;

/// <summary>Depthwise <c>nn.Conv2d</c> (groups = C, padding (k−1)/2): keys <c>weight</c> (C, 1, k, k), <c>bias</c> (C).</summary>
public sealed class DwConv2d : Module
{
    /// <summary>Registers the weight and, with <paramref name="bias"/>, the bias, both U(±1/k) as PyTorch initialises them.</summary>
    /// <param name="channels">C.</param>
    /// <param name="kernel">k (odd).</param>
    /// <param name="bias">Whether there is a bias.</param>
    /// <param name="device">Where the parameters are allocated.</param>
    public DwConv2d(int channels, int kernel, bool bias, Device device) : base(device)
    {
        var init = ParameterInit.Uniform(1.0 / kernel);
        Weight = RegisterParameter("weight", new Shape(channels, 1, kernel, kernel), init);
        Bias = bias ? RegisterParameter("bias", new Shape(channels), init) : null;
    }

    /// <summary><c>weight</c> (C, 1, k, k).</summary>
    public Parameter Weight { get; }

    /// <summary><c>bias</c> (C), or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>The first C channels of x (B, H, W, ≥C) → (B, H, W, C).</summary>
    public Tensor Forward(Tensor x) => Backends.For(x.Device).DepthwiseConv2d(x, Weight, Bias);

    /// <summary>Backward at input x: weight and bias gradients; adds ∂/∂x to the first C channels of dx (x's shape).</summary>
    public void Backward(Tensor x, Tensor dy, Tensor dx) => Backends.For(x.Device).DepthwiseConv2dBackward(x, dy, Weight, Bias, dx);
}
