using Vim.Runtime.Checkpoints;
using Vim.Runtime.Modules;
using Vim.Runtime.Registry;
using Vim.Runtime.Tests.Fixtures;

namespace Vim.Runtime.Tests.VMamba;

/// <summary>Every official VMamba fixture: logits, features and each stored intermediate within 1e-5 relative L2 of the float64 reference.</summary>
public class VMambaParityTests
{
    public static TheoryData<string> Cases => new(Directory.GetDirectories(Parity.DataPath("VMamba", "Data")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fixture_MatchesOfficialNumbers(string fixture)
    {
        var model = LoadModel(fixture, Parity.DataPath("VMamba", "Data", fixture, "weights.safetensors"));
        var io = SafeTensors.Load(Parity.DataPath("VMamba", "Data", fixture, "io.safetensors"));
        Parity.AssertMatchesFixture(model, io, fixture);
    }

    [Fact]
    public void PthCheckpoint_GivesTheSameNumbersAsSafetensors()
    {
        const string fixture = "vmamba_v2_ln2d_r2";
        var io = SafeTensors.Load(Parity.DataPath("VMamba", "Data", fixture, "io.safetensors"));
        var fromSafetensors = LoadModel(fixture, Parity.DataPath("VMamba", "Data", fixture, "weights.safetensors"));
        var fromPth = LoadModel(fixture, Parity.DataPath("VMamba", "Data", fixture, "checkpoint.pth"));
        using var a = fromSafetensors.Forward(io["input"]);
        using var b = fromPth.Forward(io["input"]);
        Assert.Equal(a.ToArray(), b.ToArray());
        Assert.True(Parity.RelativeL2(b.Span, io["logits"].Span) <= Parity.Bound);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StateDict_HasTheOfficialKeysShapesAndOrder(string fixture)
    {
        var model = Models.Create("fixture_" + fixture, Devices.Device.Meta);
        var official = SafeTensors.Load(Parity.DataPath("VMamba", "Data", fixture, "weights.safetensors"));
        var ours = model.NamedParameters().Select(p => (p.Key, Shape: p.Value.Shape.ToArray())).ToList();
        var theirs = official.Select(p => (p.Key, Shape: p.Value.Shape.ToArray())).ToList();
        Assert.Equal(theirs.Select(t => t.Key), ours.Select(o => o.Key));
        for (int i = 0; i < ours.Count; i++) Assert.True(theirs[i].Shape.SequenceEqual(ours[i].Shape), $"{ours[i].Key}: {string.Join(",", ours[i].Shape)} vs {string.Join(",", theirs[i].Shape)}");
    }

    internal static ImageModel LoadModel(string fixture, string checkpoint)
    {
        var model = Models.Create("fixture_" + fixture);
        model.LoadCheckpoint(checkpoint);
        return model;
    }
}
