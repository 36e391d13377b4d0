namespace Vim.Dsl;

/// <summary>
/// Declares a VSS block variant on a <c>partial</c> class (official <c>VSSBlock</c> of
/// <c>classification/models/vmamba.py</c>): <c>x += op(norm(x))</c>, then <c>x += mlp(norm2(x))</c>. Use it from a model
/// with <see cref="VMambaAttribute.Block"/>; every stage then builds this block at its own width.
/// </summary>
/// <example>
/// <code>
/// [SS2D(SsmDState = 1, SsmConvBias = false, ForwardType = "v05_noz")] public sealed partial class V2Mixer;
/// [VMambaMlp] public sealed partial class V2Mlp;
/// [VssBlock(Mixer = typeof(V2Mixer), Mlp = typeof(V2Mlp), NormLayer = NormLayer.Ln2d)] public sealed partial class V2Block;
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class VssBlockAttribute : Attribute
{
    /// <summary>The SS2D mixer (official <c>op</c>), a class declared with <see cref="SS2DAttribute"/>. Required.</summary>
    public Type? Mixer { get; set; }

    /// <summary>The MLP (official <c>mlp</c>), a class declared with <see cref="VMambaMlpAttribute"/>; null means no MLP branch (official <c>mlp_ratio</c> ≤ 0). Default null.</summary>
    public Type? Mlp { get; set; }

    /// <summary>
    /// Official <c>norm_layer</c> (passed by <c>VSSM</c> to every block). It also fixes the model's layout: a model that uses
    /// this block takes its stem, downsample and classifier norms from it. Default <see cref="Dsl.NormLayer.Ln"/>.
    /// </summary>
    public NormLayer NormLayer { get; set; } = NormLayer.Ln;
}
