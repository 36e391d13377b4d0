// Interleaved rotary position embedding, in place on x (B, L, D) with tables cos, sin (rows, D) whose
// entries repeat per pair. For pair m of a token using table row r:
//   a' = a·cos[r,2m] − b·sin[r,2m],   b' = b·cos[r,2m+1] + a·sin[r,2m+1]
// (PyTorch's t·cos + rotate_half(t)·sin). Odd L: token 0 (the class token) is left alone and tokens
// 1..L−1 use rows 0..L−2; even L: tokens 0..L−1 use rows 0..L−1.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vim.Kernels.Cpu;

/// <summary>Rotary position embedding with interleaved (even, odd) pairs.</summary>
public static unsafe class Rope
{
    /// <summary>Rotates x in place; see the file header for the token-to-row mapping.</summary>
    /// <param name="batch">B.</param>
    /// <param name="length">L, tokens per sequence (including a class token when L is odd).</param>
    /// <param name="width">D, even.</param>
    /// <param name="x">Tokens (B, L, D), rotated in place.</param>
    /// <param name="cos">Cosine table (tableRows, D).</param>
    /// <param name="sin">Sine table (tableRows, D).</param>
    /// <param name="tableRows">Rows in the tables (e.g. G² for a G×G patch grid); must cover the rotated tokens.</param>
    public static void ApplyInPlace(int batch, int length, int width, Span<float> x, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, int tableRows)
    {
        const string Name = "Rope.ApplyInPlace";
        Guard.NonNegative(Name, nameof(batch), batch);
        Guard.NonNegative(Name, nameof(length), length);
        Guard.Positive(Name, nameof(width), width);
        if (width % 2 != 0)
        {
            throw new ArgumentException($"{Name}: width D={width} must be even (the rotation works on pairs).", nameof(width));
        }

        int skip = length % 2;
        int rotated = length - skip;
        if (rotated > tableRows)
        {
            throw new ArgumentException($"{Name}: {rotated} tokens to rotate (L={length}) but the tables have only {tableRows} rows.", nameof(tableRows));
        }

        Guard.Exactly(Name, nameof(x), x.Length, (long)batch * length * width, $"(B={batch}, L={length}, D={width})");
        Guard.AtLeast(Name, nameof(cos), cos.Length, (long)tableRows * width, $"(rows={tableRows}, D={width})");
        Guard.AtLeast(Name, nameof(sin), sin.Length, (long)tableRows * width, $"(rows={tableRows}, D={width})");
        fixed (float* px = x)
        fixed (float* pc = cos)
        fixed (float* ps = sin)
        {
            for (int b = 0; b < batch; b++)
            {
                for (int t = skip; t < length; t++)
                {
                    long row = t - skip;
                    RotateRow(px + ((long)b * length + t) * width, pc + row * width, ps + row * width, width);
                }
            }
        }
    }

    private static void RotateRow(float* x, float* cos, float* sin, int width)
    {
        int i = 0;
        if (Simd.IsAvailable)
        {
            // Lane pattern (−, +): even lanes take −b·sin, odd lanes +a·sin.
            Vector256<float> sign = Vector256.Create(-1f, 1f, -1f, 1f, -1f, 1f, -1f, 1f);
            for (; i <= width - 8; i += 8)
            {
                Vector256<float> v = Avx.LoadVector256(x + i);
                Vector256<float> swapped = Avx.Permute(v, 0b10_11_00_01);
                Vector256<float> rot = Avx.Multiply(Avx.Multiply(swapped, sign), Avx.LoadVector256(sin + i));
                Avx.Store(x + i, Fma.MultiplyAdd(v, Avx.LoadVector256(cos + i), rot));
            }
        }

        for (; i < width; i += 2)
        {
            float a = x[i], b = x[i + 1];
            x[i] = a * cos[i] - b * sin[i];
            x[i + 1] = b * cos[i + 1] + a * sin[i + 1];
        }
    }
}
