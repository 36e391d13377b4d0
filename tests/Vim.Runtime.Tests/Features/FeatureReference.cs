using Vim.Runtime.Tensors;

namespace Vim.Runtime.Tests.Features;

/// <summary>Plain reshapes of the official intermediates into the maps the backbone API returns, written out index by index.</summary>
internal static class FeatureReference
{
    /// <summary>(B, L, D) tokens without the <paramref name="skip"/> rows → (B, D, gh, gw), as permute(0, 2, 1).reshape(B, -1, gh, gw).</summary>
    public static float[] TokensToGrid(float[] tokens, int batch, int length, int dim, int gridHeight, int gridWidth, int[] skip)
    {
        var kept = Enumerable.Range(0, length).Where(t => !skip.Contains(t)).ToArray();
        Assert.Equal(gridHeight * gridWidth, kept.Length);
        var grid = new float[batch * dim * kept.Length];
        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < dim; c++)
            {
                for (int p = 0; p < kept.Length; p++) grid[(b * dim + c) * kept.Length + p] = tokens[(b * length + kept[p]) * dim + c];
            }
        }
        return grid;
    }

    /// <summary>a + flip(b) along the sequence: a bidirectional pair's sum of its two layers' (B, L, D) outputs.</summary>
    public static float[] AddFlipped(Tensor a, Tensor b)
    {
        int batch = a.Shape[0], length = a.Shape[1], dim = a.Shape[2];
        var x = a.ToArray();
        var y = b.ToArray();
        var sum = new float[x.Length];
        for (int n = 0; n < batch; n++)
        {
            for (int t = 0; t < length; t++)
            {
                for (int c = 0; c < dim; c++) sum[(n * length + t) * dim + c] = x[(n * length + t) * dim + c] + y[(n * length + (length - 1 - t)) * dim + c];
            }
        }
        return sum;
    }

    /// <summary>a + b elementwise.</summary>
    public static float[] Add(float[] a, float[] b) => a.Zip(b, (x, y) => x + y).ToArray();

    /// <summary>(B, H, W, C) → (B, C, H, W).</summary>
    public static float[] ChannelLastToFirst(Tensor map)
    {
        int batch = map.Shape[0], h = map.Shape[1], w = map.Shape[2], c = map.Shape[3];
        var x = map.ToArray();
        var y = new float[x.Length];
        for (int n = 0; n < batch; n++)
        {
            for (int p = 0; p < h * w; p++)
            {
                for (int ch = 0; ch < c; ch++) y[(n * c + ch) * h * w + p] = x[(n * h * w + p) * c + ch];
            }
        }
        return y;
    }
}
