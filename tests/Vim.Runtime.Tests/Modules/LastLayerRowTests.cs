using Vim.Runtime.Devices;
using Vim.Runtime.Tensors;
using Vim.Runtime.Zoo;

namespace Vim.Runtime.Tests.Modules;

/// <summary>
/// A model that reads one token runs its last layer as ForwardAt, which stops each scan at that token and projects
/// that row alone: the row must be exactly the one the full layer computes, and the residual must be updated in full.
/// </summary>
public class LastLayerRowTests
{
    private static Tensor Random(int seed, params int[] shape)
    {
        var random = new Random(seed);
        var data = new float[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        return Tensor.FromArray(data, shape);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(16)]
    public void ZooBlockRowEqualsThatRowOfTheFullLayer(int position)
    {
        const int Batch = 2, Length = 17, Width = 32;
        var block = new VimBlockV2(Width, depth: 4, Device.Cpu);
        block.Initialize(3);
        using var hidden = Random(1, Batch, Length, Width);
        using var residualFull = Random(2, Batch, Length, Width);
        using var residualRow = Tensor.FromArray(residualFull.ToArray(), Batch, Length, Width);

        using var full = block.Forward(hidden, residualFull, reverse: false);
        using var row = block.ForwardAt(hidden, residualRow, position);

        Assert.Equal(new Shape(Batch, Width), row.Shape);
        Assert.Equal(residualFull.ToArray(), residualRow.ToArray());
        float[] all = full.ToArray(), one = row.ToArray();
        for (int b = 0; b < Batch; b++)
        {
            Assert.Equal(all.AsSpan((b * Length + position) * Width, Width).ToArray(), one.AsSpan(b * Width, Width).ToArray());
        }
    }
}
