using Vim.Runtime.Devices;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Modules;

/// <summary>The Mamba mixer's depthwise Conv1d (groups = channels, padding K − 1, first L outputs kept). Keys <c>weight</c> (E, 1, K), <c>bias</c> (E).</summary>
public sealed class DepthwiseConv1d : Module
{
    /// <summary>Registers the weight and optional bias with PyTorch's default init (fan_in = K: U(±1/sqrt(K))).</summary>
    public DepthwiseConv1d(int channels, int kernelSize, bool bias, Device device) : base(device)
    {
        var init = ParameterInit.Uniform(1.0 / Math.Sqrt(kernelSize));
        Weight = RegisterParameter("weight", new Shape(channels, 1, kernelSize), init);
        Bias = bias ? RegisterParameter("bias", new Shape(channels), init) : null;
    }

    /// <summary><c>weight</c> (E, 1, K).</summary>
    public Parameter Weight { get; }

    /// <summary><c>bias</c> (E), or null.</summary>
    public Parameter? Bias { get; }
}
