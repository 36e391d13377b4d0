using Vim.Runtime.Devices;
using Vim.Runtime.Modules;
using Vim.Runtime.Ops;
using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Tests.Features;

/// <summary>What the backbone API promises beyond the numbers: feature info, index selection and order, and clear refusals.</summary>
public class FeatureApiTests
{
    [Fact]
    public void VimTiny_DescribesEveryBlockMap()
    {
        var model = Models.Create("vim_tiny_patch16_224", Device.Meta);
        Assert.Equal(24, model.FeatureInfo.Count);
        for (int i = 0; i < 24; i++) Assert.Equal(new FeatureInfo(i, $"layers.{i}", 192, 16), model.FeatureInfo[i]);
        Assert.Equal([21, 22, 23], model.DefaultOutIndices);
        Assert.True(model.HasResidualStream);
        Assert.Equal(8, Models.Create("vim_tiny_patch16_stride8_224", Device.Meta).FeatureInfo[0].Reduction);
    }

    [Fact]
    public void VMambaTiny_DescribesEveryStage()
    {
        var model = Models.Create("vmamba_tiny_s2l5", Device.Meta);
        Assert.Equal(
            [new FeatureInfo(0, "layers.0", 96, 4), new(1, "layers.1", 192, 8), new(2, "layers.2", 384, 16), new(3, "layers.3", 768, 32)],
            model.FeatureInfo);
        Assert.Equal([0, 1, 2, 3], model.DefaultOutIndices);
        Assert.False(model.HasResidualStream);
    }

