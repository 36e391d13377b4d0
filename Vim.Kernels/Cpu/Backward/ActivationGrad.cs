// Derivatives of the activations, at the pre-activation x, times the output gradient:
//   SiLU:    σ(x)·(1 + x·(1 − σ(x)))          Sigmoid: σ(x)·(1 − σ(x))
//   GELU:    Φ(x) + x·φ(x), Φ(x) = ½·erfc(−x/√2), φ(x) = e^(−x²/2)/√(2π)  (the exact form, as torch's default GELU)
//   ReLU:    1 for x > 0, else 0                 None: 1
// Vectorised like the forward (erfc from the same Chebyshev fit, ≤ 1.2e-7 relative); the scalar tail is in double.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vim.Kernels.Cpu;

/// <summary>The backward pass of the elementwise activations and of a gate.</summary>
public static unsafe class ActivationGrad
{
    /// <summary>dx (=, or += when <paramref name="accumulate"/>) dy · act'(x), elementwise.</summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, GateActivation activation, bool accumulate)
    {
        const string Name = "ActivationGrad.Backward";
        Guard.Exactly(Name, nameof(dy), dy.Length, x.Length, $"n={x.Length}");
        Guard.Exactly(Name, nameof(dx), dx.Length, x.Length, $"n={x.Length}");
        fixed (float* px = x, pdy = dy, pdx = dx)
        {
            nint xp = (nint)px, gp = (nint)pdy, op = (nint)pdx;
            const int Block = 4096;
            int n = x.Length;
            KernelThreading.For((n + Block - 1) / Block, n >= 1 << 16, task =>
            {
                int i0 = task * Block, i1 = Math.Min(n, i0 + Block);
                Range((float*)xp, (float*)gp, (float*)op, i0, i1, activation, accumulate);
            });
        }
    }

