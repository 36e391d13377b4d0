using Vim.Runtime.Checkpoints;
using Vim.Runtime.Modules;
using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Tests.Fixtures;

/// <summary>Every official Vim fixture: logits, features and each stored intermediate within 1e-5 relative L2 of the float64 reference.</summary>
public class FixtureParityTests
{
    public static TheoryData<string> Cases => new(Directory.GetDirectories(Parity.DataPath("Fixtures", "Data")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fixture_MatchesOfficialNumbers(string fixture)
    {
        var model = LoadModel(fixture, Parity.DataPath("Fixtures", "Data", fixture, "weights.safetensors"));
        var io = SafeTensors.Load(Parity.DataPath("Fixtures", "Data", fixture, "io.safetensors"));
        Parity.AssertMatchesFixture(model, io, fixture);
    }

    [Fact]
    public void PthCheckpoint_GivesTheSameNumbersAsSafetensors()
    {
        const string fixture = "vim_v2_midcls_rms_fused";
        var io = SafeTensors.Load(Parity.DataPath("Fixtures", "Data", fixture, "io.safetensors"));
        var fromSafetensors = LoadModel(fixture, Parity.DataPath("Fixtures", "Data", fixture, "weights.safetensors"));
        var fromPth = LoadModel(fixture, Parity.DataPath("Checkpoints", "Data", "vim_tiny.pth"));
        using var a = fromSafetensors.Forward(io["input"]);
        using var b = fromPth.Forward(io["input"]);
        Assert.Equal(a.ToArray(), b.ToArray());
        Assert.True(Parity.RelativeL2(b.Span, io["logits"].Span) <= Parity.Bound);
    }

    [Fact]
    public void UnfusedTwins_GiveExactlyTheFusedNumbers()
    {
        foreach (var (fused, unfused) in new[] { ("vim_v2_midcls_rms_fused", "vim_v2_midcls_rms_unfused"), ("vim_v2_stride4_ln_b3", "vim_v2_stride4_ln_b3_unfused") })
        {
            var io = SafeTensors.Load(Parity.DataPath("Fixtures", "Data", fused, "io.safetensors"));
            var a = LoadModel(fused, Parity.DataPath("Fixtures", "Data", fused, "weights.safetensors"));
            var b = LoadModel(unfused, Parity.DataPath("Fixtures", "Data", unfused, "weights.safetensors"));
            using var la = a.Forward(io["input"]);
            using var lb = b.Forward(io["input"]);
            Assert.Equal(la.ToArray(), lb.ToArray());
        }
    }

    internal static ImageModel LoadModel(string fixture, string checkpoint)
    {
        var model = Models.Create("fixture_" + fixture);
        model.LoadCheckpoint(checkpoint);
        return model;
    }
}