    [Fact]
    public void BidirectionalModel_HasOneMapPerLayerPair()
    {
        var model = Models.Create("features_vim_blocks_bidir_doublecls_b2", Device.Meta);
        Assert.Equal([1, 3], model.FeatureInfo.Select(f => f.Index));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.FeatureInfoFor([2]));
        Assert.Contains("out index 2", error.Message);
        Assert.Contains("valid: 1, 3", error.Message);
    }

    [Fact]
    public void Maps_ComeInTheOrderAskedFor_NegativeIndicesCountFromTheLast()
    {
        var model = Models.Create("features_vim_blocks_midcls_b2");
        using var x = RandomImages(1, 32, 32, seed: 3);
        var ascending = model.ForwardFeatureMaps(x, [1, 3]);
        var reversed = model.ForwardFeatureMaps(x, [-1, 1]);
        Assert.Equal(ascending[1].ToArray(), reversed[0].ToArray());
        Assert.Equal(ascending[0].ToArray(), reversed[1].ToArray());
        Assert.NotEqual(ascending[0].ToArray(), ascending[1].ToArray());
        // a shallower selection stops earlier and gives the same map
        var shallow = model.ForwardFeatureMaps(x, [1]);
        Assert.Equal(ascending[0].ToArray(), shallow[0].ToArray());
        foreach (var m in ascending.Concat(reversed).Concat(shallow)) m.Dispose();
    }

    [Fact]
    public void FeatureExtractor_IsTimmsFeaturesOnlyModel()
    {
        var backbone = Models.CreateFeatureExtractor("features_vim_blocks_clshead_32x48_b2", [0, -1]);
        Assert.Equal([0, 3], backbone.OutIndices);
        Assert.Equal([new FeatureInfo(0, "layers.0", 32, 8), new FeatureInfo(3, "layers.3", 32, 8)], backbone.FeatureInfo);
        using var x = RandomImages(2, 32, 48, seed: 4);
        var maps = backbone.Forward(x);
        Assert.Equal([2, 32, 4, 6], maps[0].Shape.ToArray());
        var direct = backbone.Model.ForwardFeatureMaps(x, [3]);
        Assert.Equal(direct[0].ToArray(), maps[1].ToArray());
        foreach (var m in maps.Concat(direct)) m.Dispose();
    }

    [Fact]
    public void ResizedModel_MapsFollowItsGrid()
    {
        var backbone = Models.CreateFeatureExtractor("vim_digits_patch8_32", [-1], overrides: new ModelOverrides { ImgSize = 48 });
        using var x = RandomImages(1, 48, 48, seed: 8);
        var maps = backbone.Forward(x);
        Assert.Equal([1, 64, 6, 6], maps[0].Shape.ToArray());
        Assert.Equal(new FeatureInfo(5, "layers.5", 64, 8), backbone.FeatureInfo[0]);
        maps[0].Dispose();
    }

    [Fact]
    public void BadSelections_AreRefusedNamingTheProblem()
    {
        var model = Models.Create("features_vim_blocks_midcls_b2");
        using var x = RandomImages(1, 32, 32, seed: 5);
        Assert.Contains("valid: 0..3, or -1..-4", Assert.Throws<ArgumentOutOfRangeException>(() => model.ForwardFeatureMaps(x, [4])).Message);
        Assert.Contains("out index -5", Assert.Throws<ArgumentOutOfRangeException>(() => model.ForwardFeatureMaps(x, [-5])).Message);
        Assert.Contains("asked for twice", Assert.Throws<ArgumentException>(() => model.ForwardFeatureMaps(x, [3, -1])).Message);
        Assert.Contains("at least one", Assert.Throws<ArgumentException>(() => model.ForwardFeatureMaps(x, [])).Message);
        using var wrongSize = RandomImages(1, 48, 48, seed: 6);
        Assert.Throws<ModelInputException>(() => model.ForwardFeatureMaps(wrongSize, [0]));

        var vmamba = Models.Create("vmamba_tiny_s2l5", Device.Meta);
        var residual = Assert.Throws<ArgumentException>(() => new FeatureExtractor(vmamba, null, FeatureSource.Residual));
        Assert.Contains("FeatureSource.Residual applies to Vim models", residual.Message);
    }

    [Theory]
    [InlineData(1, 2, 3, 5, new int[0])]
    [InlineData(2, 4, 4, 7, new[] { 8 })]
    [InlineData(3, 3, 5, 4, new[] { 0 })]
    [InlineData(2, 1, 6, 9, new[] { 0, 6 })]
    [InlineData(1, 7, 1, 3, new[] { 7, 2 })]
    public void ToPatchGrid_OnTheCpu_MatchesAPlainReshape(int batch, int gridHeight, int gridWidth, int dim, int[] skip)
    {
        int length = gridHeight * gridWidth + skip.Length;
        var random = new Random(batch * 131 + gridHeight * 17 + gridWidth);
        var host = Enumerable.Range(0, batch * length * dim).Select(_ => (float)random.NextDouble()).ToArray();
        using var tokens = Tensor.FromArray(host, batch, length, dim);
        using var grid = TokenOps.ToPatchGrid(tokens, gridHeight, gridWidth, skip);
        Assert.Equal([batch, dim, gridHeight, gridWidth], grid.Shape.ToArray());
        Assert.Equal(FeatureReference.TokensToGrid(host, batch, length, dim, gridHeight, gridWidth, skip), grid.ToArray());
    }

    [Fact]
    public void ToPatchGrid_RefusesTokensThatAreNotTheGrid()
    {
        using var tokens = Tensor.Zeros(1, 17, 4);
        Assert.Contains("is not a 4x4 grid", Assert.Throws<ArgumentException>(() => TokenOps.ToPatchGrid(tokens, 4, 4)).Message);
        Assert.Contains("skipped twice", Assert.Throws<ArgumentException>(() => TokenOps.ToPatchGrid(tokens, 4, 4, 3, 3)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenOps.ToPatchGrid(tokens, 4, 4, 17));
    }

    private static Tensor RandomImages(int batch, int height, int width, int seed)
    {
        var random = new Random(seed);
        return Tensor.FromArray(Enumerable.Range(0, batch * 3 * height * width).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(), batch, 3, height, width);
    }
}
