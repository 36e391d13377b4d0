// Dense Conv2d (groups 1, zero padding, bias) producing channel-last output, for the VMamba stems and
// conv downsamples: input (B, C, H, W) when channelFirstInput else (B, H, W, C); weight (O, C, kh, kw)
// packed as a (O, C·kh·kw) Linear; output (B, Ho, Wo, O) with Ho = (H + 2p − kh)/s + 1 (floor).
// Computed as im2col over blocks of output pixels (rows in the weight's (c, ky, kx) order) + Gemm.
using System.Buffers;

namespace Vim.Kernels.Cpu;

/// <summary>Conv2d as im2col + GEMM, channel-last output.</summary>
public static unsafe class Conv2d
{
    // 256 output pixels a block: im2col rows of the conv stems and downsamples stay ≤ 256·432 floats, and a
    // 56×56 map gives 13 blocks to share between the cores.
    private const int RowsPerBlock = 256;

    /// <summary>Output size along one axis: (size + 2·padding − kernel)/stride + 1.</summary>
    /// <param name="size">Input size.</param>
    /// <param name="kernel">Kernel size.</param>
    /// <param name="stride">Stride.</param>
    /// <param name="padding">Zero padding on each side.</param>
    public static int OutputSize(int size, int kernel, int stride, int padding) => (size + 2 * padding - kernel) / stride + 1;

    /// <summary>Runs the convolution; see the file header for layouts.</summary>
    /// <param name="batch">B.</param>
    /// <param name="channels">C, input channels.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="input">The input, (B, C, H, W) or (B, H, W, C).</param>
    /// <param name="channelFirstInput">Whether the input is (B, C, H, W).</param>
    /// <param name="weight">The weight packed as (O, C·kh·kw) (<see cref="Gemm.Pack"/>).</param>
    /// <param name="kernelH">kh.</param>
    /// <param name="kernelW">kw.</param>
    /// <param name="stride">Stride (both axes).</param>
    /// <param name="padding">Zero padding (both axes, both sides).</param>
    /// <param name="bias">Bias (O), or empty.</param>
    /// <param name="output">Output (B, Ho, Wo, O).</param>
    public static void Forward(int batch, int channels, int height, int width, ReadOnlySpan<float> input, bool channelFirstInput,
        PackedMatrix weight, int kernelH, int kernelW, int stride, int padding, ReadOnlySpan<float> bias, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(weight);
        const string Name = "Conv2d.Forward";
        Guard.Positive(Name, nameof(channels), channels);
        Guard.Positive(Name, nameof(stride), stride);
        Guard.NonNegative(Name, nameof(padding), padding);
        int k = channels * kernelH * kernelW;
        if (weight.K != k) throw new ArgumentException($"{Name}: weight has {weight.K} inputs, expected C·kh·kw = {k}.", nameof(weight));
        int ho = OutputSize(height, kernelH, stride, padding), wo = OutputSize(width, kernelW, stride, padding);
        if (ho <= 0 || wo <= 0) throw new ArgumentException($"{Name}: input {height}x{width} is too small for kernel {kernelH}x{kernelW} with padding {padding}.");
        int o = weight.N;
        long plane = (long)height * width * channels;
        Guard.AtLeast(Name, nameof(input), input.Length, batch * plane, $"(B={batch}, C={channels}, H={height}, W={width})");
        Guard.AtLeast(Name, nameof(output), output.Length, (long)batch * ho * wo * o, $"(B={batch}, Ho={ho}, Wo={wo}, O={o})");

        int pixels = ho * wo;
        int blocks = (pixels + RowsPerBlock - 1) / RowsPerBlock;
        fixed (float* pin = input)
        fixed (float* pout = output)
        fixed (float* pbias = bias)
        {
            nint inAt = (nint)pin, outAt = (nint)pout, biasAt = (nint)pbias;
            int biasLength = bias.Length;
            // Blocks of output pixels are independent (their own im2col rows, their own output rows): spread them
            // over the cores, each block's GEMM on its own thread.
            KernelThreading.For(batch * blocks, (long)batch * pixels * k * o >= 1 << 18, task =>
            {
                int b = task / blocks, start = task % blocks * RowsPerBlock;
                int rows = Math.Min(RowsPerBlock, pixels - start);
                float[] columns = ArrayPool<float>.Shared.Rent(rows * k);
                try
                {
                    var image = new ReadOnlySpan<float>((float*)inAt + b * plane, (int)plane);
                    var cols = columns.AsSpan(0, rows * k);
                    Im2Col(image, channelFirstInput, channels, height, width, kernelH, kernelW, stride, padding, wo, start, rows, cols);
                    var outRows = new Span<float>((float*)outAt + ((long)b * pixels + start) * o, rows * o);
                    var biasSpan = biasAt == 0 ? default : new ReadOnlySpan<float>((float*)biasAt, biasLength);
                    Gemm.Multiply(rows, cols, k, weight, outRows, o, biasSpan, accumulate: false);
                }
                finally
                {
                    ArrayPool<float>.Shared.Return(columns);
                }
            });
        }
    }

    /// <summary>
    /// Rows <paramref name="start"/>.. of one image's im2col matrix: output pixel p's C·kh·kw inputs in the weight's (c, ky, kx)
    /// order, zero where the window leaves the image.
    /// </summary>
    internal static void Im2Col(ReadOnlySpan<float> image, bool channelFirstInput, int channels, int height, int width, int kernelH, int kernelW,
        int stride, int padding, int wo, int start, int rows, Span<float> cols)
    {
        // Element (c, y, x) of one image sits at c·sc + y·sy + x·sx.
        int sc = channelFirstInput ? height * width : 1;
        int sy = channelFirstInput ? width : width * channels;
        int sx = channelFirstInput ? 1 : channels;
        int k = channels * kernelH * kernelW;
        for (int r = 0; r < rows; r++)
        {
            int pixel = start + r, oy = pixel / wo, ox = pixel % wo;
            var row = cols.Slice(r * k, k);
            int i = 0;
            for (int c = 0; c < channels; c++)
            {
                for (int ky = 0; ky < kernelH; ky++)
                {
                    int y = oy * stride - padding + ky;
                    bool rowInside = (uint)y < (uint)height;
                    for (int kx = 0; kx < kernelW; kx++, i++)
                    {
                        int x = ox * stride - padding + kx;
                        row[i] = rowInside && (uint)x < (uint)width ? image[c * sc + y * sy + x * sx] : 0f;
                    }
                }
            }
        }
    }
}
