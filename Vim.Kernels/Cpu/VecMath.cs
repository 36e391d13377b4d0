// Vectorised transcendental functions on Vector256<float> (8 lanes, AVX2 + FMA):
// exp, log (for arguments >= 1), softplus (threshold 20), SiLU and erfc-based GELU.
// Callers must check Simd.IsAvailable first; ScalarMath holds the matching scalar forms.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vim.Kernels.Cpu;

internal static class VecMath
{
    /// <summary>
    /// e^x with relative error of a couple of ulp. Reduction x = n·ln2 + r, |r| ≤ ln2/2 (Cody–Waite,
    /// two-part ln2), then a degree-7 Taylor polynomial (truncation ≈ 5e-9 at |r| = 0.347, below float
    /// rounding) evaluated with Estrin's scheme: 3 FMA levels instead of 7, because the scan keeps many
    /// exps in flight and is bound by their latency. When every lane has |x| ≤ 87 the result is
    /// normal and 2^n is applied by adding n to the exponent bits; otherwise (subnormal results, 0,
    /// overflow, NaN) the exact slow path runs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        Vector256<float> ax = Avx.AndNot(Vector256.Create(-0f), x);
        Vector256<float> outside = Avx.CompareNotLessThanOrEqual(ax, Vector256.Create(87f)); // NaN counts as outside
        if (!Avx.TestZ(outside, outside))
        {
            return ExpAnyRange(x);
        }

