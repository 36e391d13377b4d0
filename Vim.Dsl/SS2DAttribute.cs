namespace Vim.Dsl;

/// <summary>
/// Declares an SS2D mixer variant on a <c>partial</c> class (official <c>SS2D</c> of MzeroMiko/VMamba
/// <c>classification/models/vmamba.py</c>, the <c>op</c> of a VSS block), with the <c>VSSM</c> constructor's <c>ssm_*</c>
/// and <c>forward_type</c> options as properties. The width <c>d_model</c> comes from the stage that uses it. Use it from
/// a block with <see cref="VssBlockAttribute.Mixer"/>.
/// </summary>
/// <example>
/// <code>
/// [SS2D(SsmDState = 1, SsmRatio = 2.0, SsmConvBias = false, ForwardType = "v05_noz")]
/// public sealed partial class V2Mixer;
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class SS2DAttribute : Attribute
{
    /// <summary>Official <c>ssm_d_state</c> (N). Default <c>16</c>.</summary>
    public int SsmDState { get; set; } = 16;

    /// <summary>Official <c>ssm_ratio</c>: d_inner = int(ratio·C); ≤ 0 removes the block's SS2D branch. Default <c>2.0</c>.</summary>
    public double SsmRatio { get; set; } = 2.0;

    /// <summary>Official <c>ssm_dt_rank</c>; 0 means <c>"auto"</c> = ceil(C / 16). Default <c>0</c> (<c>"auto"</c>).</summary>
    public int SsmDtRank { get; set; }

    /// <summary>Official <c>ssm_act_layer</c>. Default <see cref="ActLayer.Silu"/>.</summary>
    public ActLayer SsmActLayer { get; set; } = ActLayer.Silu;

    /// <summary>Official <c>ssm_conv</c>: depthwise kernel size; ≤ 1 means no conv (the activation stays). Default <c>3</c>.</summary>
    public int SsmConv { get; set; } = 3;

    /// <summary>Official <c>ssm_conv_bias</c>. Default <c>true</c>.</summary>
    public bool SsmConvBias { get; set; } = true;

    /// <summary>Official <c>ssm_drop_rate</c> (identity at inference). Default <c>0</c>.</summary>
    public double SsmDropRate { get; set; }

    /// <summary>Official <c>ssm_init</c> (fresh initialisation only). Default <see cref="Dsl.SsmInit.V0"/>.</summary>
    public SsmInit SsmInit { get; set; } = SsmInit.V0;

    /// <summary>
    /// Official <c>forward_type</c>, kept as the official string:
    /// <c>base[_onsigmoid|_onsoftmax|_oncnorm|_ondwconv3|_onnone][_nozact][_noz][_oact][_no32]</c>. Default <c>"v2"</c>
    /// (upstream's default, which crashes at HEAD and is therefore refused with VIM023).
    /// </summary>
    public string ForwardType { get; set; } = "v2";
}
