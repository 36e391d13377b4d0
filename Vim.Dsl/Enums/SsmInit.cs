namespace Vim.Dsl;

/// <summary>Official VMamba <c>ssm_init</c>: how a fresh SS2D fills A_logs, Ds and the Δ projection (outputs of a loaded model are unaffected).</summary>
public enum SsmInit
{
    /// <summary><c>"v0"</c>: Mamba's S4D-real A, D = 1, log-uniform Δ bias (every released model).</summary>
    V0,
    /// <summary><c>"v1"</c>: A_logs ~ N(0, 1), Δ weights and bias 0.1·N(0, 1).</summary>
    V1,
    /// <summary><c>"v2"</c>: A_logs = 0, Δ weights and bias 0.1·U(0, 1).</summary>
    V2,
}
