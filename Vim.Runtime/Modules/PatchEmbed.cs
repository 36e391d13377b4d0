using Vim.Runtime.Devices;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Modules;

/// <summary>Patch embedding (Vim's <c>PatchEmbed</c>): a Conv2d with kernel P and stride S, flattened row-major to tokens. Keys <c>proj.weight</c>, <c>proj.bias</c>.</summary>
public sealed class PatchEmbed : Module
{
    /// <summary>Registers <c>proj.weight</c> (D, C, P, P) and <c>proj.bias</c> (D).</summary>
    public PatchEmbed(int channels, int embedDim, int patchSize, int stride, Device device) : base(device)
    {
        Stride = stride;
        Proj = RegisterModule("proj", new Conv2dWeights(channels, embedDim, patchSize, device));
    }

    /// <summary>Convolution stride.</summary>
    public int Stride { get; }

    /// <summary>The projection's parameters.</summary>
    public Conv2dWeights Proj { get; }

    /// <summary>Images (B, C, H, W) → tokens (B, Gh·Gw, D).</summary>
    public Tensor Forward(Tensor images) => Backends.For(images.Device).PatchEmbed(images, Proj.Weight, Proj.Bias, Stride);

    /// <summary>Backward for the token gradient: weight and bias gradients; returns ∂/∂images when <paramref name="inputGradient"/>.</summary>
    public Tensor? Backward(Tensor images, Tensor dTokens, bool inputGradient) =>
        Backends.For(images.Device).PatchEmbedBackward(images, dTokens, Proj.Weight, Proj.Bias, Stride, inputGradient);

    /// <summary>The weight and bias of a square Conv2d (initialised as timm's <c>lecun_normal_</c> weight and zero bias).</summary>
    public sealed class Conv2dWeights : Module
    {
        internal Conv2dWeights(int channels, int embedDim, int patchSize, Device device) : base(device)
        {
            Weight = RegisterParameter("weight", new Shape(embedDim, channels, patchSize, patchSize), ParameterInit.LecunNormal(channels * patchSize * patchSize));
            Bias = RegisterParameter("bias", new Shape(embedDim), ParameterInit.Zeros);
        }

        /// <summary><c>weight</c> (D, C, P, P).</summary>
        public Parameter Weight { get; }

        /// <summary><c>bias</c> (D).</summary>
        public Parameter Bias { get; }
    }
}
