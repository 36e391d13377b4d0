using Vim.Runtime.Devices;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Modules;

/// <summary>y = x · weightᵀ + bias (PyTorch <c>nn.Linear</c>; keys <c>weight</c> (out, in), <c>bias</c> (out)).</summary>
public sealed class Linear : Module
{
    /// <summary>Registers <c>weight</c> and, with <paramref name="bias"/>, <c>bias</c>.</summary>
    /// <param name="inFeatures">Input width.</param>
    /// <param name="outFeatures">Output width.</param>
    /// <param name="bias">Whether there is a bias.</param>
    /// <param name="device">Where the parameters are allocated.</param>
    /// <param name="weightInit">Weight initialisation; PyTorch's default U(±1/sqrt(in)) when null.</param>
    /// <param name="biasInit">Bias initialisation; zeros when null (Vim's <c>_init_weights</c> zeroes Linear biases).</param>
    public Linear(int inFeatures, int outFeatures, bool bias, Device device, ParameterInit? weightInit = null, ParameterInit? biasInit = null)
        : base(device)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", new Shape(outFeatures, inFeatures), weightInit ?? ParameterInit.Uniform(1.0 / Math.Sqrt(inFeatures)));
        Bias = bias ? RegisterParameter("bias", new Shape(outFeatures), biasInit ?? ParameterInit.Zeros) : null;
    }

    /// <summary>Input width.</summary>
    public int InFeatures { get; }

    /// <summary>Output width.</summary>
    public int OutFeatures { get; }

    /// <summary><c>weight</c> (out, in).</summary>
    public Parameter Weight { get; }

    /// <summary><c>bias</c> (out), or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>x (…, in) → (…, out).</summary>
    public Tensor Forward(Tensor x) => Backends.For(x.Device).Linear(x, Weight, Bias);

    /// <summary>Backward at input x for the output gradient dy: weight.Grad += dyᵀ·x, bias.Grad += Σ dy; returns dx = dy·W (null when not wanted).</summary>
    public Tensor? Backward(Tensor x, Tensor dy, bool inputGradient = true) => Backends.For(x.Device).LinearBackward(x, dy, Weight, Bias, inputGradient);
}
