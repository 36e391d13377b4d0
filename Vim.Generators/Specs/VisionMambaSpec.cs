using Vim.Generators.Helpers;

namespace Vim.Generators.Specs
{
    /// <summary>A named attribute argument and where it is written, for diagnostics on the offending argument.</summary>
    internal sealed record ArgumentLocation(string Name, LocationInfo Location)
    {
        /// <summary>Where argument <paramref name="name"/> is written, else <paramref name="fallback"/> (the attribute).</summary>
        public static LocationInfo? Find(EquatableArray<ArgumentLocation> arguments, string name, LocationInfo? fallback)
        {
            foreach (var a in arguments)
            {
                if (a.Name == name) return a.Location;
            }
            return fallback;
        }
    }

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
        double DropRate,
        double DropPathRate,
        EquatableArray<string> ExplicitArguments,
        LocationInfo? AttributeLocation,
        EquatableArray<ArgumentLocation> ArgumentLocations)
    {
        /// <summary>The location of argument <paramref name="name"/>, else of the attribute.</summary>
        public LocationInfo? LocationOf(string name) => ArgumentLocation.Find(ArgumentLocations, name, AttributeLocation);

        public bool IsExplicit(string name) => System.Linq.Enumerable.Contains(ExplicitArguments, name);
    }

    /// <summary>The parse stage's output: what was understood, plus the problems found.</summary>
    internal sealed record ParseResult<T>(T? Spec, EquatableArray<DiagnosticInfo> Diagnostics)
        where T : class;
}
