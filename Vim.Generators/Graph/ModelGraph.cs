using Vim.Generators.Helpers;
using Vim.Generators.Specs;

namespace Vim.Generators.Graph
{
    /// <summary>
    /// A Vim model with every structural option resolved (cls placement after upstream's precedence, the block to
    /// use, pooling, RoPE) and no source locations, so moving a declaration never regenerates source.
    /// </summary>
    internal sealed record ModelGraph(
        HierarchyInfo Type,
        string Name,
        EquatableArray<string> Aliases,
        int ImgHeight,
        int ImgWidth,
        int PatchSize,
        int Stride,
        int Depth,
        int EmbedDim,
        int Channels,
        int NumClasses,
        bool Bidirectional,
        PoolKind Pool,
        bool AbsPosEmbed,
        bool Rope,
        bool RopeResidual,
        int PtHwSeqLen,
        ClsPlacement Cls,
        BlockSpec Block,
        EquatableArray<double> Mean,
        EquatableArray<double> Std,
        double CropPct,
        double DropRate,
        double DropPathRate,
        long ParameterCount)
    {
        public int GridHeight => (ImgHeight - PatchSize) / Stride + 1;

        public int GridWidth => (ImgWidth - PatchSize) / Stride + 1;

        public int NumPatches => GridHeight * GridWidth;

        public int ClsCount => Cls switch { ClsPlacement.None => 0, ClsPlacement.Double => 2, _ => 1 };

        public int SequenceLength => NumPatches + ClsCount;

        public CatalogEntry CatalogEntry => new(Name, Aliases, Type.GlobalName);
    }

    /// <summary>One registry row of the per-assembly catalog.</summary>
    internal sealed record CatalogEntry(string Name, EquatableArray<string> Aliases, string TypeName);

    /// <summary>The graph stage's output: the graph when the declaration is valid, and its diagnostics.</summary>
    internal sealed record BuildResult(ModelGraph? Graph, EquatableArray<DiagnosticInfo> Diagnostics, string Name, EquatableArray<string> Aliases, LocationInfo? NameLocation, string TypeName);
}
