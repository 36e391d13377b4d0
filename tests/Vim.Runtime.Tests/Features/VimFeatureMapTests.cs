using Vim.Runtime.Checkpoints;
using Vim.Runtime.Modules;
using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;
using Vim.Runtime.Tests.Fixtures;

namespace Vim.Runtime.Tests.Features;

/// <summary>
/// Vim backbone maps against the official blocks' outputs (<c>layer{i}_hidden</c>, <c>layer{i}_residual</c> of fixtures written
/// with every block hooked): each block's map, cls tokens dropped, on the patch grid, within the parity bound.
/// </summary>
public class VimFeatureMapTests
{
    public static TheoryData<string> Cases => new(Directory.GetDirectories(Parity.DataPath("Features", "Data")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryBlockMap_EqualsTheOfficialBlockOutput(string fixture)
    {
        var (model, io) = Load(fixture);
        using var logits = model.Forward(io["input"]);
        Assert.True(Parity.RelativeL2(logits.Span, io["logits"].Span) <= Parity.Bound, $"{fixture}: the declaration does not match the fixture's logits");

        var all = model.FeatureInfo.Select(f => f.Index).ToList();
        var maps = model.ForwardFeatureMaps(io["input"], all);
        var residuals = model.ForwardFeatureMaps(io["input"], all, FeatureSource.Residual);
        var report = new List<string>();
        for (int k = 0; k < all.Count; k++)
        {
            var (hidden, residual) = OfficialStreams(model, io, all[k]);
            var expected = Grid(model, io, hidden);
            var expectedResidual = Grid(model, io, FeatureReference.Add(residual, hidden));
            Assert.Equal([io["input"].Shape[0], 32, GridHeight(model), GridWidth(model)], maps[k].Shape.ToArray());
            double error = Parity.RelativeL2(maps[k].Span, expected);
            double residualError = Parity.RelativeL2(residuals[k].Span, expectedResidual);
            report.Add($"layers.{all[k]}: {error:E2} / residual {residualError:E2}");
            Assert.True(error <= Parity.Bound, $"{fixture} map {all[k]}: {error:E2}. {string.Join(", ", report)}");
            Assert.True(residualError <= Parity.Bound, $"{fixture} residual map {all[k]}: {residualError:E2}. {string.Join(", ", report)}");
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"{fixture}: {string.Join(", ", report)}");
        foreach (var m in maps.Concat(residuals)) m.Dispose();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OneImageAtATime_GivesTheBatchMaps(string fixture)
    {
        // The CPU batch runs as one-image passes; each image alone must give its slice of the batch's maps.
        var (model, io) = Load(fixture);
        var x = io["input"];
        int last = model.FeatureInfo[^1].Index;
        var batch = model.ForwardFeatureMaps(x, [last, model.FeatureInfo[0].Index]);
        int imageSize = (int)(x.Numel / x.Shape[0]);
        for (int b = 0; b < x.Shape[0]; b++)
        {
            using var image = Tensor.FromArray(x.Span.Slice(b * imageSize, imageSize).ToArray(), [1, .. x.Shape.Dims[1..]]);
            var single = model.ForwardFeatureMaps(image, [last, model.FeatureInfo[0].Index]);
            for (int k = 0; k < 2; k++)
            {
                int mapSize = (int)single[k].Numel;
                Assert.Equal(single[k].Span.ToArray(), batch[k].Span.Slice(b * mapSize, mapSize).ToArray());
                single[k].Dispose();
            }
        }
        foreach (var m in batch) m.Dispose();
    }

    private static (ImageModel Model, IReadOnlyDictionary<string, Tensor> Io) Load(string fixture)
    {
        var model = Models.Create("features_" + fixture);
        model.LoadCheckpoint(Parity.DataPath("Features", "Data", fixture, "weights.safetensors"));
        return (model, SafeTensors.Load(Parity.DataPath("Features", "Data", fixture, "io.safetensors")));
    }

    /// <summary>The official (hidden, residual) streams after block <paramref name="index"/> (a bidirectional model: after pair index / 2).</summary>
    private static (float[] Hidden, float[] Residual) OfficialStreams(ImageModel model, IReadOnlyDictionary<string, Tensor> io, int index)
    {
        if (!Bidirectional(model)) return (io[$"layer{index}_hidden"].ToArray(), io[$"layer{index}_residual"].ToArray());
        // upstream: hidden = h_f + flip(h_b), residual = r_f + flip(r_b) of layers 2k and 2k + 1
        int f = index - 1, b = index;
        return (FeatureReference.AddFlipped(io[$"layer{f}_hidden"], io[$"layer{b}_hidden"]),
                FeatureReference.AddFlipped(io[$"layer{f}_residual"], io[$"layer{b}_residual"]));
    }

    private static float[] Grid(ImageModel model, IReadOnlyDictionary<string, Tensor> io, float[] tokens)
    {
        var shape = io["layer0_hidden"].Shape;
        return FeatureReference.TokensToGrid(tokens, shape[0], shape[1], shape[2], GridHeight(model), GridWidth(model), ClsRows(model, shape[1]));
    }

    private static int[] ClsRows(ImageModel model, int length) => model.Info.Name switch
    {
        "features_vim_blocks_midcls_b2" => [(length - 1) / 2],
        "features_vim_blocks_clshead_32x48_b2" => [0],
        "features_vim_blocks_bidir_doublecls_b2" => [0, length - 1],
        _ => [],
    };

    private static bool Bidirectional(ImageModel model) => model.Info.Name == "features_vim_blocks_bidir_doublecls_b2";

    private static int GridHeight(ImageModel model) => model.Info.ImgHeight / 8;

    private static int GridWidth(ImageModel model) => model.Info.ImgWidth / 8;
}
