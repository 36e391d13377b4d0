// Backward of the patch embedding (PatchEmbed.cs), a Conv2d with padding 0 computed as im2col · Wᵀ:
//   dW += dtokensᵀ · cols,  db += Σ_rows dtokens,  dcols = dtokens · W,  dimages = col2im(dcols)
// col2im adds each patch's values back at its pixels, so overlapping patches (stride < kernel) sum; it runs one image
// per task, in patch order, so the sums do not depend on the thread count.
using System.Buffers;

namespace Vim.Kernels.Cpu;

/// <summary>Gradients of the convolutional patch embedding.</summary>
public static unsafe class PatchEmbedGrad
{
    /// <summary>dW, db += their gradients; dInput (when not empty) = the image gradient (overwritten).</summary>
    /// <param name="batch">B.</param>
    /// <param name="channels">C.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="input">Images (B, C, H, W).</param>
    /// <param name="weight">Conv weight (D, C, ph, pw).</param>
    /// <param name="dim">D.</param>
    /// <param name="patchH">ph.</param>
    /// <param name="patchW">pw.</param>
    /// <param name="stride">Stride.</param>
    /// <param name="dTokens">Gradient of the tokens (B, Gh·Gw, D).</param>
    /// <param name="dWeight">Weight gradient (D, C, ph, pw), accumulated.</param>
    /// <param name="dBias">Bias gradient (D), accumulated; may be empty.</param>
    /// <param name="dInput">Image gradient (B, C, H, W), overwritten; empty when not wanted.</param>
    public static void Backward(int batch, int channels, int height, int width, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, int dim,
        int patchH, int patchW, int stride, ReadOnlySpan<float> dTokens, Span<float> dWeight, Span<float> dBias, Span<float> dInput)
    {
        const string Name = "PatchEmbedGrad.Backward";
        Guard.NonNegative(Name, nameof(batch), batch);
        Guard.Positive(Name, nameof(channels), channels);
        Guard.Positive(Name, nameof(dim), dim);
        int gh = PatchEmbed.GridSize(height, patchH, stride), gw = PatchEmbed.GridSize(width, patchW, stride);
        int k = channels * patchH * patchW, rows = batch * gh * gw;
        string images = $"(B={batch}, C={channels}, H={height}, W={width})";
        Guard.Exactly(Name, nameof(input), input.Length, (long)batch * channels * height * width, images);
        Guard.Exactly(Name, nameof(weight), weight.Length, (long)dim * k, $"(D={dim}, C={channels}, ph={patchH}, pw={patchW})");
        Guard.Exactly(Name, nameof(dWeight), dWeight.Length, (long)dim * k, $"(D={dim}, C={channels}, ph={patchH}, pw={patchW})");
        Guard.Exactly(Name, nameof(dTokens), dTokens.Length, (long)rows * dim, $"(B={batch}, tokens={gh * gw}, D={dim})");
        Guard.OptionalExactly(Name, nameof(dBias), dBias.Length, dim, $"D={dim}");
        Guard.OptionalExactly(Name, nameof(dInput), dInput.Length, (long)batch * channels * height * width, images);
        if (rows == 0)
        {
            return;
        }

        float[] cols = ArrayPool<float>.Shared.Rent(rows * k);
        try
        {
            PatchEmbed.Im2Col(batch, channels, height, width, input, patchH, patchW, stride, gh, gw, cols);
            LinearGrad.Weight(rows, dim, k, dTokens, dim, cols.AsSpan(0, rows * k), k, dWeight, k);
            if (!dBias.IsEmpty)
            {
                LinearGrad.Bias(rows, dim, dTokens, dim, dBias);
            }

            if (dInput.IsEmpty)
            {
                return;
            }

            // The patch gradients reuse the im2col buffer.
            LinearGrad.Input(rows, dim, k, dTokens, dim, weight, k, cols.AsSpan(0, rows * k), k, accumulate: false);
            dInput.Clear();
            fixed (float* pcol = cols)
            fixed (float* pdi = dInput)
            {
                nint cp = (nint)pcol, dp = (nint)pdi;
                KernelThreading.For(batch, (long)rows * k >= 1 << 16, b =>
                {
                    float* img = (float*)dp + (long)b * channels * height * width;
                    float* src = (float*)cp + (long)b * gh * gw * k;
                    for (int gy = 0; gy < gh; gy++)
                    {
                        for (int gx = 0; gx < gw; gx++)
                        {
                            for (int c = 0; c < channels; c++)
                            {
                                for (int kh = 0; kh < patchH; kh++)
                                {
                                    float* dst = img + ((long)c * height + gy * stride + kh) * width + gx * stride;
                                    for (int kw = 0; kw < patchW; kw++)
                                    {
                                        dst[kw] += src[kw];
                                    }

                                    src += patchW;
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
