using Vim.Generators.Helpers;
using Vim.Generators.Specs;

namespace Vim.Generators.Graph
{
    /// <summary>
    /// A VMamba model with every structural option resolved — per-stage widths, d_inner, dt rank and MLP width, the
    /// SS2D variant from the forward type, layout, stem and downsample — and no source locations.
    /// Enum-valued options are the DSL enums' ordinals. <see cref="BlockType"/> is the declared <c>[VssBlock]</c> class the
    /// stages instantiate (null: the runtime's option-driven VssBlock).
    /// </summary>
    internal sealed record VMambaGraph(
        HierarchyInfo Type,
        string Name,
        EquatableArray<string> Aliases,
        string ForwardType,
        int PatchSize,
        int InChans,
        int NumClasses,
        int ImgSize,
        EquatableArray<int> Depths,
        EquatableArray<int> Dims,
        EquatableArray<int> DInner,
        EquatableArray<int> DtRank,
        EquatableArray<int> MlpHidden,
        int DState,
        int SsmActLayer,
        int SsmConv,
        bool SsmConvBias,
        int SsmInit,
        bool HasGate,
        bool GateActivation,
        bool OutActivation,
        int OutNorm,
        EquatableArray<int> Traversals,
        bool LegacyOrder,
        int MlpActLayer,
        bool Gmlp,
        bool PatchNorm,
        bool ChannelFirst,
        int NormLayer,
        int DownsampleVersion,
        int PatchEmbedVersion,
        bool PosEmbed,
        EquatableArray<double> Mean,
        EquatableArray<double> Std,
        double CropPct,
        double DropPathRate,
        bool UseCheckpoint,
        long ParameterCount,
        string? BlockType = null)
    {
        public int Stages => Depths.Length;

        public bool HasSsm(int stage) => DInner[stage] > 0;

        public bool HasMlp(int stage) => MlpHidden[stage] > 0;

        public CatalogEntry CatalogEntry => new(Name, Aliases, Type.GlobalName);
    }

    /// <summary>The VMamba graph stage's output.</summary>
    internal sealed record VMambaBuildResult(VMambaGraph? Graph, EquatableArray<DiagnosticInfo> Diagnostics, string Name, EquatableArray<string> Aliases, LocationInfo? NameLocation, string TypeName);
}
