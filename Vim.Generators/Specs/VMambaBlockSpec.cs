namespace Vim.Generators.Specs
{
    /// <summary>An SS2D mixer configuration (the <c>VSSM</c> <c>ssm_*</c> and <c>forward_type</c> options; enums as DSL ordinals).</summary>
    /// <param name="TypeName">global:: name of a declared <c>[SS2D]</c> class.</param>
    internal sealed record VMambaMixerSpec(
        string TypeName, int SsmDState, double SsmRatio, int SsmDtRank, int SsmActLayer, int SsmConv, bool SsmConvBias, int SsmInit, string ForwardType);

    /// <summary>A VMamba MLP configuration (<c>mlp_ratio</c>, <c>mlp_act_layer</c>, <c>gmlp</c>).</summary>
    /// <param name="TypeName">global:: name of a declared <c>[VMambaMlp]</c> class.</param>
    internal sealed record VMambaMlpSpec(string TypeName, double MlpRatio, int MlpActLayer, bool Gmlp);

    /// <summary>A declared VSS block: its norm layer, its mixer and its MLP (null: no MLP branch).</summary>
    /// <param name="TypeName">global:: name of the <c>[VssBlock]</c> class.</param>
    internal sealed record VssBlockSpec(string TypeName, int NormLayer, VMambaMixerSpec Mixer, VMambaMlpSpec? Mlp);
}
