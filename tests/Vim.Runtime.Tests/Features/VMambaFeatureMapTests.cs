using Vim.Runtime.Checkpoints;
using Vim.Runtime.Tests.Fixtures;
using Vim.Runtime.Tests.VMamba;

namespace Vim.Runtime.Tests.Features;

/// <summary>VMamba backbone maps against every official fixture's <c>stage{i}_blocks</c> (the stage's blocks, before its downsample), channel-first.</summary>
public class VMambaFeatureMapTests
{
    public static TheoryData<string> Cases => VMambaParityTests.Cases;

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryStageMap_EqualsTheOfficialStageOutput(string fixture)
    {
        var model = VMambaParityTests.LoadModel(fixture, Parity.DataPath("VMamba", "Data", fixture, "weights.safetensors"));
        var io = SafeTensors.Load(Parity.DataPath("VMamba", "Data", fixture, "io.safetensors"));
        using var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Parity.DataPath("VMamba", "Data", fixture, "config.json")));
        bool channelLast = config.RootElement.GetProperty("activation_layout").GetString()!.StartsWith("channel-last", StringComparison.Ordinal);
        var maps = model.ForwardFeatureMaps(io["input"], model.FeatureInfo.Select(f => f.Index).ToList());
        Assert.Equal(4, maps.Count);
        var report = new List<string>();
        for (int i = 0; i < maps.Count; i++)
        {
            var official = io[$"stage{i}_blocks"];
            var expected = channelLast ? FeatureReference.ChannelLastToFirst(official) : official.ToArray();
            int[] shape = channelLast ? [official.Shape[0], official.Shape[3], official.Shape[1], official.Shape[2]] : official.Shape.ToArray();
            Assert.Equal(shape, maps[i].Shape.ToArray());
            Assert.Equal(model.FeatureInfo[i].Channels, maps[i].Shape[1]);
            double error = Parity.RelativeL2(maps[i].Span, expected);
            report.Add($"layers.{i}: {error:E2}");
            Assert.True(error <= Parity.Bound, $"{fixture} stage {i}: {error:E2}. {string.Join(", ", report)}");
            maps[i].Dispose();
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"{fixture}: {string.Join(", ", report)}");
    }
}
