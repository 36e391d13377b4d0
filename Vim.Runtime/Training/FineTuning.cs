using Vim.Runtime.Checkpoints;
using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Training;

/// <summary>What <see cref="FineTuning.LoadPretrained"/> did with a checkpoint.</summary>
/// <param name="DroppedHead">Classifier entries of another size that were left out (the model keeps its fresh head).</param>
/// <param name="Resized">Position embeddings resized to the model's grid: key, checkpoint shape, model shape.</param>
/// <param name="Loaded">Entries copied into the model.</param>
public sealed record PretrainedLoad(IReadOnlyList<string> DroppedHead, IReadOnlyList<(string Key, Shape From, Shape To)> Resized, int Loaded);

/// <summary>
/// Starting a training run from pretrained weights as the official fine-tuning does (<c>main.py --finetune</c>): a
/// classifier head of another size is dropped and reported, position embeddings are resized bicubically to the new
/// patch grid, and optionally everything but the head is frozen (a linear probe).
/// </summary>
public static class FineTuning
{
    /// <summary>
    /// Loads <paramref name="checkpoint"/> into <paramref name="model"/>: head entries whose shape differs (<c>head.*</c>,
    /// <c>head_dist.*</c>, VMamba's <c>classifier.head.*</c>) are left out; <c>pos_embed</c> of another grid is resized
    /// (<see cref="ResizeVimPosEmbed"/>, <see cref="ResizeGrid"/>); every other entry must match.
    /// </summary>
    /// <exception cref="CheckpointMismatchException">The checkpoint lacks entries, has extra ones, or others of the wrong shape: it is not this architecture.</exception>
    public static PretrainedLoad LoadPretrained(ImageModel model, IReadOnlyDictionary<string, Tensor> checkpoint)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(checkpoint);
        var expected = model.NamedParameters().ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var dropped = new List<string>();
        var resized = new List<(string, Shape, Shape)>();
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var owned = new List<Tensor>();
        try
        {
            foreach (var (key, tensor) in checkpoint)
            {
                if (!expected.TryGetValue(key, out var parameter) || tensor.Shape == parameter.Shape)
                {
                    state[key] = tensor;
                    continue;
                }
                if (IsHead(key))
                {
                    dropped.Add(key);
                    continue;
                }
                if (key.EndsWith("pos_embed", StringComparison.Ordinal) && TryResize(model, key, tensor, parameter.Shape) is { } r)
                {
                    owned.Add(r);
                    state[key] = r;
                    resized.Add((key, tensor.Shape, parameter.Shape));
                    continue;
                }
                state[key] = tensor; // mis-shaped: reported below
            }
            var missing = expected.Keys.Where(k => !state.ContainsKey(k) && !dropped.Contains(k)).ToList();
            var unexpected = state.Keys.Where(k => !expected.ContainsKey(k)).ToList();
            var misshaped = state.Where(p => expected.TryGetValue(p.Key, out var q) && q.Shape != p.Value.Shape).Select(p => (p.Key, expected[p.Key].Shape, p.Value.Shape)).ToList();
            if (missing.Count > 0 || unexpected.Count > 0 || misshaped.Count > 0)
                throw new CheckpointMismatchException(model.Info.Name, missing, unexpected, misshaped);
            model.LoadStateDict(state, strict: false);
            return new PretrainedLoad(dropped, resized, state.Count);
        }
        finally
        {
            foreach (var t in owned) t.Dispose();
        }
    }

    private static bool IsHead(string key) =>
        key is "head.weight" or "head.bias" or "head_dist.weight" or "head_dist.bias" or "classifier.head.weight" or "classifier.head.bias";

    private static Tensor? TryResize(ImageModel model, string key, Tensor from, Shape to)
    {
        if (from.Shape.Rank == 4 && to.Rank == 4 && from.Shape[0] == 1 && to[0] == 1 && from.Shape[1] == to[1])
            return ResizeGrid(from, to[2], to[3]);
        if (from.Shape.Rank == 3 && to.Rank == 3 && from.Shape[0] == 1 && to[0] == 1 && from.Shape[2] == to[2])
        {
            // Vim's pos_embed has a row per class token (cls_token, or cls_token_head and cls_token_tail) beside the patches.
            int extra = model.NamedParameters().Count(p => p.Key is "cls_token" or "cls_token_head" or "cls_token_tail");
            int patches = to[1] - extra, side = (int)Math.Round(Math.Sqrt(patches));
            if (patches <= 0 || side * side != patches)
                throw new ArgumentException($"{model.Info.Name} has a {patches}-patch grid that is not square; {key} of {from.Shape} can only be resized to a square grid (as the official fine-tuning does).");
            return ResizeVimPosEmbed(from, extra, side, side);
        }
        return null;
    }

    /// <summary>
    /// Vim's rule (<c>main.py</c>): the first <paramref name="extraTokens"/> rows are kept as they are; the rest, taken as a
    /// square grid of side ⌊√(rows − extra)⌋, is resized bicubically to <paramref name="height"/>×<paramref name="width"/>.
    /// The kept rows are the first ones even where the model puts its class token in the middle of the sequence, as upstream does.
    /// </summary>
    /// <exception cref="ArgumentException">The checkpoint's rows beyond the extra ones are not a square grid.</exception>
    public static Tensor ResizeVimPosEmbed(Tensor posEmbed, int extraTokens, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(posEmbed);
        if (posEmbed.Shape.Rank != 3 || posEmbed.Shape[0] != 1) throw new ArgumentException($"pos_embed is {posEmbed.Shape}; expected (1, tokens, dim).", nameof(posEmbed));
        int rows = posEmbed.Shape[1], dim = posEmbed.Shape[2];
        int side = (int)Math.Sqrt(rows - extraTokens);
        if (extraTokens < 0 || side * side != rows - extraTokens)
            throw new ArgumentException($"pos_embed has {rows} rows; after {extraTokens} extra token(s) that is not a square grid of patches.", nameof(posEmbed));
        var src = posEmbed.ToArray();
        // (1, side², D) → (1, D, side, side), resize, back to (1, h·w, D)
        var grid = new float[dim * side * side];
        for (int p = 0; p < side * side; p++)
        {
            for (int d = 0; d < dim; d++) grid[d * side * side + p] = src[(extraTokens + p) * dim + d];
        }
        var resized = Bicubic(grid, dim, side, side, height, width);
        var result = new float[(extraTokens + height * width) * dim];
        Array.Copy(src, result, extraTokens * dim);
        for (int p = 0; p < height * width; p++)
        {
            for (int d = 0; d < dim; d++) result[(extraTokens + p) * dim + d] = resized[d * height * width + p];
        }
        return Tensor.FromArray(result, 1, extraTokens + height * width, dim);
    }

    /// <summary>A (1, C, H, W) embedding (VMamba's <c>pos_embed</c>) resized bicubically to <paramref name="height"/>×<paramref name="width"/>.</summary>
    public static Tensor ResizeGrid(Tensor posEmbed, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(posEmbed);
        if (posEmbed.Shape.Rank != 4 || posEmbed.Shape[0] != 1) throw new ArgumentException($"pos_embed is {posEmbed.Shape}; expected (1, C, H, W).", nameof(posEmbed));
        int c = posEmbed.Shape[1];
        return Tensor.FromArray(Bicubic(posEmbed.ToArray(), c, posEmbed.Shape[2], posEmbed.Shape[3], height, width), 1, c, height, width);
    }

    /// <summary>
    /// <c>torch.nn.functional.interpolate(mode='bicubic', align_corners=False)</c> of C planes: output pixel i samples
    /// source (i + ½)·in/out − ½ with the cubic convolution kernel of a = −0.75, reading clamped indices at the borders.
    /// </summary>
    public static float[] Bicubic(float[] planes, int channels, int inH, int inW, int outH, int outW)
    {
        ArgumentNullException.ThrowIfNull(planes);
        if (planes.Length != channels * inH * inW) throw new ArgumentException($"{planes.Length} values are not {channels} planes of {inH}x{inW}.", nameof(planes));
        if (outH < 1 || outW < 1) throw new ArgumentOutOfRangeException(nameof(outH), $"The output size {outH}x{outW} must be positive.");
        var (ys, wy) = Taps(inH, outH);
        var (xs, wx) = Taps(inW, outW);
        var output = new float[channels * outH * outW];
        for (int c = 0; c < channels; c++)
        {
            var plane = planes.AsSpan(c * inH * inW, inH * inW);
            for (int i = 0; i < outH; i++)
            {
                for (int j = 0; j < outW; j++)
                {
                    double sum = 0;
                    for (int a = 0; a < 4; a++)
                    {
                        double row = 0;
                        for (int b = 0; b < 4; b++) row += wx[j * 4 + b] * plane[ys[i * 4 + a] * inW + xs[j * 4 + b]];
                        sum += wy[i * 4 + a] * row;
                    }
                    output[(c * outH + i) * outW + j] = (float)sum;
                }
            }
        }
        return output;
    }

    private static (int[] Index, double[] Weight) Taps(int input, int output)
    {
        const double A = -0.75;
        double scale = (double)input / output;
        var index = new int[output * 4];
        var weight = new double[output * 4];
        for (int i = 0; i < output; i++)
        {
            double src = (i + 0.5) * scale - 0.5; // not clamped at 0 for cubic, as torch does
            int floor = (int)Math.Floor(src);
            double t = src - floor;
            double[] w =
            [
                ((A * (t + 1) - 5 * A) * (t + 1) + 8 * A) * (t + 1) - 4 * A,
                ((A + 2) * t - (A + 3)) * t * t + 1,
                ((A + 2) * (1 - t) - (A + 3)) * (1 - t) * (1 - t) + 1,
                ((A * (2 - t) - 5 * A) * (2 - t) + 8 * A) * (2 - t) - 4 * A,
            ];
            for (int k = 0; k < 4; k++)
            {
                index[i * 4 + k] = Math.Clamp(floor - 1 + k, 0, input - 1);
                weight[i * 4 + k] = w[k];
            }
        }
        return (index, weight);
    }

    /// <summary>
    /// A linear probe: freezes every parameter but the classifier head (<c>head.*</c>, or VMamba's <c>classifier.head.*</c>),
    /// so the optimizer sees only the head. Returns the keys left trainable.
    /// </summary>
    /// <exception cref="ArgumentException">The model has no head to train.</exception>
    public static IReadOnlyList<string> FreezeAllButHead(ImageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var trainable = new List<string>();
        foreach (var (key, parameter) in model.NamedParameters())
        {
            if (parameter.IsBuffer) continue;
            bool head = IsHead(key);
            parameter.RequiresGrad = head;
            if (head) trainable.Add(key);
        }
        if (trainable.Count == 0) throw new ArgumentException($"{model.Info.Name} has no classifier head (head.weight) to train in a linear probe.", nameof(model));
        return trainable;
    }
}
