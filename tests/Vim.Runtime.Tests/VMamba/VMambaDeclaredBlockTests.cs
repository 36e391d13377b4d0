using Vim.Runtime.Checkpoints;
using Vim.Runtime.Devices;
using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;
using Vim.Runtime.Tests.Fixtures;

namespace Vim.Runtime.Tests.VMamba;

/// <summary>
/// Models whose VSS block is declared ([VssBlock] + [SS2D] + [VMambaMlp]) have the official keys and the official
/// numbers: the fixture models re-declared with a block, and the zoo's vmamba_tiny_s2l5, whose block lives in the zoo.
/// </summary>
public class VMambaDeclaredBlockTests
{
    public static TheoryData<string> Cases => new() { "vmamba_v2_ln2d_r2", "vmamba_v2_ln_channellast", "vmamba_v05_zgate_defaults", "vmamba_v0_ds1" };

    [Theory]
    [MemberData(nameof(Cases))]
    public void DeclaredBlock_SameKeysAndNumbersAsTheOptionModel(string fixture)
    {
        string weights = Parity.DataPath("VMamba", "Data", fixture, "weights.safetensors");
        var io = SafeTensors.Load(Parity.DataPath("VMamba", "Data", fixture, "io.safetensors"));
        var declared = Models.Create("fixture_declared_" + fixture);
        var options = Models.Create("fixture_" + fixture);
        Assert.Equal(options.NamedParameters().Select(p => (p.Key, string.Join(",", p.Value.Shape.ToArray()))),
            declared.NamedParameters().Select(p => (p.Key, string.Join(",", p.Value.Shape.ToArray()))));
        Assert.Equal(options.ParameterCount, declared.ParameterCount);
        Assert.Equal(options.Info.ParameterCount, declared.Info.ParameterCount);
        declared.LoadCheckpoint(weights);
        options.LoadCheckpoint(weights);

        using var ours = declared.Forward(io["input"]);
        using var before = options.Forward(io["input"]);
        double error = Parity.RelativeL2(ours.ToArray(), io["logits"].Span);
        Assert.True(error <= Parity.Bound, $"{fixture}: declared-block logits are {error:E2} from the official numbers.");
        Assert.Equal(before.ToArray(), ours.ToArray());
    }

    [Fact]
    public void ZooBlock_VMambaTinyS2l5_MatchesTheOptionDeclaration() => AssertSameModel("vmamba_tiny_s2l5", "fixture_options_vmamba_tiny_s2l5");

    /// <summary>Out-norm kinds, gate variants, gMLP, no conv, ssm_init v1/v2, no SS2D branch: declared block vs model options.</summary>
    [Theory]
    [InlineData("cnorm")]
    [InlineData("softmax")]
    [InlineData("dwconv")]
    [InlineData("mlponly")]
    [InlineData("sigmoid")]
    public void DeclaredBlockVariant_MatchesTheOptionDeclaration(string variant) => AssertSameModel("fixture_declared_" + variant, "fixture_options_" + variant);

    private static void AssertSameModel(string declaredName, string optionsName)
    {
        // Same seed, same registration order and initialisers ⇒ identical fresh parameters and outputs.
        var zoo = Models.Create(declaredName);
        var options = Models.Create(optionsName);
        Assert.Equal(options.Info.ParameterCount, zoo.Info.ParameterCount);
        var zooParameters = zoo.NamedParameters().ToList();
        var optionParameters = options.NamedParameters().ToList();
        Assert.Equal(optionParameters.Select(p => p.Key), zooParameters.Select(p => p.Key));
        for (int i = 0; i < zooParameters.Count; i++)
        {
            Assert.True(optionParameters[i].Value.Value.ToArray().AsSpan().SequenceEqual(zooParameters[i].Value.Value.ToArray()), zooParameters[i].Key);
        }
        var random = new Random(3);
        var data = new float[2 * 3 * 32 * 40];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        using var x = Tensor.FromArray(data, [2, 3, 32, 40]);
        using var a = zoo.Forward(x);
        using var b = options.Forward(x);
        Assert.Equal(b.ToArray(), a.ToArray());
    }
}
