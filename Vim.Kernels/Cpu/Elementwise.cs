// Elementwise maps over flat float spans of any length n: SiLU, softplus (threshold 20), exact GELU,
// add, scale and add-in-place. Outputs may be the same memory as an input (in-place use).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vim.Kernels.Cpu;

/// <summary>Vectorised elementwise activations and arithmetic.</summary>
public static unsafe class Elementwise
{
    // Transcendental maps cost ~2 ns per 8 elements; below this many elements a second thread does not pay.
    private const int ParallelActivation = 1 << 16;
    private const int ChunkActivation = 1 << 14;

    /// <summary>output[i] = input[i] · sigmoid(input[i]).</summary>
    /// <param name="input">Input values.</param>
    /// <param name="output">Output, same length as input (may be the same memory).</param>
    public static void Silu(ReadOnlySpan<float> input, Span<float> output) => Map<SiluOp>("Elementwise.Silu", input, output);

    /// <summary>output[i] = input[i] if input[i] &gt; 20, else log1p(exp(input[i])) (PyTorch's default softplus).</summary>
    /// <param name="input">Input values.</param>
    /// <param name="output">Output, same length as input (may be the same memory).</param>
    public static void Softplus(ReadOnlySpan<float> input, Span<float> output) => Map<SoftplusOp>("Elementwise.Softplus", input, output);

    /// <summary>output[i] = 0.5 · x · (1 + erf(x/√2)), the exact GELU of PyTorch's nn.GELU().</summary>
    /// <param name="input">Input values.</param>
    /// <param name="output">Output, same length as input (may be the same memory).</param>
    public static void Gelu(ReadOnlySpan<float> input, Span<float> output) => Map<GeluOp>("Elementwise.Gelu", input, output);

    /// <summary>output[i] = a[i] + b[i].</summary>
    /// <param name="a">First addend.</param>
    /// <param name="b">Second addend, same length.</param>
    /// <param name="output">Sum, same length (may alias a or b).</param>
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output)
    {
        Check("Elementwise.Add", a.Length, b.Length, output.Length);
        int n = a.Length, i = 0;
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* po = output)
        {
            if (Simd.IsAvailable)
            {
                for (; i <= n - 8; i += 8)
                {
                    Avx.Store(po + i, Avx.Add(Avx.LoadVector256(pa + i), Avx.LoadVector256(pb + i)));
                }
            }

            for (; i < n; i++)
            {
                po[i] = pa[i] + pb[i];
            }
        }
    }

    /// <summary>output[i] = scale · input[i].</summary>
    /// <param name="input">Input values.</param>
    /// <param name="scale">Multiplier.</param>
    /// <param name="output">Output, same length (may be the same memory).</param>
    public static void Scale(ReadOnlySpan<float> input, float scale, Span<float> output)
    {
        Check("Elementwise.Scale", input.Length, input.Length, output.Length);
        int n = input.Length, i = 0;
        fixed (float* pi = input)
        fixed (float* po = output)
        {
            if (Simd.IsAvailable)
            {
                Vector256<float> s = Vector256.Create(scale);
                for (; i <= n - 8; i += 8)
                {
                    Avx.Store(po + i, Avx.Multiply(Avx.LoadVector256(pi + i), s));
                }
            }

            for (; i < n; i++)
            {
                po[i] = pi[i] * scale;
            }
        }
    }

    /// <summary>target[i] += x[i].</summary>
    /// <param name="target">Accumulator, updated in place.</param>
    /// <param name="x">Values to add, same length.</param>
    public static void AddInPlace(Span<float> target, ReadOnlySpan<float> x) => Add(target, x, target);

    private static void Check(string kernel, int a, int b, int output)
    {
        if (a != b || a != output)
        {
            throw new ArgumentException($"{kernel}: lengths differ (inputs {a} and {b}, output {output}).");
        }
    }

    private static void Map<TOp>(string kernel, ReadOnlySpan<float> input, Span<float> output)
        where TOp : struct, IUnaryOp
    {
        Check(kernel, input.Length, input.Length, output.Length);
        int n = input.Length;
        fixed (float* pi = input)
        fixed (float* po = output)
        {
            if (n < ParallelActivation)
            {
                MapRange<TOp>(pi, po, n);
                return;
            }

            nint ip = (nint)pi, op = (nint)po;
            int chunks = (n + ChunkActivation - 1) / ChunkActivation;
            KernelThreading.For(chunks, true, chunk =>
            {
                int start = chunk * ChunkActivation;
                MapRange<TOp>((float*)ip + start, (float*)op + start, Math.Min(ChunkActivation, n - start));
            });
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MapRange<TOp>(float* input, float* output, int n)
        where TOp : struct, IUnaryOp
    {
        int i = 0;
        if (Simd.IsAvailable)
        {
            for (; i <= n - 8; i += 8)
            {
                Avx.Store(output + i, TOp.Vector(Avx.LoadVector256(input + i)));
            }
        }

        for (; i < n; i++)
        {
            output[i] = TOp.Scalar(input[i]);
        }
    }

    private interface IUnaryOp
    {
        static abstract Vector256<float> Vector(Vector256<float> x);

        static abstract float Scalar(float x);
    }

    private struct SiluOp : IUnaryOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Vector(Vector256<float> x) => VecMath.Silu(x);

        public static float Scalar(float x) => ScalarMath.Silu(x);
    }

    private struct SoftplusOp : IUnaryOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Vector(Vector256<float> x) => VecMath.Softplus(x);

        public static float Scalar(float x) => ScalarMath.Softplus(x);
    }

    private struct GeluOp : IUnaryOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Vector(Vector256<float> x) => VecMath.Gelu(x);

        public static float Scalar(float x) => ScalarMath.Gelu(x);
    }
}
