// Backward of Conv2d.Forward (groups 1, zero padding, stride s; input channel-first or channel-last, output channel-last),
// computed as im2col · Wᵀ is:  dW += doutᵀ · cols,  db += Σ dout,  dcols = dout · W,  dx = col2im(dcols).
// col2im adds every window's values back at their pixels (overlaps sum), one image per task in pixel order, so the
// result does not depend on the thread count.
using System.Buffers;

namespace Vim.Kernels.Cpu;

/// <summary>Gradients of the VMamba stem and downsample convolutions.</summary>
public static unsafe class Conv2dGrad
{
    /// <summary>dW, db += their gradients; dInput (when not empty) = the input gradient in the input's layout (overwritten).</summary>
    public static void Backward(int batch, int channels, int height, int width, ReadOnlySpan<float> input, bool channelFirstInput,
        ReadOnlySpan<float> weight, int outChannels, int kernelH, int kernelW, int stride, int padding,
        ReadOnlySpan<float> dOutput, Span<float> dWeight, Span<float> dBias, Span<float> dInput)
    {
        const string Name = "Conv2dGrad.Backward";
        Guard.Positive(Name, nameof(channels), channels);
        Guard.Positive(Name, nameof(outChannels), outChannels);
        Guard.Positive(Name, nameof(stride), stride);
        Guard.NonNegative(Name, nameof(padding), padding);
        int ho = Conv2d.OutputSize(height, kernelH, stride, padding), wo = Conv2d.OutputSize(width, kernelW, stride, padding);
        if (ho <= 0 || wo <= 0) throw new ArgumentException($"{Name}: input {height}x{width} is too small for kernel {kernelH}x{kernelW} with padding {padding}.");
        int k = channels * kernelH * kernelW, pixels = ho * wo, rows = batch * pixels;
        long plane = (long)channels * height * width;
        string inShape = $"(B={batch}, C={channels}, H={height}, W={width})";
        Guard.Exactly(Name, nameof(input), input.Length, batch * plane, inShape);
        Guard.OptionalExactly(Name, nameof(dInput), dInput.Length, batch * plane, inShape);
        Guard.Exactly(Name, nameof(weight), weight.Length, (long)outChannels * k, $"(O={outChannels}, C={channels}, {kernelH}, {kernelW})");
        Guard.Exactly(Name, nameof(dWeight), dWeight.Length, (long)outChannels * k, $"(O={outChannels}, C={channels}, {kernelH}, {kernelW})");
        Guard.OptionalExactly(Name, nameof(dBias), dBias.Length, outChannels, $"O={outChannels}");
        Guard.Exactly(Name, nameof(dOutput), dOutput.Length, (long)rows * outChannels, $"(B={batch}, Ho={ho}, Wo={wo}, O={outChannels})");
        if (rows == 0) return;

        float[] cols = ArrayPool<float>.Shared.Rent(rows * k);
        try
        {
            fixed (float* pin = input)
            fixed (float* pcol = cols)
            {
                nint ip = (nint)pin, cp = (nint)pcol;
                KernelThreading.For(batch, (long)rows * k >= 1 << 16, b =>
                {
                    var image = new ReadOnlySpan<float>((float*)ip + b * plane, (int)plane);
                    Conv2d.Im2Col(image, channelFirstInput, channels, height, width, kernelH, kernelW, stride, padding, wo, 0, pixels,
                        new Span<float>((float*)cp + (long)b * pixels * k, pixels * k));
                });
            }

            LinearGrad.Weight(rows, outChannels, k, dOutput, outChannels, cols.AsSpan(0, rows * k), k, dWeight, k);
            if (!dBias.IsEmpty) LinearGrad.Bias(rows, outChannels, dOutput, outChannels, dBias);
            if (dInput.IsEmpty) return;

            LinearGrad.Input(rows, outChannels, k, dOutput, outChannels, weight, k, cols.AsSpan(0, rows * k), k, accumulate: false);
            dInput.Clear();
            int sc = channelFirstInput ? height * width : 1;
            int sy = channelFirstInput ? width : width * channels;
            int sx = channelFirstInput ? 1 : channels;
            fixed (float* pcol = cols)
            fixed (float* pdi = dInput)
            {
                nint cp = (nint)pcol, dp = (nint)pdi;
                KernelThreading.For(batch, (long)rows * k >= 1 << 16, b =>
                {
                    float* image = (float*)dp + b * plane;
                    float* src = (float*)cp + (long)b * pixels * k;
                    for (int pixel = 0; pixel < pixels; pixel++)
                    {
                        int oy = pixel / wo, ox = pixel % wo;
                        for (int c = 0; c < channels; c++)
                        {
                            for (int ky = 0; ky < kernelH; ky++)
                            {
                                int y = oy * stride - padding + ky;
                                bool rowInside = (uint)y < (uint)height;
                                for (int kx = 0; kx < kernelW; kx++, src++)
                                {
                                    int x = ox * stride - padding + kx;
                                    if (rowInside && (uint)x < (uint)width) image[c * sc + y * sy + x * sx] += *src;
                                }
                            }
                        }
                    }
                });
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(cols);
        }
    }
}
