using Vim.Runtime.Tensors;

namespace Vim.Runtime.Modules.VMamba;

/// <summary>The SS2D initialisations of VMamba's <c>ssm_init</c> (spec §9) that the shared <see cref="ParameterInit"/> set lacks.</summary>
public static class VMambaInit
{
    /// <summary>Normal(0, std²), untruncated (<c>ssm_init="v1"</c>).</summary>
    public static ParameterInit Normal(double std) => new TruncatedNormalInit(std, double.PositiveInfinity);

    /// <summary>Uniform in [<paramref name="low"/>, <paramref name="high"/>) (<c>ssm_init="v2"</c>: 0.1·U(0, 1)).</summary>
    public static ParameterInit UniformRange(double low, double high) => new UniformRangeInit(low, high);
}

internal sealed record UniformRangeInit(double Low, double High) : ParameterInit
{
    internal override void Fill(Span<float> values, Shape shape, Random random)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (float)(Low + random.NextDouble() * (High - Low));
    }
}