    /// <summary>
    /// Backward of y ← y·act(g) over rows (<see cref="Elementwise.GateRows"/>): given the ungated y and the gate g (rows spaced
    /// <paramref name="ldGate"/> apart), dy becomes dy·act(g) in place, and dg += dy·y·act'(g) (rows spaced <paramref name="ldGate"/> apart).
    /// </summary>
    public static void GateBackward(int rows, int width, ReadOnlySpan<float> y, ReadOnlySpan<float> gate, int ldGate, GateActivation activation,
        Span<float> dy, Span<float> dGate)
    {
        const string Name = "ActivationGrad.GateBackward";
        Guard.Exactly(Name, nameof(y), y.Length, (long)rows * width, $"(rows={rows}, width={width})");
        Guard.Exactly(Name, nameof(dy), dy.Length, (long)rows * width, $"(rows={rows}, width={width})");
        Guard.Matrix(Name, nameof(gate), gate.Length, rows, width, ldGate);
        Guard.Matrix(Name, nameof(dGate), dGate.Length, rows, width, ldGate);
        for (int r = 0; r < rows; r++)
        {
            var yr = y.Slice(r * width, width);
            var gr = gate.Slice(r * ldGate, width);
            var dyr = dy.Slice(r * width, width);
            var dgr = dGate.Slice(r * ldGate, width);
            for (int c = 0; c < width; c++)
            {
                double g = gr[c];
                double d = dyr[c];
                dgr[c] = (float)(dgr[c] + d * yr[c] * Slope(g, activation));
                dyr[c] = (float)(d * Value(g, activation));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Range(float* x, float* dy, float* dx, int i0, int i1, GateActivation activation, bool accumulate)
    {
        int i = i0;
        if (Simd.IsAvailable && activation is GateActivation.Silu or GateActivation.Gelu or GateActivation.Sigmoid)
        {
            for (; i + 8 <= i1; i += 8)
            {
                Vector256<float> v = Avx.LoadVector256(x + i);
                Vector256<float> slope = activation switch
                {
                    GateActivation.Silu => SiluSlope(v),
                    GateActivation.Gelu => GeluSlope(v),
                    _ => SigmoidSlope(v),
                };
                Vector256<float> g = Avx.Multiply(Avx.LoadVector256(dy + i), slope);
                Avx.Store(dx + i, accumulate ? Avx.Add(Avx.LoadVector256(dx + i), g) : g);
            }
        }

        for (; i < i1; i++)
        {
            float g = (float)(dy[i] * Slope(x[i], activation));
            dx[i] = accumulate ? dx[i] + g : g;
        }
    }

    private static Vector256<float> SiluSlope(Vector256<float> x)
    {
        Vector256<float> s = VecMath.Sigmoid(x), one = Vector256.Create(1f);
        return Avx.Multiply(s, Fma.MultiplyAdd(x, Avx.Subtract(one, s), one));
    }

    private static Vector256<float> SigmoidSlope(Vector256<float> x)
    {
        Vector256<float> s = VecMath.Sigmoid(x);
        return Avx.Multiply(s, Avx.Subtract(Vector256.Create(1f), s));
    }

    /// <summary>Φ(x) + x·φ(x) with erfc as <see cref="VecMath.Gelu"/> computes it.</summary>
    private static Vector256<float> GeluSlope(Vector256<float> x)
    {
        Vector256<float> w = Avx.Multiply(x, Vector256.Create(-0.70710678118654752f));
        Vector256<float> z = Avx.AndNot(Vector256.Create(-0f), w);
        Vector256<float> t = Avx.Divide(Vector256.Create(1f), Fma.MultiplyAdd(z, Vector256.Create(0.5f), Vector256.Create(1f)));
        Vector256<float> p = Vector256.Create(0.17087277f);
        p = Fma.MultiplyAdd(p, t, Vector256.Create(-0.82215223f));
        p = Fma.MultiplyAdd(p, t, Vector256.Create(1.48851587f));
        p = Fma.MultiplyAdd(p, t, Vector256.Create(-1.13520398f));
        p = Fma.MultiplyAdd(p, t, Vector256.Create(0.27886807f));
        p = Fma.MultiplyAdd(p, t, Vector256.Create(-0.18628806f));
        p = Fma.MultiplyAdd(p, t, Vector256.Create(0.09678418f));
        p = Fma.MultiplyAdd(p, t, Vector256.Create(0.37409196f));
        p = Fma.MultiplyAdd(p, t, Vector256.Create(1.00002368f));
        p = Fma.MultiplyAdd(p, t, Vector256.Create(-1.26551223f));
        Vector256<float> ans = Avx.Multiply(t, VecMath.Exp(Fma.MultiplyAddNegated(z, z, p)));
        Vector256<float> erfc = Avx.BlendVariable(ans, Avx.Subtract(Vector256.Create(2f), ans), Avx.CompareLessThan(w, Vector256<float>.Zero));
        Vector256<float> cdf = Avx.Multiply(Vector256.Create(0.5f), erfc);
        // φ(x) = e^(−x²/2)/√(2π); e^(−x²/2) underflows to 0 far out, where Φ is 0 or 1 exactly.
        Vector256<float> halfSquare = Avx.Max(Vector256.Create(-87f), Avx.Multiply(Vector256.Create(-0.5f), Avx.Multiply(x, x)));
        Vector256<float> pdf = Avx.Multiply(Vector256.Create(0.3989422804014327f), VecMath.Exp(halfSquare));
        return Fma.MultiplyAdd(x, pdf, cdf);
    }

    /// <summary>act(x) in double (the gate's value).</summary>
    internal static double Value(double x, GateActivation activation) => activation switch
    {
        GateActivation.None => x,
        GateActivation.Silu => x / (1 + Math.Exp(-x)),
        GateActivation.Sigmoid => 1 / (1 + Math.Exp(-x)),
        GateActivation.Relu => x > 0 ? x : 0,
        GateActivation.Gelu => 0.5 * x * Erfc(-x / Math.Sqrt(2)),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };

    /// <summary>act'(x) in double.</summary>
    internal static double Slope(double x, GateActivation activation)
    {
        switch (activation)
        {
            case GateActivation.None: return 1;
            case GateActivation.Relu: return x > 0 ? 1 : 0;
            case GateActivation.Sigmoid:
            {
                double s = 1 / (1 + Math.Exp(-x));
                return s * (1 - s);
            }
            case GateActivation.Silu:
            {
                double s = 1 / (1 + Math.Exp(-x));
                return s * (1 + x * (1 - s));
            }
            case GateActivation.Gelu:
                return 0.5 * Erfc(-x / Math.Sqrt(2)) + x * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);
            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }

    /// <summary>erfc in double (Numerical Recipes' erfcc, fractional error below 1.2e-7), as <see cref="ScalarMath.Gelu"/> uses.</summary>
    private static double Erfc(double z)
    {
        double az = Math.Abs(z);
        double t = 1.0 / (1.0 + 0.5 * az);
        double p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807
            + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
        double ans = t * Math.Exp(-az * az + p);
        return z >= 0 ? ans : 2.0 - ans;
    }
}
