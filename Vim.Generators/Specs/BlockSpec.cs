namespace Vim.Generators.Specs
{
    /// <summary>A Vim block configuration: add → norm → mixer.</summary>
    /// <param name="TypeName">global:: name of a declared <c>[VimBlock]</c> class, or null when the generator synthesizes one.</param>
    internal sealed record BlockSpec(string? TypeName, bool RmsNorm, double NormEpsilon, bool FusedAddNorm, bool ResidualInFp32, MixerSpec Mixer);
}
