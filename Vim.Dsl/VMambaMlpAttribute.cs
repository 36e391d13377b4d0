namespace Vim.Dsl;

/// <summary>
/// Declares a VMamba MLP variant on a <c>partial</c> class (official <c>Mlp</c> / <c>gMlp</c> of
/// <c>classification/models/vmamba.py</c>, the <c>mlp</c> of a VSS block), with the <c>VSSM</c> constructor's <c>mlp_*</c>
/// and <c>gmlp</c> options as properties. Use it from a block with <see cref="VssBlockAttribute.Mlp"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class VMambaMlpAttribute : Attribute
{
    /// <summary>Official <c>mlp_ratio</c>: hidden = int(C·ratio); ≤ 0 removes the block's MLP branch. Default <c>4.0</c>.</summary>
    public double MlpRatio { get; set; } = 4.0;

    /// <summary>Official <c>mlp_act_layer</c>. Default <see cref="ActLayer.Gelu"/>.</summary>
    public ActLayer MlpActLayer { get; set; } = ActLayer.Gelu;

    /// <summary>Official <c>mlp_drop_rate</c> (identity at inference). Default <c>0</c>.</summary>
    public double MlpDropRate { get; set; }

    /// <summary>Official <c>gmlp</c>: gated MLP (fc1 → 2·hidden, fc2(a · act(g))). Default <c>false</c>.</summary>
    public bool Gmlp { get; set; }
}
