using Vim.Generators.Helpers;

namespace Vim.Generators.Specs
{
    /// <summary>Everything read from one <c>[VMamba]</c> declaration: plain values only (enums as the DSL's ordinals).</summary>
    internal sealed record VMambaSpec(
        HierarchyInfo Type,
        string Name,
        EquatableArray<string> Aliases,
        int PatchSize,
        int InChans,
        int NumClasses,
        EquatableArray<int> Depths,
        EquatableArray<int> Dims,
        int Dim,
        int SsmDState,
        double SsmRatio,
        int SsmDtRank,
        int SsmActLayer,
        int SsmConv,
        bool SsmConvBias,
        int SsmInit,
        string ForwardType,
        double MlpRatio,
        int MlpActLayer,
        bool Gmlp,
        bool PatchNorm,
        int NormLayer,
        int DownsampleVersion,
        int PatchEmbedVersion,
        bool PosEmbed,
        int ImgSize,
        EquatableArray<double> Mean,
        EquatableArray<double> Std,
        double CropPct,
        double DropPathRate,
        bool UseCheckpoint,
        EquatableArray<string> ExplicitArguments,
        LocationInfo? AttributeLocation,
        EquatableArray<ArgumentLocation> ArgumentLocations,
        VssBlockSpec? Block = null)
    {
        /// <summary>The location of argument <paramref name="name"/>, else of the attribute.</summary>
        public LocationInfo? LocationOf(string name)
        {
            // With a declared block its options are reported where the model names the block.
            if (Block is not null && name != "Block" && System.Array.IndexOf(Parsing.VMambaComponentReader.BlockOptions, name) >= 0) return LocationOf("Block");
            return ArgumentLocation.Find(ArgumentLocations, name, AttributeLocation);
        }

        public bool IsExplicit(string name) => System.Linq.Enumerable.Contains(ExplicitArguments, name);
    }
}
