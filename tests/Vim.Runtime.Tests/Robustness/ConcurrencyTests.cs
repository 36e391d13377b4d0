using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;
using Vim.Runtime.Tests.Fixtures;

namespace Vim.Runtime.Tests.Robustness;

/// <summary>Concurrent Forward calls on one CPU model give exactly the sequential results; loads wait for them.</summary>
public class ConcurrencyTests
{
    [Fact]
    public void ConcurrentForwards_OnOneModel_MatchSequentialResults()
    {
        // A fresh model: the first calls race to build the packed-weight caches, which is what this must survive.
        var model = Models.Create("vim_digits_patch8_32", overrides: new ModelOverrides { Seed = 3 });
        var inputs = Enumerable.Range(0, 8).Select(i =>
        {
            var random = new Random(i);
            return Enumerable.Range(0, 2 * 3 * 32 * 32).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        }).ToArray();

        var concurrent = new float[inputs.Length][];
        Parallel.For(0, inputs.Length * 4, new ParallelOptions { MaxDegreeOfParallelism = 8 }, k =>
        {
            int i = k % inputs.Length;
            using var x = Tensor.FromArray(inputs[i], 2, 3, 32, 32);
            using var y = model.Forward(x);
            var values = y.ToArray();
            lock (concurrent)
            {
                if (concurrent[i] is null) concurrent[i] = values;
                else Assert.Equal(concurrent[i], values);
            }
        });

        for (int i = 0; i < inputs.Length; i++)
        {
            using var x = Tensor.FromArray(inputs[i], 2, 3, 32, 32);
            using var y = model.Forward(x);
            Assert.Equal(y.ToArray(), concurrent[i]);
        }
    }

    /// <summary>
    /// Loads alternate between two checkpoints while forwards run on other threads: every forward returns exactly the
    /// logits of one checkpoint (never a mix of the two, never a disposed tensor).
    /// </summary>
    [Fact]
    public async Task LoadsDuringForwards_GiveOneCheckpointsLogits_NeverAMix()
    {
        string digits = Parity.DataPath("Checkpoints", "Data", "digits.safetensors");
        var model = Models.Create("vim_digits_patch8_32");
        var random = new Random(5);
        // Two images: a CPU batch runs as one-image passes on other threads, which must not need the lock again.
        var input = Enumerable.Range(0, 2 * 3 * 32 * 32).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        using var x = Tensor.FromArray(input, 2, 3, 32, 32);
        model.LoadCheckpoint(digits);
        float[] trained = Logits(model, x);
        var fresh = Models.Create("vim_digits_patch8_32", overrides: new ModelOverrides { Seed = 9 }).StateDict()
            .ToDictionary(p => p.Key, p => p.Value);
        model.LoadStateDict(fresh);
        float[] untrained = Logits(model, x);
        Assert.NotEqual(trained, untrained);

        using var stop = new CancellationTokenSource();
        var loader = Task.Run(() =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                if (i % 2 == 0) model.LoadCheckpoint(digits);
                else model.LoadStateDict(fresh);
            }
        }, TestContext.Current.CancellationToken);
        int mixed = 0, seen = 0;
        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            float[] y = Logits(model, x);
            Interlocked.Increment(ref seen);
            if (!y.SequenceEqual(trained) && !y.SequenceEqual(untrained)) Interlocked.Increment(ref mixed);
        });
        stop.Cancel();
        await loader;
        Assert.Equal(200, seen);
        Assert.Equal(0, mixed);
    }

    [Fact]
    public void LoadingFromInsideAForward_IsRefusedClearly()
    {
        var model = Models.Create("vim_digits_patch8_32");
        string digits = Parity.DataPath("Checkpoints", "Data", "digits.safetensors");
        Exception? seen = null;
        model.Observer = (name, _) =>
        {
            if (name != "patch_embed") return;
            try { model.LoadCheckpoint(digits); }
            catch (Exception e) { seen = e; }
        };
        using var x = Tensor.Zeros(1, 3, 32, 32);
        using var y = model.Forward(x);
        var refused = Assert.IsType<InvalidOperationException>(seen);
        Assert.Contains("from inside one of its own forward passes", refused.Message);
    }

    private static float[] Logits(Vim.Runtime.Modules.ImageModel model, Tensor x)
    {
        using var y = model.Forward(x);
        return y.ToArray();
    }
}
