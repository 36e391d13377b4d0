using System.Text.RegularExpressions;
using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Checkpoints;

/// <summary>
/// VMamba's load-time key and shape rules (spec §11.1), in one place: legacy v0 prefixes renamed to HEAD's names
/// (<c>patch_embed.proj.</c> → <c>patch_embed.0.</c>, <c>patch_embed.norm.</c> → <c>patch_embed.2.</c>,
/// <c>…blocks.{j}.ln_1.</c> → <c>…norm.</c>, <c>…blocks.{j}.self_attention.</c> → <c>…op.</c>, top-level
/// <c>norm.</c>/<c>head.</c> → <c>classifier.norm.</c>/<c>classifier.head.</c>), and Linear2d weights stored as
/// 1×1 convs (out, in, 1, 1) reshaped to (out, in) where the model expects a matrix.
/// </summary>
public static partial class VMambaCheckpointAdapter
{
    /// <summary>The adapted dictionary (tensors that need no change are passed through, not copied).</summary>
    /// <param name="tensors">A checkpoint's tensors, e.g. from <see cref="CheckpointReader.Load"/>.</param>
    /// <param name="model">The model the tensors are for (its expected shapes decide the 4-D → 2-D reshapes).</param>
    public static IReadOnlyDictionary<string, Tensor> Adapt(IReadOnlyDictionary<string, Tensor> tensors, Module model)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(model);
        var expected = model.NamedParameters().ToDictionary(p => p.Key, p => p.Value.Shape, StringComparer.Ordinal);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in tensors)
        {
            string name = Rename(key);
            var value = tensor;
            if (expected.TryGetValue(name, out var shape) && shape.Rank == 2 && tensor.Rank == 4
                && tensor.Shape[0] == shape[0] && tensor.Shape[1] == shape[1] && tensor.Shape[2] == 1 && tensor.Shape[3] == 1)
            {
                value = tensor.Reshape(shape[0], shape[1]);
            }
            result[name] = value;
        }
        return result;
    }

    /// <summary>HEAD's name for a legacy v0 key (other keys unchanged).</summary>
    public static string Rename(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.StartsWith("patch_embed.proj.", StringComparison.Ordinal)) return "patch_embed.0." + key["patch_embed.proj.".Length..];
        if (key.StartsWith("patch_embed.norm.", StringComparison.Ordinal)) return "patch_embed.2." + key["patch_embed.norm.".Length..];
        if (key.StartsWith("norm.", StringComparison.Ordinal)) return "classifier." + key;
        if (key.StartsWith("head.", StringComparison.Ordinal)) return "classifier." + key;
        return LegacyBlock().Replace(key, m => m.Groups[1].Value + (m.Groups[2].Value == "ln_1" ? "norm." : "op."));
    }

    [GeneratedRegex(@"^(layers\.\d+\.blocks\.\d+\.)(ln_1|self_attention)\.")]
    private static partial Regex LegacyBlock();
}
