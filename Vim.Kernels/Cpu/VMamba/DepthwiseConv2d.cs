// Depthwise Conv2d on channel-last maps (SS2D's conv2d, groups = C): "same" zero padding (k−1)/2,
//   out[b, y, x, c] = bias[c] + Σ_{ky,kx} w[c, 0, ky, kx] · in[b, y + ky − p, x + kx − p, c]
// input pixels are rows of C values spaced ldIn apart (a slice of in_proj's output); output (B, H, W, C).
using System.Numerics;

namespace Vim.Kernels.Cpu;

/// <summary>Depthwise 2-D convolution over channel-last maps, vectorised over channels.</summary>
public static unsafe class DepthwiseConv2d
{
    /// <summary>Runs the convolution; see the file header.</summary>
    /// <param name="batch">B.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="channels">C.</param>
    /// <param name="input">Pixel (b, y, x) starts at ((b·H + y)·W + x)·<paramref name="ldIn"/>.</param>
    /// <param name="ldIn">Pixel stride of the input (≥ C).</param>
    /// <param name="weight">(C, 1, k, k).</param>
    /// <param name="kernel">k (odd).</param>
    /// <param name="bias">(C), or empty.</param>
    /// <param name="output">(B, H, W, C).</param>
    public static void Forward(int batch, int height, int width, int channels, ReadOnlySpan<float> input, int ldIn,
        ReadOnlySpan<float> weight, int kernel, ReadOnlySpan<float> bias, Span<float> output)
    {
        const string Name = "DepthwiseConv2d.Forward";
        Guard.Positive(Name, nameof(channels), channels);
        Guard.Positive(Name, nameof(kernel), kernel);
        long pixels = (long)batch * height * width;
        Guard.Matrix(Name, nameof(input), input.Length, (int)pixels, channels, ldIn);
        Guard.Exactly(Name, nameof(weight), weight.Length, (long)channels * kernel * kernel, $"(C={channels}, 1, {kernel}, {kernel})");
        Guard.OptionalExactly(Name, nameof(bias), bias.Length, channels, $"C={channels}");
        Guard.AtLeast(Name, nameof(output), output.Length, pixels * channels, $"(B={batch}, H={height}, W={width}, C={channels})");

        // Weights transposed to (ky, kx, C) so every tap is a contiguous channel vector.
        int taps = kernel * kernel, pad = (kernel - 1) / 2;
        var wt = new float[taps * channels];
        for (int c = 0; c < channels; c++)
        {
            for (int t = 0; t < taps; t++) wt[t * channels + c] = weight[c * taps + t];
        }
        fixed (float* pin = input)
        fixed (float* pbias = bias)
        fixed (float* pout = output)
        fixed (float* pw = wt)
        {
            var args = new Args { In = pin, Bias = pbias, Out = pout, W = pw, LdIn = ldIn, Channels = channels, Height = height, Width = width, Kernel = kernel };
            KernelThreading.For(batch * height, pixels * channels * taps >= 1 << 16, task => Row(args, task / height, task % height));
        }
    }

    private struct Args
    {
        public float* In, Bias, Out, W;
        public int LdIn, Channels, Height, Width, Kernel;
    }

    private static void Row(in Args a, int b, int y)
    {
        int channels = a.Channels, kernel = a.Kernel, pad = (kernel - 1) / 2, lanes = Vector<float>.Count;
        for (int x = 0; x < a.Width; x++)
        {
            var o = new Span<float>(a.Out + ((long)(b * a.Height + y) * a.Width + x) * channels, channels);
            if (a.Bias != null) new ReadOnlySpan<float>(a.Bias, channels).CopyTo(o);
            else o.Clear();
            for (int ky = 0; ky < kernel; ky++)
            {
                int yy = y + ky - pad;
                if ((uint)yy >= (uint)a.Height) continue;
                for (int kx = 0; kx < kernel; kx++)
                {
                    int xx = x + kx - pad;
                    if ((uint)xx >= (uint)a.Width) continue;
                    var src = new ReadOnlySpan<float>(a.In + ((long)(b * a.Height + yy) * a.Width + xx) * a.LdIn, channels);
                    var w = new ReadOnlySpan<float>(a.W + (ky * kernel + kx) * channels, channels);
                    int c = 0;
                    for (; c + lanes <= channels; c += lanes)
                    {
                        var acc = new Vector<float>(o.Slice(c)) + new Vector<float>(src.Slice(c)) * new Vector<float>(w.Slice(c));
                        acc.CopyTo(o.Slice(c));
                    }
                    for (; c < channels; c++) o[c] += src[c] * w[c];
                }
            }
        }
    }
}