        Vector256<float> n = Avx.RoundToNearestInteger(Avx.Multiply(x, Vector256.Create(1.44269504088896341f)));
        Vector256<float> p = Polynomial(x, n);
        Vector256<int> shift = Avx2.ShiftLeftLogical(Avx.ConvertToVector256Int32(n), 23);
        return Avx2.Add(p.AsInt32(), shift).AsSingle();
    }

    /// <summary>
    /// e^x for any input: clamps to [−104, 89] (keeping NaN) and applies 2^n as 2^(n/2)·2^(n−n/2), so
    /// results underflow correctly to subnormals and 0 and overflow to +inf.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ExpAnyRange(Vector256<float> x)
    {
        // maxps/minps return the second operand when either is NaN, so putting x second keeps NaN.
        x = Avx.Max(Vector256.Create(-104f), x);
        x = Avx.Min(Vector256.Create(89f), x);
        Vector256<float> n = Avx.RoundToNearestInteger(Avx.Multiply(x, Vector256.Create(1.44269504088896341f)));
        Vector256<float> p = Polynomial(x, n);
        Vector256<int> ni = Avx.ConvertToVector256Int32(n);
        Vector256<int> n1 = Avx2.ShiftRightArithmetic(ni, 1);
        Vector256<int> bias = Vector256.Create(127);
        Vector256<float> s1 = Avx2.ShiftLeftLogical(Avx2.Add(n1, bias), 23).AsSingle();
        Vector256<float> s2 = Avx2.ShiftLeftLogical(Avx2.Add(Avx2.Subtract(ni, n1), bias), 23).AsSingle();
        // Two multiplies, not p·(s1·s2): 2^128 (x just below ln FLT_MAX) is not a float.
        return Avx.Multiply(Avx.Multiply(p, s1), s2);
    }

    /// <summary>
    /// 2^y for y ≤ 0 (the scan's exp(Δ·A) with log2(e) folded into A), relative error ≲ 2e-7.
    /// y is clamped to ≥ −126, so results below 2^−126 come out as 2^−126 instead of 0 (or a
    /// subnormal). y &gt; 0 is NOT supported (wrong results above 128); NaN propagates.
    /// One add of 1.5·2^20 (whose ulp is 1/8) rounds y to k + j/8, then <see cref="Pow2"/> builds the power.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp2NonPositive(Vector256<float> y)
    {
        // maxps returns the second operand when either is NaN, so putting y second keeps NaN.
        return Exp2InRange(Avx.Max(Vector256.Create(-126f), y));
    }

    /// <summary>
    /// <see cref="Exp2NonPositive"/> without the clamp: y must lie in [−126, 0] (NaN propagates); for the
    /// scan's chunks where max(Δ)·max|A·log2 e| ≤ 126 is known, which saves one operation per update.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp2InRange(Vector256<float> y)
    {
        Vector256<float> t = Avx.Add(y, Vector256.Create(Pow2Magic));
        return Pow2(t, Avx.Subtract(y, Avx.Subtract(t, Vector256.Create(Pow2Magic))));
    }

    /// <summary>
    /// e^x for x in [<see cref="ExpTableMin"/>, <see cref="ExpTableMax"/>] (callers clamp; NaN propagates), relative
    /// error ≤ 2.5e-7 (tested over the whole range), on <see cref="Exp2InRange"/>'s table. x·log2 e is never rounded as a whole: one FMA rounds
    /// it to the 1/8 grid (adding 1.5·2^20 inside the FMA), a second gives the exact remainder, and the
    /// low part of log2 e is added to that, so the result keeps its accuracy at |x| ≈ 80 too (rounding
    /// x·log2 e first would cost up to 1e-6 there). ~11 operations and no branch, against ~19 and a range
    /// test for <see cref="Exp"/>; SiLU and softplus run on it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ExpTable(Vector256<float> x)
    {
        Vector256<float> t = Fma.MultiplyAdd(x, Vector256.Create(Log2EHi), Vector256.Create(Pow2Magic));
        Vector256<float> r = Fma.MultiplyAdd(x, Vector256.Create(Log2EHi), Avx.Subtract(Vector256.Create(Pow2Magic), t));
        return Pow2(t, Fma.MultiplyAdd(x, Vector256.Create(Log2ELo), r));
    }

    /// <summary>Smallest argument <see cref="ExpTable"/> takes: e^x = 2^−126 there, the least normal float.</summary>
    public const float ExpTableMin = -87.33654f;

    /// <summary>
    /// Largest argument <see cref="ExpTable"/> takes: 128·ln 2, where it returns +inf. Above 127.9375·ln 2 ≈ 88.68 the
    /// result is already +inf (the true e^x there, 3.2e38 to 3.4e38, is lost; SiLU's quotient is −0 either way).
    /// </summary>
    public const float ExpTableMax = 88.72284f;

    // 1.5·2^20: its ulp is 1/8, so adding it rounds to multiples of 1/8 and leaves k·8 + j in the low bits.
    private const float Pow2Magic = 1572864f;
    private const float Log2EHi = 1.44269502f;        // log2 e rounded to float
    private const float Log2ELo = 1.925963033e-8f;    // log2 e − Log2EHi

    /// <summary>
    /// 2^(k + j/8 + r) from t = 1.5·2^20 + k + j/8 (as the add or FMA rounded it) and the remainder r, |r| ≲ 1/16:
    /// the low 3 bits of t index an 8-entry table of 2^(j/8) (vpermps reads only those bits); shifted left by 20,
    /// t's low bits are (k &lt;&lt; 23) + (j &lt;&lt; 20); the table holds bits(2^(j/8)) − (j &lt;&lt; 20), so one integer add
    /// yields 2^k·2^(j/8). 2^r is a degree-3 minimax polynomial (error 4e-8).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Pow2(Vector256<float> t, Vector256<float> r)
    {
        Vector256<int> ti = t.AsInt32();
        Vector256<int> table = Vector256.Create(1065353216, 1065063874, 1064843248, 1064697559, 1064633587, 1064658730, 1064781053, 1065009351);
        Vector256<int> scale = Avx2.Add(Avx2.PermuteVar8x32(table, ti), Avx2.ShiftLeftLogical(ti, 20));
        Vector256<float> p = Fma.MultiplyAdd(Vector256.Create(0.0554989004f), r, Vector256.Create(0.240264073f));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(0.693147209f));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(1f));
        return Avx.Multiply(p, scale.AsSingle());
    }

    /// <summary>e^r for r = x − n·ln2, |r| ≤ ln2/2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Polynomial(Vector256<float> x, Vector256<float> n)
    {
        // ln2hi has 9 significant bits, so n·ln2hi is exact for |n| ≤ 150.
        Vector256<float> r = Fma.MultiplyAddNegated(n, Vector256.Create(0.693359375f), x);
        r = Fma.MultiplyAddNegated(n, Vector256.Create(-2.12194440e-4f), r);
        Vector256<float> r2 = Avx.Multiply(r, r);
        Vector256<float> q01 = Fma.MultiplyAdd(r, Vector256.Create(1f), Vector256.Create(1f));
        Vector256<float> q23 = Fma.MultiplyAdd(r, Vector256.Create(1f / 6f), Vector256.Create(0.5f));
        Vector256<float> q45 = Fma.MultiplyAdd(r, Vector256.Create(1f / 120f), Vector256.Create(1f / 24f));
        Vector256<float> q67 = Fma.MultiplyAdd(r, Vector256.Create(1f / 5040f), Vector256.Create(1f / 720f));
        Vector256<float> r4 = Avx.Multiply(r2, r2);
        Vector256<float> q03 = Fma.MultiplyAdd(q23, r2, q01);
        Vector256<float> q47 = Fma.MultiplyAdd(q67, r2, q45);
        return Fma.MultiplyAdd(q47, r4, q03);
    }

    /// <summary>
    /// Natural log for finite arguments u ≥ 1 (all this library needs: softplus feeds 1 + e^x).
    /// u = m·2^k with m in [√½, √2); log m = 2·atanh(s), s = (m−1)/(m+1), |s| ≤ 0.172, series to s^11.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LogAtLeastOne(Vector256<float> u)
    {
        Vector256<int> bits = u.AsInt32();
        Vector256<int> k = Avx2.Subtract(Avx2.ShiftRightLogical(bits, 23), Vector256.Create(127));
        Vector256<float> m = Avx2.Or(Avx2.And(bits, Vector256.Create(0x007FFFFF)), Vector256.Create(0x3F800000)).AsSingle();
        Vector256<float> big = Avx.CompareGreaterThan(m, Vector256.Create(1.41421356f));
        m = Avx.BlendVariable(m, Avx.Multiply(m, Vector256.Create(0.5f)), big);
        k = Avx2.Subtract(k, big.AsInt32()); // the mask is −1 where m was halved
        Vector256<float> f = Avx.Subtract(m, Vector256.Create(1f));
        Vector256<float> s = Avx.Divide(f, Avx.Add(f, Vector256.Create(2f)));
        Vector256<float> z = Avx.Multiply(s, s);
        Vector256<float> p = Vector256.Create(2f / 11f);
        p = Fma.MultiplyAdd(p, z, Vector256.Create(2f / 9f));
        p = Fma.MultiplyAdd(p, z, Vector256.Create(2f / 7f));
        p = Fma.MultiplyAdd(p, z, Vector256.Create(2f / 5f));
        p = Fma.MultiplyAdd(p, z, Vector256.Create(2f / 3f));
        // log m = 2s + s·z·p, written so the leading term is not rounded through p.
        Vector256<float> logm = Fma.MultiplyAdd(Avx.Multiply(s, z), p, Avx.Add(s, s));
        Vector256<float> kf = Avx.ConvertToVector256Single(k);
        Vector256<float> lo = Fma.MultiplyAdd(kf, Vector256.Create(-2.12194440e-4f), logm);
        return Fma.MultiplyAdd(kf, Vector256.Create(0.693359375f), lo);
    }

    /// <summary>softplus(x) = x for x &gt; 20, else log1p(e^x), with the log1p correction term so tiny e^x survive.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Softplus(Vector256<float> x)
    {
        Vector256<float> e = Exp(x);
        Vector256<float> u = Avx.Add(Vector256.Create(1f), e);
        // log1p(e) = log(u) − ((u − 1) − e)/u corrects the rounding of 1 + e to first order.
        Vector256<float> err = Avx.Subtract(Avx.Subtract(u, Vector256.Create(1f)), e);
        Vector256<float> sp = Avx.Subtract(LogAtLeastOne(u), Avx.Divide(err, u));
        return Avx.BlendVariable(sp, x, Avx.CompareGreaterThan(x, Vector256.Create(20f)));
    }

    /// <summary>
    /// softplus with one divide: max(x, 0) + log1p(w), w = e^−|x| ∈ (0, 1]; log1p(w) = 2·atanh(s) with
    /// s = w/(2 + w) ∈ (0, 1/3], = 2s·(1 + z·P(z)), z = s², P a degree-3 minimax fit (error 4.5e-9).
    /// Same function as <see cref="Softplus"/> (for x &gt; 20 the log1p term, &lt; 2.1e-9, rounds away
    /// against x, so the result is x exactly), ~30 operations instead of ~48 and one divide instead of two.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SoftplusOneDivide(Vector256<float> x)
    {
        // w = e^−|x|; below ExpTableMin (|x| > 87.3) the result is subnormal or 0: those lanes take the exact slow path.
        Vector256<float> negAbs = Avx.Or(x, Vector256.Create(-0f));
        Vector256<float> w = ExpTable(Avx.Max(Vector256.Create(ExpTableMin), negAbs));
        Vector256<float> tiny = Avx.CompareLessThan(negAbs, Vector256.Create(ExpTableMin));
        if (!Avx.TestZ(tiny, tiny))
        {
            w = Avx.BlendVariable(w, ExpAnyRange(negAbs), tiny);
        }

        Vector256<float> s = Avx.Divide(w, Avx.Add(w, Vector256.Create(2f)));
        Vector256<float> z = Avx.Multiply(s, s);
        Vector256<float> p = Fma.MultiplyAdd(Vector256.Create(0.140059936f), z, Vector256.Create(0.140009026f));
        p = Fma.MultiplyAdd(p, z, Vector256.Create(0.200107636f));
        p = Fma.MultiplyAdd(p, z, Vector256.Create(0.333332081f));
        Vector256<float> s2 = Avx.Add(s, s);
        Vector256<float> log1p = Fma.MultiplyAdd(Avx.Multiply(s2, z), p, s2);
        return Avx.Add(Avx.Max(x, Vector256<float>.Zero), log1p);
    }

    /// <summary>
    /// silu(x) = x / (1 + e^−x). −x is clamped to ExpTable's range: above ExpTableMax e^−x is +inf and the quotient
    /// −0 (NaN for x = −inf, as PyTorch gives); for x &gt; 87.3 the clamped e^−x (1.2e-38) vanishes against 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Silu(Vector256<float> x)
    {
        // maxps/minps return the second operand when either is NaN: x's NaN survives the clamp.
        Vector256<float> negX = Avx.Subtract(Vector256<float>.Zero, x);
        Vector256<float> e = ExpTable(Avx.Min(Vector256.Create(ExpTableMax), Avx.Max(Vector256.Create(ExpTableMin), negX)));
        return Avx.Divide(x, Avx.Add(Vector256.Create(1f), e));
    }

    /// <summary>
    /// sigmoid(x) = 1 / (1 + e^−x), with −x clamped to ExpTable's range as in <see cref="Silu"/> (0 below x ≈ −88.7,
    /// 1 above 87.3; NaN propagates).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x)
    {
        Vector256<float> negX = Avx.Subtract(Vector256<float>.Zero, x);
        Vector256<float> e = ExpTable(Avx.Min(Vector256.Create(ExpTableMax), Avx.Max(Vector256.Create(ExpTableMin), negX)));
        return Avx.Divide(Vector256.Create(1f), Avx.Add(Vector256.Create(1f), e));
    }

    /// <summary>
    /// Exact-form GELU 0.5·x·erfc(−x/√2). erfc uses the Chebyshev-fitted form
    /// t·exp(−z² + P(t)), t = 1/(1 + z/2), whose fractional error is below 1.2e-7 for all z ≥ 0;
    /// working with erfc (not 1 + erf) keeps relative accuracy in the negative tail.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Gelu(Vector256<float> x)
    {
        Vector256<float> w = Avx.Multiply(x, Vector256.Create(-0.70710678118654752f));
        Vector256<float> z = Avx.AndNot(Vector256.Create(-0f), w); // |w|
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
        Vector256<float> ans = Avx.Multiply(t, Exp(Fma.MultiplyAddNegated(z, z, p)));
        Vector256<float> erfc = Avx.BlendVariable(ans, Avx.Subtract(Vector256.Create(2f), ans), Avx.CompareLessThan(w, Vector256<float>.Zero));
        return Avx.Multiply(Avx.Multiply(Vector256.Create(0.5f), x), erfc);
    }
}
