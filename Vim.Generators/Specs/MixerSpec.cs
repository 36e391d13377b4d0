namespace Vim.Generators.Specs
{
    /// <summary>A Mamba mixer configuration (official <c>mamba_simple.Mamba</c> options).</summary>
    /// <param name="TypeName">global:: name of a declared <c>[MambaMixer]</c> class, or null when the generator synthesizes one.</param>
    internal sealed record MixerSpec(
        string? TypeName,
        int DState,
        int DConv,
        int Expand,
        int DtRank,
        double DtMin,
        double DtMax,
        DtInitKind DtInit,
        double DtScale,
        double DtInitFloor,
        bool ConvBias,
        bool Bias,
        bool UseFastPath,
        BimambaKind Bimamba,
        bool DivideOut,
        double InitLayerScale)
    {
        /// <summary>The Mamba class defaults.</summary>
        public static MixerSpec Default { get; } = new(null, 16, 4, 2, 0, 0.001, 0.1, DtInitKind.Random, 1.0, 1e-4, true, false, true, BimambaKind.None, false, 0.0);
    }
}
