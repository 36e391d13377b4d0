namespace Vim.Dsl;

/// <summary>Official VMamba <c>patchembed_version</c>: the stem.</summary>
public enum PatchEmbedVersion
{
    /// <summary><c>"v1"</c>: one Conv2d k=p s=p, then norm.</summary>
    V1,
    /// <summary><c>"v2"</c>: Conv2d (C0/2, k=p/2+1, s=p/2, pad 1), norm, GELU, Conv2d (C0, same), norm.</summary>
    V2,
}
