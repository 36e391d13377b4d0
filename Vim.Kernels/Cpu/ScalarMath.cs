// Scalar float forms of the activation functions, used for tails shorter than a vector and as the
// fallback when AVX2/FMA are missing. Same definitions as VecMath (softplus threshold 20, exact GELU).
using System.Runtime.CompilerServices;

namespace Vim.Kernels.Cpu;

internal static class ScalarMath
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Softplus(float x) => x > 20f ? x : (float)Math.Log(1.0 + Math.Exp(x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Silu(float x) => x / (1f + MathF.Exp(-x));

    /// <summary>1 / (1 + e^−x).</summary>
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>GELU through erfc in double: the tail is rare and this keeps the scalar path exact.</summary>
    public static float Gelu(float x)
    {
        double z = -x * 0.70710678118654752;
        double az = Math.Abs(z);
        double t = 1.0 / (1.0 + 0.5 * az);
        double p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807
            + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
        double ans = t * Math.Exp(-az * az + p);
        double erfc = z >= 0 ? ans : 2.0 - ans;
        return (float)(0.5 * x * erfc);
    }
}
