// Patch embedding = Conv2d(C → D, kernel ph×pw, stride s, padding 0, bias) producing token-major
// output: input (B, C, H, W), weight (D, C, ph, pw), bias (D) → output (B, Gh·Gw, D) with
// Gh = (H − ph)/s + 1, Gw = (W − pw)/s + 1 (floor). Computed as im2col (rows of C·ph·pw in the
// weight's (c, kh, kw) order) followed by Gemm against the weight viewed as a (D, C·ph·pw) Linear.
using System.Buffers;

namespace Vim.Kernels.Cpu;

/// <summary>Convolutional patch embedding of images into tokens.</summary>
public static unsafe class PatchEmbed
{
    /// <summary>Number of patch positions along one axis: (size − patch)/stride + 1.</summary>
    /// <param name="size">Image size along the axis.</param>
    /// <param name="patch">Kernel size along the axis.</param>
    /// <param name="stride">Stride.</param>
    public static int GridSize(int size, int patch, int stride)
    {
        Guard.Positive("PatchEmbed.GridSize", nameof(patch), patch);
        Guard.Positive("PatchEmbed.GridSize", nameof(stride), stride);
        if (size < patch)
        {
            throw new ArgumentException($"PatchEmbed.GridSize: image size {size} is smaller than the patch size {patch}.", nameof(size));
        }

        return (size - patch) / stride + 1;
    }

    /// <summary>Packs a conv weight (D, C, ph, pw) for <see cref="Forward(int, int, int, int, ReadOnlySpan{float}, PackedMatrix, int, int, int, ReadOnlySpan{float}, Span{float})"/>.</summary>
    /// <param name="weight">Conv weight (D, C, ph, pw).</param>
    /// <param name="dim">D, output channels.</param>
    /// <param name="channels">C, input channels.</param>
    /// <param name="patchH">ph.</param>
    /// <param name="patchW">pw.</param>
    public static PackedMatrix PackWeight(ReadOnlySpan<float> weight, int dim, int channels, int patchH, int patchW)
    {
        int k = channels * patchH * patchW;
        Guard.Exactly("PatchEmbed.PackWeight", nameof(weight), weight.Length, (long)dim * k, $"(D={dim}, C={channels}, ph={patchH}, pw={patchW})");
        return Gemm.Pack(weight, dim, k, k);
    }

    /// <summary>Embeds patches with a weight packed by <see cref="PackWeight"/>.</summary>
    /// <param name="batch">B.</param>
    /// <param name="channels">C.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="input">Images (B, C, H, W).</param>
    /// <param name="weight">Packed weight (D × C·ph·pw).</param>
    /// <param name="patchH">Kernel height ph.</param>
    /// <param name="patchW">Kernel width pw.</param>
    /// <param name="stride">Stride s (may be smaller than the kernel: overlapping patches).</param>
    /// <param name="bias">Bias (D), or empty.</param>
    /// <param name="output">Tokens (B, Gh·Gw, D).</param>
    public static void Forward(int batch, int channels, int height, int width, ReadOnlySpan<float> input, PackedMatrix weight,
        int patchH, int patchW, int stride, ReadOnlySpan<float> bias, Span<float> output)
    {
        const string Name = "PatchEmbed.Forward";
        ArgumentNullException.ThrowIfNull(weight);
        Guard.NonNegative(Name, nameof(batch), batch);
        Guard.Positive(Name, nameof(channels), channels);
        int gh = GridSize(height, patchH, stride), gw = GridSize(width, patchW, stride);
        int k = channels * patchH * patchW;
        if (weight.K != k)
        {
            throw new ArgumentException($"{Name}: packed weight has K={weight.K} but C·ph·pw = {channels}·{patchH}·{patchW} = {k}.", nameof(weight));
        }

        int dim = weight.N;
        Guard.Exactly(Name, nameof(input), input.Length, (long)batch * channels * height * width, $"(B={batch}, C={channels}, H={height}, W={width})");
        Guard.Exactly(Name, nameof(output), output.Length, (long)batch * gh * gw * dim, $"(B={batch}, tokens={gh * gw}, D={dim})");
        int rows = batch * gh * gw;
        if (rows == 0)
        {
            return;
        }

        float[] cols = ArrayPool<float>.Shared.Rent(rows * k);
        try
        {
            Im2Col(batch, channels, height, width, input, patchH, patchW, stride, gh, gw, cols);
            Gemm.Multiply(rows, cols.AsSpan(0, rows * k), k, weight, output, dim, bias, accumulate: false);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(cols);
        }
    }

    /// <summary>The patches as rows of C·ph·pw values in the weight's (c, kh, kw) order, (B·Gh·Gw, C·ph·pw).</summary>
    internal static void Im2Col(int batch, int channels, int height, int width, ReadOnlySpan<float> input, int patchH, int patchW, int stride,
        int gh, int gw, Span<float> cols)
    {
        int k = channels * patchH * patchW, rows = batch * gh * gw;
        fixed (float* pin = input)
        fixed (float* pcol = cols)
        {
            nint ip = (nint)pin, cp = (nint)pcol;
            KernelThreading.For(batch * gh, (long)rows * k >= 1 << 16, task =>
            {
                int b = task / gh, gy = task % gh;
                float* img = (float*)ip + (long)b * channels * height * width;
                float* dst = (float*)cp + (long)task * gw * k;
                for (int gx = 0; gx < gw; gx++)
                {
                    for (int c = 0; c < channels; c++)
                    {
                        for (int kh = 0; kh < patchH; kh++)
                        {
                            float* src = img + ((long)c * height + gy * stride + kh) * width + gx * stride;
                            Buffer.MemoryCopy(src, dst, patchW * sizeof(float), patchW * sizeof(float));
                            dst += patchW;
                        }
                    }
                }
            });
        }
    }

    /// <summary>Embeds patches with an unpacked weight (D, C, ph, pw); packs it on every call.</summary>
    /// <param name="batch">B.</param>
    /// <param name="channels">C.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="input">Images (B, C, H, W).</param>
    /// <param name="weight">Conv weight (D, C, ph, pw).</param>
    /// <param name="dim">D.</param>
    /// <param name="patchH">Kernel height ph.</param>
    /// <param name="patchW">Kernel width pw.</param>
    /// <param name="stride">Stride s.</param>
    /// <param name="bias">Bias (D), or empty.</param>
    /// <param name="output">Tokens (B, Gh·Gw, D).</param>
    public static void Forward(int batch, int channels, int height, int width, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, int dim,
        int patchH, int patchW, int stride, ReadOnlySpan<float> bias, Span<float> output)
    {
        Forward(batch, channels, height, width, input, PackWeight(weight, dim, channels, patchH, patchW), patchH, patchW, stride, bias, output);
    }
}
