// Elementwise.GateRows (y *= act(gate) with the gate read in place from wider rows) and the ReLU / sigmoid maps,
// against double-precision references.
using Vim.Kernels.Cpu;

namespace Vim.Kernels.Tests;

public class GateTests
{
    private static double Reference(GateActivation activation, double g) => activation switch
    {
        GateActivation.None => g,
        GateActivation.Silu => g / (1 + Math.Exp(-g)),
        GateActivation.Gelu => 0.5 * g * MathTests.Erfc(-g / Math.Sqrt(2)),
        GateActivation.Relu => Math.Max(g, 0),
        GateActivation.Sigmoid => 1 / (1 + Math.Exp(-g)),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    [Theory]
    [InlineData(GateActivation.None, 5, 13, 13, 0)]
    [InlineData(GateActivation.Silu, 7, 24, 48, 24)]
    [InlineData(GateActivation.Gelu, 3, 9, 20, 11)]
    [InlineData(GateActivation.Relu, 11, 8, 17, 3)]
    [InlineData(GateActivation.Sigmoid, 4, 31, 64, 33)]
    [InlineData(GateActivation.Silu, 400, 192, 384, 192)] // large enough to run on several threads
    [InlineData(GateActivation.Silu, 0, 16, 32, 16)]
    public void GateRows_MatchesTheReference_AndLeavesTheGateAlone(GateActivation activation, int rows, int width, int ld, int start)
    {
        float[] y = TestData.Random(rows * width, 1, -3, 3);
        float[] x = TestData.Random(Math.Max(rows * ld, start), 2, -9, 9);
        float[] xBefore = (float[])x.Clone();
        var expected = new double[y.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < width; c++)
            {
                expected[r * width + c] = (double)y[r * width + c] * Reference(activation, x[r * ld + start + c]);
            }
        }

        Elementwise.GateRows(rows, width, y, x.AsSpan(start), ld, activation);
        Close.Check(expected, y, 1e-7, 1e-6, $"gate {activation}");
        Assert.Equal(xBefore, x);
    }

    [Fact]
    public void GateRows_RefusesAGateThatDoesNotCoverTheRows()
    {
        var ex = Assert.Throws<ArgumentException>(() => Elementwise.GateRows(4, 8, new float[32], new float[3 * 16 + 7], 16, GateActivation.Silu));
        Assert.Contains("Elementwise.GateRows", ex.Message);
        Assert.Contains("needs 56", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Elementwise.GateRows(4, 8, new float[31], new float[64], 16, GateActivation.None));
        Assert.Contains("needs exactly 32", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Elementwise.GateRows(4, 8, new float[32], new float[64], 6, GateActivation.None));
        Assert.Contains("row stride", ex.Message);
    }

    [Fact]
    public void ReluAndSigmoid_MatchDouble_WithNaNAndTails()
    {
        float[] x = [.. MathTests.Grid(-100, 100, 10_007), float.NaN, float.NegativeInfinity, float.PositiveInfinity, -0f];
        var relu = TestData.Poisoned(x.Length);
        var sigmoid = TestData.Poisoned(x.Length);
        Elementwise.Relu(x, relu);
        Elementwise.Sigmoid(x, sigmoid);
        Assert.Equal(x.Select(v => float.IsNaN(v) ? float.NaN : MathF.Max(v, 0f)).ToArray(), relu);
        Close.Check(x.Select(v => double.IsNaN(v) ? double.NaN : 1 / (1 + Math.Exp(-(double)v))).ToArray(), sigmoid, 1e-30, 1e-6, "sigmoid");
    }
}
