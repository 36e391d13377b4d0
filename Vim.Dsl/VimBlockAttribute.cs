namespace Vim.Dsl;

/// <summary>
/// Declares a Vim block variant on a <c>partial</c> class: pre-norm residual "add → norm → mixer"
/// (official <c>models_mamba.Block</c> built by <c>create_block</c>). Use it from a model with
/// <see cref="VisionMambaAttribute.Block"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class VimBlockAttribute : Attribute
{
    /// <summary>The mixer, a class declared with <see cref="MambaMixerAttribute"/>. Required.</summary>
    public Type? Mixer { get; set; }

    /// <summary>Official <c>rms_norm</c>: RMSNorm instead of LayerNorm. Default <c>true</c>.</summary>
    public bool RmsNorm { get; set; } = true;

    /// <summary>Official <c>norm_epsilon</c>. Default <c>1e-5</c>.</summary>
    public double NormEpsilon { get; set; } = 1e-5;

    /// <summary>Official <c>fused_add_norm</c>. Default <c>true</c>.</summary>
    public bool FusedAddNorm { get; set; } = true;

    /// <summary>Official <c>residual_in_fp32</c>. Default <c>true</c>.</summary>
    public bool ResidualInFp32 { get; set; } = true;
}
