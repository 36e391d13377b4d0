namespace Vim.Dsl;

/// <summary>Official <c>bimamba_type</c>: how a Mamba mixer covers both token directions.</summary>
public enum BimambaType
{
    /// <summary><c>"none"</c>: one forward scan (upstream treats any unknown string the same way).</summary>
    None,
    /// <summary><c>"v1"</c>: shared conv/x_proj/dt_proj/D, a second <c>A_b_log</c> for the reversed scan; outputs summed, never halved.</summary>
    V1,
    /// <summary><c>"v2"</c>: a full second branch (<c>conv1d_b</c>, <c>x_proj_b</c>, <c>dt_proj_b</c>, <c>A_b_log</c>, <c>D_b</c>) on the reversed tokens.</summary>
    V2,
}
