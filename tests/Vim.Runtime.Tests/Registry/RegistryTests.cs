using System.Globalization;
using Vim.Runtime.Checkpoints;
using Vim.Runtime.Devices;
using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;
using Vim.Runtime.Tests.Fixtures;

namespace Vim.Runtime.Tests.Registry;

public class RegistryTests
{
    public static TheoryData<string, long> OfficialCounts => new()
    {
        // spec/vim.md §2, measured by instantiating the official class
        { "vim_tiny_patch16_224", 7_148_008 },
        { "vim_tiny_patch16_stride8_224", 7_250_344 },
        { "vim_small_patch16_224", 25_796_584 },
        { "vim_small_patch16_stride8_224", 26_001_256 },
        { "vim_base_patch16_224", 97_598_440 },
        { "vim_digits_patch8_32", 258_826 },
    };

    [Theory]
    [MemberData(nameof(OfficialCounts))]
    public void ZooModel_HasTheOfficialParameterCount(string name, long expected)
    {
        var model = Models.Create(name, Device.Meta);
        Assert.Equal(expected, model.ParameterCount);
        Assert.Equal(expected, Models.Get(name).ParameterCount);
    }

    [Fact]
    public void VimTiny_KeysAndShapesEqualTheOfficialStateDict()
    {
        // spec/vim_tiny_state_dict.tsv: index, key, shape, numel — all 415 keys, in order.
        var expected = File.ReadAllLines(Parity.DataPath("Registry", "Data", "vim_tiny_state_dict.tsv"))
            .Where(l => !l.StartsWith('#') && l.Length > 0)
            .Select(l => l.Split('\t'))
            .Select(f => (Key: f[1], Shape: f[2], Numel: long.Parse(f[3], CultureInfo.InvariantCulture)))
            .ToList();
        var actual = Models.Create("vim_tiny_patch16_224", Device.Meta).NamedParameters()
            .Select(p => (Key: p.Key, Shape: "[" + string.Join(", ", p.Value.Shape) + "]", Numel: p.Value.Shape.Numel))
            .ToList();
        Assert.Equal(415, expected.Count);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Names_AreCaseInsensitiveAcceptAliasesAndTags()
    {
        var info = Models.Get("vim_tiny_patch16_224");
        Assert.Same(info, Models.Get("VIM_TINY_PATCH16_224"));
        Assert.Same(info, Models.Get("vim_tiny_patch16_224_bimambav2_final_pool_mean_abs_pos_embed_with_midclstok_div2"));
        Assert.Same(info, Models.Get("vim_tiny_patch16_224.in1k"));
        Assert.Same(Models.Get("vim_base_patch16_224"), Models.Get("vim_base_patch16_224_bimambav2_final_pool_mean_abs_pos_embed_with_middle_cls_token_div2"));
        var error = Assert.Throws<KeyNotFoundException>(() => Models.Get("vim_huge"));
        Assert.Contains("vim_tiny_patch16_224", error.Message);
    }

    [Fact]
    public void List_FiltersAndSorts()
    {
        var names = Models.List("vim_*_224").Select(i => i.Name).ToList();
        Assert.Equal(["vim_base_patch16_224", "vim_small_patch16_224", "vim_small_patch16_stride8_224", "vim_tiny_patch16_224", "vim_tiny_patch16_stride8_224"], names);
        var tiny = Models.Get("vim_tiny_patch16_224");
        Assert.Equal((224, 224, 1000, 0.875), (tiny.ImgHeight, tiny.ImgWidth, tiny.NumClasses, tiny.CropPct));
        Assert.Equal([0.485, 0.456, 0.406], tiny.Mean);
        Assert.Equal([0.229, 0.224, 0.225], tiny.Std);
    }

    [Fact]
    public void EveryRegisteredModel_RunsAtAReducedSizeThatKeepsItsStructure()
    {
        foreach (var info in Models.List())
        {
            // One patch grid of 2×2 (or the declared size when smaller) and 3 classes: same structure, little work.
            int patch = info.Name.Contains("patch8") ? 8 : 16, stride = info.Name.Contains("stride8") ? 8 : patch;
            int side = Math.Min(info.ImgHeight, patch + stride);
            var model = info.Create(overrides: new ModelOverrides { ImgSize = side, NumClasses = 3 });
            using var x = Tensor.Zeros(2, info.Channels, side, side);
            using var logits = model.Forward(x);
            // (B, classes), or (B, L, classes) for a per-token model (final_pool_type 'all')
            Assert.True(logits.Shape.Rank is 2 or 3 && logits.Shape[0] == 2 && logits.Shape[^1] == 3, $"{info.Name}: logits {logits.Shape}");
            Assert.All(logits.ToArray(), v => Assert.True(float.IsFinite(v), $"{info.Name}: non-finite logit"));
        }
    }

    [Fact]
    public void FreshInitialisation_FollowsTheOfficialDistributions()
    {
        var model = Models.Create("vim_tiny_patch16_224");
        var p = model.NamedParameters().ToDictionary(kv => kv.Key, kv => kv.Value.Value.ToArray());
        Assert.All(p["layers.0.mixer.dt_proj_b.bias"], v => Assert.Equal(0f, v));
        Assert.All(p["layers.0.mixer.D"], v => Assert.Equal(1f, v));
        Assert.Equal(MathF.Log(16), p["layers.3.mixer.A_log"][15], 6);
        Assert.All(p["layers.0.mixer.out_proj.weight"], v => Assert.InRange(MathF.Abs(v), 0, 0.010417f));
        Assert.All(p["layers.0.mixer.dt_proj.bias"], v => Assert.InRange(MathF.Log(1 + MathF.Exp(v)), 0.00099f, 0.1001f));
        double std = Math.Sqrt(p["patch_embed.proj.weight"].Average(v => (double)v * v));
        Assert.InRange(std, 0.039, 0.043); // lecun normal: sqrt(1/768)/0.8796 = 0.0410
        var again = Models.Create("vim_tiny_patch16_224").NamedParameters().First(kv => kv.Key == "pos_embed").Value.Value.ToArray();
        Assert.Equal(p["pos_embed"], again); // seeded: same seed, same weights
    }

    [Fact]
    public void StrictLoading_NamesEveryMissingUnexpectedAndMisshapedKey()
    {
        var model = Models.Create("fixture_vim_v2_midcls_rms_fused");
        var good = SafeTensors.Load(Parity.DataPath("Fixtures", "Data", "vim_v2_midcls_rms_fused", "weights.safetensors"));
        var before = model.NamedParameters().First().Value.Value.ToArray();
        var bad = good.Where(kv => kv.Key != "norm_f.weight" && kv.Key != "layers.1.mixer.D_b")
            .Select(kv => kv.Key == "pos_embed" ? new KeyValuePair<string, Tensor>(kv.Key, Tensor.Zeros(1, 16, 32)) : kv)
            .Append(new("layers.9.mixer.A_log", Tensor.Zeros(2, 2)))
            .ToDictionary();
        var error = Assert.Throws<CheckpointMismatchException>(() => model.LoadStateDict(bad));
        Assert.Equal(["layers.1.mixer.D_b", "norm_f.weight"], error.Missing.Order(StringComparer.Ordinal));
        Assert.Equal(["layers.9.mixer.A_log"], error.Unexpected);
        Assert.Equal("pos_embed", Assert.Single(error.Misshaped).Key);
        Assert.Contains("pos_embed: model expects (1, 17, 32), checkpoint has (1, 16, 32)", error.Message);
        Assert.Equal(before, model.NamedParameters().First().Value.Value.ToArray()); // nothing loaded
    }

    [Fact]
    public void WrongInput_IsATypedErrorAndTheModelStaysUsable()
    {
        var model = Models.Create("vim_digits_patch8_32");
        Assert.Contains("expected images (B, 3, 32, 32), got (1, 3, 28, 28)", Assert.Throws<ModelInputException>(() => model.Forward(Tensor.Zeros(1, 3, 28, 28))).Message);
        Assert.Contains("1 channels", Assert.Throws<ModelInputException>(() => model.Forward(Tensor.Zeros(1, 1, 32, 32))).Message);
        Assert.Contains("rank-3", Assert.Throws<ModelInputException>(() => model.Forward(Tensor.Zeros(3, 32, 32))).Message);
        using var logits = model.Forward(Tensor.Zeros(1, 3, 32, 32));
        Assert.Equal(new Shape(1, 10), logits.Shape);
    }

    [Fact]
    public void CudaRequest_WithoutAUsableGpu_IsAClearError()
    {
        try
        {
            Backends.For(Device.Cuda(0));
            Assert.Skip("a CUDA device is available here; the refusal only happens without one");
        }
        catch (DeviceUnavailableException)
        {
        }
        var error = Assert.Throws<DeviceUnavailableException>(() => Models.Create("vim_digits_patch8_32", Device.Cuda(0)));
        Assert.Contains("cuda:0", error.Message);
    }

    [Fact]
    public void SaveSafetensors_RoundTripsTheStateDict()
    {
        var model = Models.Create("vim_digits_patch8_32");
        string path = Path.Combine(Path.GetTempPath(), $"vim-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.SaveSafetensors(path);
            var copy = Models.Create("vim_digits_patch8_32", overrides: new ModelOverrides { Seed = 7 });
            copy.LoadCheckpoint(path);
            Assert.Equal(model.StateDict().Select(kv => kv.Value.ToArray()), copy.StateDict().Select(kv => kv.Value.ToArray()));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
