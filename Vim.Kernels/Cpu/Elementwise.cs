// Elementwise maps over flat float spans of any length n: SiLU, softplus (threshold 20), exact GELU, ReLU,
// sigmoid, add, scale and add-in-place; and a gate (y *= act(gate)) read from wider rows. Outputs may be the
// same memory as an input (in-place use).
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

    /// <summary>output[i] = max(input[i], 0) (NaN stays NaN, as in PyTorch).</summary>
    /// <param name="input">Input values.</param>
    /// <param name="output">Output, same length as input (may be the same memory).</param>
    public static void Relu(ReadOnlySpan<float> input, Span<float> output) => Map<ReluOp>("Elementwise.Relu", input, output);

    /// <summary>output[i] = 1 / (1 + exp(−input[i])).</summary>
    /// <param name="input">Input values.</param>
    /// <param name="output">Output, same length as input (may be the same memory).</param>
    public static void Sigmoid(ReadOnlySpan<float> input, Span<float> output) => Map<SigmoidOp>("Elementwise.Sigmoid", input, output);

    /// <summary>
    /// y[r, c] *= act(gate[r·<paramref name="ldGate"/> + c]) for rows × width values: a gate read from wider rows in
    /// place, such as the z half of an input projection (VMamba's SS2D output gate, gated MLPs).
    /// </summary>
    /// <param name="rows">Rows of y.</param>
    /// <param name="width">Values per row of y.</param>
    /// <param name="y">The values gated in place, rows × width.</param>
    /// <param name="gate">The gate's first row, starting at its first channel; row r starts at r·<paramref name="ldGate"/>.</param>
    /// <param name="ldGate">Row stride of the gate (≥ width).</param>
    /// <param name="activation">Applied to the gate first.</param>
    public static void GateRows(int rows, int width, Span<float> y, ReadOnlySpan<float> gate, int ldGate, GateActivation activation)
    {
        const string Name = "Elementwise.GateRows";
        Guard.NonNegative(Name, nameof(rows), rows);
        Guard.Positive(Name, nameof(width), width);
        Guard.Exactly(Name, nameof(y), y.Length, (long)rows * width, $"(rows={rows}, width={width})");
        Guard.Matrix(Name, nameof(gate), gate.Length, rows, width, ldGate);
        switch (activation)
        {
            case GateActivation.None: GateRows<IdentityOp>(rows, width, y, gate, ldGate); break;
            case GateActivation.Silu: GateRows<SiluOp>(rows, width, y, gate, ldGate); break;
            case GateActivation.Gelu: GateRows<GeluOp>(rows, width, y, gate, ldGate); break;
            case GateActivation.Relu: GateRows<ReluOp>(rows, width, y, gate, ldGate); break;
            case GateActivation.Sigmoid: GateRows<SigmoidOp>(rows, width, y, gate, ldGate); break;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, $"{Name}: unknown activation.");
        }
    }

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

    private static void GateRows<TOp>(int rows, int width, Span<float> y, ReadOnlySpan<float> gate, int ldGate)
        where TOp : struct, IUnaryOp
    {
        if (rows == 0)
        {
            return;
        }

        fixed (float* py = y)
        fixed (float* pg = gate)
        {
            nint yp = (nint)py, gp = (nint)pg;
            int rowsPerTask = Math.Max(1, ChunkActivation / width);
            int tasks = (rows + rowsPerTask - 1) / rowsPerTask;
            KernelThreading.For(tasks, (long)rows * width >= ParallelActivation, task =>
            {
                int r1 = Math.Min(rows, (task + 1) * rowsPerTask);
                for (int r = task * rowsPerTask; r < r1; r++)
                {
                    GateRow<TOp>((float*)yp + (long)r * width, (float*)gp + (long)r * ldGate, width);
                }
            });
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GateRow<TOp>(float* y, float* gate, int n)
        where TOp : struct, IUnaryOp
    {
        int i = 0;
        if (Simd.IsAvailable)
        {
            for (; i <= n - 8; i += 8)
            {
                Avx.Store(y + i, Avx.Multiply(Avx.LoadVector256(y + i), TOp.Vector(Avx.LoadVector256(gate + i))));
            }
        }

        for (; i < n; i++)
        {
            y[i] *= TOp.Scalar(gate[i]);
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

    private struct IdentityOp : IUnaryOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Vector(Vector256<float> x) => x;

        public static float Scalar(float x) => x;
    }

    private struct ReluOp : IUnaryOp
    {
        // maxps returns its second operand when either is NaN, so x second keeps NaN.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Vector(Vector256<float> x) => Avx.Max(Vector256<float>.Zero, x);

        public static float Scalar(float x) => x < 0f ? 0f : x; // as the vector: NaN and −0 pass through
    }

    private struct SigmoidOp : IUnaryOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Vector(Vector256<float> x) => VecMath.Sigmoid(x);

        public static float Scalar(float x) => ScalarMath.Sigmoid(x);
    }

    private struct GeluOp : IUnaryOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Vector(Vector256<float> x) => VecMath.Gelu(x);

        public static float Scalar(float x) => ScalarMath.Gelu(x);
    }
}
