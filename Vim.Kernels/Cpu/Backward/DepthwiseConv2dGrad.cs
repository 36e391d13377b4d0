// Backward of DepthwiseConv2d.Forward ("same" padding p = (k−1)/2, channel-last maps):
//   dx[b, y, x, c] += Σ_{ky,kx} w[c, ky, kx] · dout[b, y − ky + p, x − kx + p, c]   (a gather: each task writes its own rows)
//   dw[c, ky, kx]  += Σ_{b,y,x} dout[b, y, x, c] · x[b, y + ky − p, x + kx − p, c],  dbias[c] += Σ dout
// Rows of the output are cut into fixed blocks whose weight sums are added in block order: independent of threads.
namespace Vim.Kernels.Cpu;

/// <summary>Gradients of the depthwise 2-D convolution.</summary>
public static unsafe class DepthwiseConv2dGrad
{
    private const int RowsPerTask = 4;

    /// <summary>dx += ∂/∂x (first C channels of rows spaced <paramref name="ldIn"/>); dw, dbias += theirs.</summary>
    public static void Backward(int batch, int height, int width, int channels, ReadOnlySpan<float> input, int ldIn, ReadOnlySpan<float> weight, int kernel,
        ReadOnlySpan<float> dOutput, Span<float> dInput, Span<float> dWeight, Span<float> dBias)
    {
        const string Name = "DepthwiseConv2dGrad.Backward";
        Guard.Positive(Name, nameof(channels), channels);
        Guard.Positive(Name, nameof(kernel), kernel);
        long pixels = (long)batch * height * width;
        Guard.Matrix(Name, nameof(input), input.Length, (int)pixels, channels, ldIn);
        Guard.Matrix(Name, nameof(dInput), dInput.Length, (int)pixels, channels, ldIn);
        int taps = kernel * kernel, pad = (kernel - 1) / 2;
        Guard.Exactly(Name, nameof(weight), weight.Length, (long)channels * taps, $"(C={channels}, 1, {kernel}, {kernel})");
        Guard.Exactly(Name, nameof(dWeight), dWeight.Length, (long)channels * taps, $"(C={channels}, 1, {kernel}, {kernel})");
        Guard.OptionalExactly(Name, nameof(dBias), dBias.Length, channels, $"C={channels}");
        Guard.Exactly(Name, nameof(dOutput), dOutput.Length, pixels * channels, $"(B={batch}, H={height}, W={width}, C={channels})");
        if (pixels == 0) return;

        // Weights as (tap, C) so a tap is a contiguous channel vector.
        var wt = new float[taps * channels];
        for (int c = 0; c < channels; c++)
        {
            for (int t = 0; t < taps; t++) wt[t * channels + c] = weight[c * taps + t];
        }

        int blocksPerImage = (height + RowsPerTask - 1) / RowsPerTask, tasks = batch * blocksPerImage;
        var partial = new double[(long)tasks * (taps + 1) * channels];
        fixed (float* pin = input, pdo = dOutput, pdi = dInput, pw = wt)
        fixed (double* pp = partial)
        {
            nint inp = (nint)pin, dop = (nint)pdo, dip = (nint)pdi, wp = (nint)pw, ppart = (nint)pp;
            KernelThreading.For(tasks, pixels * channels * taps >= 1 << 16, task =>
            {
                int b = task / blocksPerImage, y0 = task % blocksPerImage * RowsPerTask, y1 = Math.Min(height, y0 + RowsPerTask);
                double* sums = (double*)ppart + (long)task * (taps + 1) * channels;
                float* inImage = (float*)inp + (long)b * height * width * ldIn;
                float* dOutImage = (float*)dop + (long)b * height * width * channels;
                float* dInImage = (float*)dip + (long)b * height * width * ldIn;
                for (int y = y0; y < y1; y++)
                {
                    for (int x = 0; x < width; x++)
                    {
                        float* g = dOutImage + ((long)y * width + x) * channels;
                        float* dIn = dInImage + ((long)y * width + x) * ldIn;
                        for (int c = 0; c < channels; c++) sums[taps * channels + c] += g[c];
                        for (int ky = 0; ky < kernel; ky++)
                        {
                            for (int kx = 0; kx < kernel; kx++)
                            {
                                int t = ky * kernel + kx;
                                float* w = (float*)wp + t * channels;
                                // weight sums: this output pixel against its tap's input pixel
                                int yy = y + ky - pad, xx = x + kx - pad;
                                if ((uint)yy < (uint)height && (uint)xx < (uint)width)
                                {
                                    float* tapIn = inImage + ((long)yy * width + xx) * ldIn;
                                    double* s = sums + t * channels;
                                    for (int c = 0; c < channels; c++) s[c] += (double)g[c] * tapIn[c];
                                }

                                // input gradient: this input pixel gathers from the output pixel whose tap t reads it
                                int oy = y - ky + pad, ox = x - kx + pad;
                                if ((uint)oy < (uint)height && (uint)ox < (uint)width)
                                {
                                    float* go = dOutImage + ((long)oy * width + ox) * channels;
                                    for (int c = 0; c < channels; c++) dIn[c] += w[c] * go[c];
                                }
                            }
                        }
                    }
                }
            });

            for (int c = 0; c < channels; c++)
            {
                for (int t = 0; t < taps; t++)
                {
                    double s = 0;
                    for (int task = 0; task < tasks; task++) s += pp[((long)task * (taps + 1) + t) * channels + c];
                    dWeight[c * taps + t] = (float)(dWeight[c * taps + t] + s);
                }
                if (!dBias.IsEmpty)
                {
                    double s = 0;
                    for (int task = 0; task < tasks; task++) s += pp[((long)task * (taps + 1) + taps) * channels + c];
                    dBias[c] = (float)(dBias[c] + s);
                }
            }
        }
    }
}
