using Vim.Runtime.Devices;
using Vim.Runtime.Registry;

namespace Vim.Runtime.Tests.VMamba;

/// <summary>The released VMamba configurations (spec §10): registered under short names and official aliases, with the exact parameter counts.</summary>
public class VMambaRegistryTests
{
    public static TheoryData<string, string, long, int> Released => new()
    {
        { "vanilla_vmamba_tiny", "vmambav0_tiny_224", 22_893_448, 0 },
        { "vanilla_vmamba_small", "vssm_small", 44_417_416, 0 },
        { "vanilla_vmamba_base", "Vanilla-VMamba-B", 76_254_056, 0 },
        { "vmamba_tiny_s2l5", "vmambav2_tiny_224", 30_705_832, 222 },
        { "vmamba_small_s2l15", "vssm1_small_0229", 50_147_752, 0 },
        { "vmamba_base_s2l15", "VMamba-B[s2l15]", 88_557_800, 0 },
        { "vmamba_tiny_s1l8", "vmambav2v_tiny_224", 30_249_064, 276 },
        { "vmamba_small_s1l20", "vssm1_small_0229s", 49_012_840, 0 },
        { "vmamba_base_s1l20", "vmamba-b[s1l20]", 86_614_504, 0 },
    };

    [Theory]
    [MemberData(nameof(Released))]
    public void ReleasedModel_HasTheOfficialParameterCount(string name, string alias, long parameters, int keys)
    {
        var info = Models.Get(alias);
        Assert.Equal(name, info.Name);
        Assert.Equal("vmamba", info.Family);
        Assert.Equal(parameters, info.ParameterCount);
        var model = Models.Create(name, Device.Meta);
        Assert.Equal(parameters, model.ParameterCount);
        if (keys > 0) Assert.Equal(keys, model.NamedParameters().Count());
    }

    [Fact]
    public void VMambaTinyS2l5_KeysMatchTheOfficialListing()
    {
        var model = Models.Create("vmamba_tiny_s2l5", Device.Meta);
        var ours = model.NamedParameters().Select(p => $"{p.Key}\t({string.Join(", ", p.Value.Shape.ToArray())}{(p.Value.Shape.Rank == 1 ? "," : "")})").ToList();
        var official = File.ReadAllLines(Fixtures.Parity.DataPath("VMamba", "Data", "vmambav2_tiny_state_dict.tsv"))
            .Where(l => !l.StartsWith('#')).Select(l => string.Join('\t', l.Split('\t').Take(2))).ToList();
        Assert.Equal(official, ours);
    }

    [Fact]
    public void List_FindsTheNineReleasedModels()
    {
        // Models this test project declares start with fixture_, grad_ or train_.
        string[] declaredHere = ["fixture_", "grad_", "train_"];
        var names = Models.List("*vmamba*").Where(i => !declaredHere.Any(p => i.Name.StartsWith(p, StringComparison.Ordinal))).Select(i => i.Name).ToList();
        Assert.Equal(9, names.Count);
    }
}
