using Vim.Kernels.Cpu;
using Vim.Runtime.Modules;
using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Tests.Modules;

/// <summary>
/// On the CPU a batch runs as one-image passes spread over the cores (ImageModel.ForEachImage): the results must be
/// exactly those of one pass over the whole batch, whatever the output's shape.
/// </summary>
public class CpuBatchSplitTests
{
    private static Tensor Images(int batch, int size, int seed)
    {
        var random = new Random(seed);
        var data = Enumerable.Range(0, batch * 3 * size * size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        return Tensor.FromArray(data, batch, 3, size, size);
    }

    private static float[] Whole(Func<Tensor, Tensor> forward, Tensor x)
    {
        // A serial thread never splits: one pass over the whole batch.
        using var serial = KernelThreading.Serially();
        using var y = forward(x);
        return y.ToArray();
    }

    private static float[] Split(Func<Tensor, Tensor> forward, Tensor x, out Shape shape)
    {
        Assert.True(KernelThreading.CurrentDegree >= 2, "the split needs a thread that may use several cores");
        using var y = forward(x);
        shape = y.Shape;
        return y.ToArray();
    }

    [Theory]
    [InlineData("vim_digits_patch8_32", 32, 5)]
    [InlineData("fixture_declared_vmamba_v2_ln2d_r2", 64, 3)]
    [InlineData("fixture_declared_vmamba_v0_ds1", 64, 2)]
    public void SplitLogitsAndFeatures_EqualOnePassOverTheBatch(string name, int size, int batch)
    {
        int saved = KernelThreading.MaxDegreeOfParallelism;
        KernelThreading.MaxDegreeOfParallelism = Math.Max(2, saved);
        try
        {
            var model = Models.Create(name, overrides: new ModelOverrides { Seed = 11 });
            using var x = Images(batch, size, seed: batch);
            float[] logits = Split(model.Forward, x, out var logitShape);
            Assert.Equal(new Shape(batch, model.Info.NumClasses), logitShape);
            Assert.Equal(Whole(model.Forward, x), logits);
            float[] features = Split(model.ForwardFeatures, x, out var featureShape);
            Assert.Equal(batch, featureShape[0]);
            Assert.Equal(Whole(model.ForwardFeatures, x), features);
        }
        finally
        {
            KernelThreading.MaxDegreeOfParallelism = saved;
        }
    }

    [Fact]
    public void SplitLogits_EqualEachImagePassedAlone()
    {
        var model = Models.Create("vim_digits_patch8_32", overrides: new ModelOverrides { Seed = 5 });
        using var x = Images(3, 32, seed: 9);
        float[] each = Enumerable.Range(0, 3).SelectMany(i =>
        {
            using var one = Tensor.FromArray(x.ToArray().AsSpan(i * 3 * 32 * 32, 3 * 32 * 32).ToArray(), 1, 3, 32, 32);
            using var y = model.Forward(one);
            return y.ToArray();
        }).ToArray();
        float[] split = Split(model.Forward, x, out _);
        Assert.Equal(each, split);
    }

    [Fact]
    public void WithAnObserver_TheBatchIsNotSplit()
    {
        var model = Models.Create("vim_digits_patch8_32", overrides: new ModelOverrides { Seed = 5 });
        var batches = new List<int>();
        model.Observer = (_, activation) => batches.Add(activation.Shape[0]);
        using var x = Images(4, 32, seed: 1);
        using var y = model.Forward(x);
        Assert.NotEmpty(batches);
        Assert.All(batches, b => Assert.Equal(4, b));
    }

    [Fact]
    public void AFailingImage_ReportsItsOwnException_AndReleasesTheOtherOutputs()
    {
        int saved = KernelThreading.MaxDegreeOfParallelism;
        KernelThreading.MaxDegreeOfParallelism = Math.Max(2, saved);
        var produced = new System.Collections.Concurrent.ConcurrentBag<Tensor>();
        try
        {
            using var x = Images(4, 8, seed: 2);
            var ex = Assert.Throws<InvalidOperationException>(() => CpuBatchSplit.Run(x, image =>
            {
                if (image.Span[0] == x.Span[2 * 3 * 8 * 8]) throw new InvalidOperationException("image 2 failed");
                var y = Tensor.Zeros(1, 5);
                produced.Add(y);
                return y;
            }));
            Assert.Equal("image 2 failed", ex.Message);
            Assert.NotEmpty(produced);
            Assert.All(produced, t => Assert.True(t.IsDisposed));
        }
        finally
        {
            KernelThreading.MaxDegreeOfParallelism = saved;
        }
    }

    [Fact]
    public void AWrongInput_IsRefusedBeforeAnySplit()
    {
        var model = Models.Create("vim_digits_patch8_32");
        using var x = Images(4, 30, seed: 1);
        var ex = Assert.Throws<ModelInputException>(() => model.Forward(x));
        Assert.Contains("(4, 3, 30, 30)", ex.Message);
    }

    [Fact]
    public void ThePassStillRunning_TakesTheCoreOfAWorkerThatRanDry_WithTheSameResult()
    {
        int saved = KernelThreading.MaxDegreeOfParallelism;
        KernelThreading.MaxDegreeOfParallelism = 2;
        try
        {
            var model = Models.Create("vim_digits_patch8_32", overrides: new ModelOverrides { Seed = 7 });
            using var x = Images(3, 32, seed: 4);
            // By the order the passes start in: both workers are busy until every image has been claimed.
            var startDegrees = new int[3];
            int started = 0, lateDegree = 0;
            using var y = CpuBatchSplit.Run(x, image =>
            {
                int degree = KernelThreading.CurrentDegree;
                int order = Interlocked.Increment(ref started);
                startDegrees[order - 1] = degree;
                if (order == 3)
                {
                    // The other worker finds the queue empty once its own image is done, and leaves.
                    var waited = System.Diagnostics.Stopwatch.StartNew();
                    while (KernelThreading.CurrentDegree < 2 && waited.Elapsed < TimeSpan.FromSeconds(30))
                    {
                        Thread.Yield();
                    }

                    lateDegree = KernelThreading.CurrentDegree;
                }

                return model.Forward(image);
            });

            Assert.Equal([1, 1], startDegrees[..2]);
            Assert.Equal(2, lateDegree);
            Assert.Equal(Whole(model.Forward, x), y.ToArray());
        }
        finally
        {
            KernelThreading.MaxDegreeOfParallelism = saved;
        }
    }
}
