namespace Vim.Dsl;

/// <summary>
/// Declares a Mamba mixer variant on a <c>partial</c> class (official <c>mamba_simple.Mamba</c>, Vim fork, with the
/// <c>ssm_cfg</c> options as properties). The model width <c>d_model</c> comes from the model that uses it.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class MambaMixerAttribute : Attribute
{
    /// <summary>Official <c>d_state</c>. Default <c>16</c>.</summary>
    public int DState { get; set; } = 16;

    /// <summary>Official <c>d_conv</c> (causal conv width K). Default <c>4</c>.</summary>
    public int DConv { get; set; } = 4;

    /// <summary>Official <c>expand</c> (d_inner = expand·d_model). Default <c>2</c>.</summary>
    public int Expand { get; set; } = 2;

    /// <summary>Official <c>dt_rank</c>; 0 means <c>"auto"</c> = ceil(d_model/16). Default <c>0</c>.</summary>
    public int DtRank { get; set; }

    /// <summary>Official <c>dt_min</c> (initialisation only). Default <c>0.001</c>.</summary>
    public double DtMin { get; set; } = 0.001;

    /// <summary>Official <c>dt_max</c> (initialisation only). Default <c>0.1</c>.</summary>
    public double DtMax { get; set; } = 0.1;

    /// <summary>Official <c>dt_init</c>. Default <see cref="Dsl.DtInit.Random"/>.</summary>
    public DtInit DtInit { get; set; } = DtInit.Random;

    /// <summary>Official <c>dt_scale</c> (initialisation only). Default <c>1.0</c>.</summary>
    public double DtScale { get; set; } = 1.0;

    /// <summary>Official <c>dt_init_floor</c> (initialisation only). Default <c>1e-4</c>.</summary>
    public double DtInitFloor { get; set; } = 1e-4;

    /// <summary>Official <c>conv_bias</c>. Default <c>true</c>.</summary>
    public bool ConvBias { get; set; } = true;

    /// <summary>Official <c>bias</c> (on in_proj and out_proj). Default <c>false</c>.</summary>
    public bool Bias { get; set; }

    /// <summary>Official <c>use_fast_path</c>; <c>false</c> runs only the forward branch even for v1/v2 (upstream behaviour; the <c>_b</c> parameters stay registered). Default <c>true</c>.</summary>
    public bool UseFastPath { get; set; } = true;

    /// <summary>Official <c>bimamba_type</c>. Default <see cref="Dsl.BimambaType.None"/> (the Mamba class default; Vim models pass <c>"v2"</c>).</summary>
    public BimambaType BimambaType { get; set; } = BimambaType.None;

    /// <summary>Official <c>if_divide_out</c> (v2 only). Default <c>false</c> (the Mamba class default).</summary>
    public bool DivideOut { get; set; }

    /// <summary>Official <c>init_layer_scale</c>; 0 means none. Default <c>0</c>.</summary>
    public double InitLayerScale { get; set; }
}
