namespace Vim.Dsl;

/// <summary>Official VMamba <c>downsample_version</c>: how a stage's map is halved before the next stage.</summary>
public enum DownsampleVersion
{
    /// <summary><c>"v1"</c>: PatchMerging2D — 2×2 neighbours concatenated, norm(4C), Linear without bias (ceil(H/2)).</summary>
    V1,
    /// <summary><c>"v2"</c>: Conv2d k2 s2 + norm (floor(H/2)).</summary>
    V2,
    /// <summary><c>"v3"</c>: Conv2d k3 s2 p1 + norm (ceil(H/2)); the released v2 models.</summary>
    V3,
    /// <summary><c>"none"</c>: upstream builds a <c>None</c> module that crashes the forward pass; refused (VIM024).</summary>
    None,
}
