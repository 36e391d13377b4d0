using Vim.Generators.Helpers;

namespace Vim.Generators.Specs
{
    /// <summary>A named attribute argument and where it is written, for diagnostics on the offending argument.</summary>
    internal sealed record ArgumentLocation(string Name, LocationInfo Location);

    /// <summary>Everything read from one <c>[VisionMamba]</c> declaration: plain values only.</summary>
    internal sealed record VisionMambaSpec(
        HierarchyInfo Type,
        string Name,
        EquatableArray<string> Aliases,
        int ImgHeight,
        int ImgWidth,
        bool ImgIsPair,
        int PatchSize,
        int Stride,
        int Depth,
        int EmbedDim,
        int Channels,
        int NumClasses,
        bool Bidirectional,
        PoolKind FinalPool,
        bool AbsPosEmbed,
        bool Rope,
        bool RopeResidual,
        int PtHwSeqLen,
        bool ClsToken,
        bool UseDoubleClsToken,
        bool UseMiddleClsToken,
        BlockSpec Block,
        bool BlockDeclared,
        EquatableArray<double> Mean,
        EquatableArray<double> Std,
        double CropPct,
        EquatableArray<string> ExplicitArguments,
        LocationInfo? AttributeLocation,
        EquatableArray<ArgumentLocation> ArgumentLocations)
    {
        /// <summary>The location of argument <paramref name="name"/>, else of the attribute.</summary>
        public LocationInfo? LocationOf(string name)
        {
            foreach (var a in ArgumentLocations)
            {
                if (a.Name == name) return a.Location;
            }
            return AttributeLocation;
        }

        public bool IsExplicit(string name)
        {
            foreach (var a in ExplicitArguments)
            {
                if (a == name) return true;
            }
            return false;
        }
    }

    /// <summary>The parse stage's output: what was understood, plus the problems found.</summary>
    internal sealed record ParseResult<T>(T? Spec, EquatableArray<DiagnosticInfo> Diagnostics)
        where T : class;
}
