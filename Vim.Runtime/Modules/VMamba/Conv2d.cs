using Vim.Runtime.Devices;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Modules.VMamba;

/// <summary>PyTorch <c>nn.Conv2d</c> (groups 1, zero padding): keys <c>weight</c> (O, C, k, k), <c>bias</c> (O); channel-last output.</summary>
public sealed class Conv2d : Module
{
    /// <summary>Registers the weight and, with <paramref name="bias"/>, the bias, both U(±1/sqrt(C·k²)) as PyTorch initialises them.</summary>
    /// <param name="inChannels">C.</param>
    /// <param name="outChannels">O.</param>
    /// <param name="kernel">k (square).</param>
    /// <param name="stride">Stride.</param>
    /// <param name="padding">Zero padding on each side.</param>
    /// <param name="bias">Whether there is a bias.</param>
    /// <param name="device">Where the parameters are allocated.</param>
    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, bool bias, Device device) : base(device)
    {
        Stride = stride;
        Padding = padding;
        var init = ParameterInit.Uniform(1.0 / Math.Sqrt(inChannels * kernel * kernel));
        Weight = RegisterParameter("weight", new Shape(outChannels, inChannels, kernel, kernel), init);
        Bias = bias ? RegisterParameter("bias", new Shape(outChannels), init) : null;
    }

    /// <summary>Stride.</summary>
    public int Stride { get; }

    /// <summary>Zero padding.</summary>
    public int Padding { get; }

    /// <summary><c>weight</c> (O, C, k, k).</summary>
    public Parameter Weight { get; }

    /// <summary><c>bias</c> (O), or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>x (B, C, H, W) when <paramref name="channelFirstInput"/>, else (B, H, W, C) → (B, Ho, Wo, O).</summary>
    public Tensor Forward(Tensor x, bool channelFirstInput) => Backends.For(x.Device).Conv2d(x, channelFirstInput, Weight, Bias, Stride, Padding);

    /// <summary>Backward at input x for the output gradient dy: weight and bias gradients; returns ∂/∂x in x's layout (null when not wanted).</summary>
    public Tensor? Backward(Tensor x, Tensor dy, bool channelFirstInput, bool inputGradient = true) =>
        Backends.For(x.Device).Conv2dBackward(x, channelFirstInput, dy, Weight, Bias, Stride, Padding, inputGradient);
}
