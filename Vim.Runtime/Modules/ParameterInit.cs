using Vim.Runtime.Tensors;

namespace Vim.Runtime.Modules;

/// <summary>
/// How a fresh parameter is filled, following the official initialisation (spec §7). The generator states one per
/// parameter; <see cref="Module.Initialize(int)"/> applies them in state-dict order from one seeded generator.
/// </summary>
public abstract record ParameterInit
{
    /// <summary>All zeros.</summary>
    public static ParameterInit Zeros { get; } = new ConstantInit(0);

    /// <summary>All ones (norm weights, the D skip).</summary>
    public static ParameterInit Ones { get; } = new ConstantInit(1);

    /// <summary><c>A_log[c, n] = ln(n + 1)</c> for every channel c (S4D-real initialisation).</summary>
    public static ParameterInit ALog { get; } = new ALogInit();

    /// <summary>Every element <paramref name="value"/>.</summary>
    public static ParameterInit Constant(double value) => new ConstantInit(value);

    /// <summary>Uniform in ±<paramref name="bound"/> (PyTorch's default Linear/Conv init has bound 1/sqrt(fan_in)).</summary>
    public static ParameterInit Uniform(double bound) => new UniformInit(bound);

    /// <summary>Normal(0, std²) truncated at ±2 absolute, as timm 0.4.12's <c>trunc_normal_</c> (so practically untruncated).</summary>
    public static ParameterInit TruncatedNormal(double std) => new TruncatedNormalInit(std, 2.0);

    /// <summary>timm's <c>lecun_normal_</c>: std = sqrt(1/fan_in)/0.8796…, clipped at ±2 absolute.</summary>
    public static ParameterInit LecunNormal(int fanIn) => new TruncatedNormalInit(Math.Sqrt(1.0 / fanIn) / 0.87962566103423978, 2.0);

    /// <summary>Inverse softplus of dt = exp(U·(ln max − ln min) + ln min), floored at <paramref name="floor"/> (Mamba's dt_proj.bias).</summary>
    public static ParameterInit InverseSoftplusDt(double min, double max, double floor) => new DtBiasInit(min, max, floor);

    /// <summary>Fills <paramref name="values"/> (row-major, shape <paramref name="shape"/>).</summary>
    internal abstract void Fill(Span<float> values, Shape shape, Random random);

    internal static double NextGaussian(Random random)
    {
        // Box–Muller: the generator only needs the distribution, not PyTorch's exact stream (it cannot match it anyway).
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}

internal sealed record ConstantInit(double Value) : ParameterInit
{
    internal override void Fill(Span<float> values, Shape shape, Random random) => values.Fill((float)Value);
}

internal sealed record UniformInit(double Bound) : ParameterInit
{
    internal override void Fill(Span<float> values, Shape shape, Random random)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * Bound);
    }
}

internal sealed record TruncatedNormalInit(double Std, double Limit) : ParameterInit
{
    internal override void Fill(Span<float> values, Shape shape, Random random)
    {
        for (int i = 0; i < values.Length; i++)
        {
            double v;
            do v = NextGaussian(random) * Std; while (Math.Abs(v) > Limit);
            values[i] = (float)v;
        }
    }
}

internal sealed record ALogInit : ParameterInit
{
    internal override void Fill(Span<float> values, Shape shape, Random random)
    {
        int n = shape[^1];
        for (int i = 0; i < values.Length; i++) values[i] = (float)Math.Log(i % n + 1);
    }
}

internal sealed record DtBiasInit(double Min, double Max, double Floor) : ParameterInit
{
    internal override void Fill(Span<float> values, Shape shape, Random random)
    {
        double lo = Math.Log(Min), hi = Math.Log(Max);
        for (int i = 0; i < values.Length; i++)
        {
            double dt = Math.Max(Math.Exp(random.NextDouble() * (hi - lo) + lo), Floor);
            // inverse of softplus: dt + log(1 - exp(-dt))
            values[i] = (float)(dt + Math.Log(1 - Math.Exp(-dt)));
        }
    }
}
