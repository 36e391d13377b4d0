namespace Vim.Dsl;

/// <summary>Official <c>dt_init</c> of the Mamba mixer: how <c>dt_proj.weight</c> is initialised.</summary>
public enum DtInit
{
    /// <summary><c>"random"</c>: uniform in ±dt_rank^−0.5·dt_scale.</summary>
    Random,
    /// <summary><c>"constant"</c>: every element dt_rank^−0.5·dt_scale.</summary>
    Constant,
}
