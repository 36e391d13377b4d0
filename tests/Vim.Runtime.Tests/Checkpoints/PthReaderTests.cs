using Vim.Runtime.Checkpoints;
using Vim.Runtime.Tensors;
using static Vim.Runtime.Tests.Checkpoints.SafeTensorsTests;

namespace Vim.Runtime.Tests.Checkpoints;

public sealed class PthReaderTests
{
    [Theory]
    [InlineData("vim_tiny.pth", "vim_tiny.safetensors")]
    [InlineData("digits.pth", "digits.safetensors")]
    public void Official_pth_equals_safetensors_bitwise_and_in_order(string pth, string st)
    {
        var expected = SafeTensors.Load(DataPath(st));
        var actual = PthReader.Load(DataPath(pth));
        AssertSameTensors(expected, actual);
        Assert.Equal(expected.Count, actual.Count);
        using var fs = File.OpenRead(DataPath(pth));
        AssertSameTensors(expected, PthReader.Read(fs));
        AssertSameTensors(expected, PthReader.Read(File.ReadAllBytes(DataPath(pth))));
    }
}
