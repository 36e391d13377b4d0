using Vim.Runtime.Checkpoints;
using Vim.Runtime.Registry;
using Vim.Runtime.Tests.Fixtures;

namespace Vim.Runtime.Tests.VMamba;

/// <summary>Legacy v0 names and 4-D Linear2d weights load into HEAD-named models with the same numbers.</summary>
public class VMambaCheckpointAdapterTests
{
    [Theory]
    [InlineData("patch_embed.proj.weight", "patch_embed.0.weight")]
    [InlineData("patch_embed.norm.bias", "patch_embed.2.bias")]
    [InlineData("layers.2.blocks.7.ln_1.weight", "layers.2.blocks.7.norm.weight")]
    [InlineData("layers.0.blocks.1.self_attention.A_logs", "layers.0.blocks.1.op.A_logs")]
    [InlineData("norm.weight", "classifier.norm.weight")]
    [InlineData("head.bias", "classifier.head.bias")]
    [InlineData("layers.0.downsample.reduction.weight", "layers.0.downsample.reduction.weight")]
    public void Rename_MapsLegacyKeys(string legacy, string head) => Assert.Equal(head, VMambaCheckpointAdapter.Rename(legacy));

    [Theory]
    [InlineData("vmamba_v0_ds1")]
    [InlineData("vmamba_v2_ln2d_r2")]
    public void LegacyNamesAnd4dWeights_GiveTheSameLogits(string fixture)
    {
        var official = SafeTensors.Load(Parity.DataPath("VMamba", "Data", fixture, "weights.safetensors"));
        var io = SafeTensors.Load(Parity.DataPath("VMamba", "Data", fixture, "io.safetensors"));
        // Write the checkpoint the way old releases did: legacy prefixes, Linear weights as (out, in, 1, 1).
        var legacy = official.Select(p =>
        {
            string key = p.Key.Replace("patch_embed.0.", "patch_embed.proj.").Replace("patch_embed.2.", "patch_embed.norm.")
                .Replace("classifier.norm.", "norm.").Replace("classifier.head.", "head.").Replace(".op.", ".self_attention.");
            if (key.EndsWith("blocks.0.norm.weight", StringComparison.Ordinal)) key = key.Replace(".norm.weight", ".ln_1.weight");
            var t = p.Value;
            if (t.Rank == 2 && (key.Contains("in_proj") || key.Contains("out_proj") || key.Contains("fc1"))) t = t.Reshape(t.Shape[0], t.Shape[1], 1, 1);
            return new KeyValuePair<string, Tensors.Tensor>(key, t);
        }).ToDictionary();
        // Through the ordinary LoadCheckpoint: the generated VMamba class adapts the legacy layout itself.
        string path = Path.Combine(Path.GetTempPath(), $"vmamba-legacy-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafeTensors.Save(path, legacy);
            var model = Models.Create("fixture_" + fixture);
            model.LoadCheckpoint(path);
            using var logits = model.Forward(io["input"]);
            Assert.True(Parity.RelativeL2(logits.Span, io["logits"].Span) <= Parity.Bound);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
