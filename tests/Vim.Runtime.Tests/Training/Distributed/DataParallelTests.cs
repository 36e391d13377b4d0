using Vim.Runtime.Modules;
using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;
using Vim.Runtime.Tests.Fixtures;
using Vim.Runtime.Training;
using Vim.Runtime.Training.Distributed;

namespace Vim.Runtime.Tests.Training.Distributed;

/// <summary>Data-parallel training's logic without GPUs: the sampler's split, the bucket plan, and N ranks taking the one-process step on their batches together.</summary>
public class DataParallelTests
{
    [Fact]
    public void Sampler_SplitsAsPyTorchsDistributedSampler()
    {
        // 10 samples over 3 ranks: padded to 12 by repeating the start, then every third index from each rank
        int[][] expected = [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]];
        for (int r = 0; r < 3; r++) Assert.Equal(expected[r], new DistributedSampler(10, r, 3, shuffle: false).Indices(0));
        // dropLast cuts to 9
        Assert.Equal([1, 4, 7], new DistributedSampler(10, 1, 3, shuffle: false, dropLast: true).Indices(0));
    }

    [Theory]
    [InlineData(37, 4, 7)]
    [InlineData(100, 8, 0)]
    [InlineData(5, 2, 3)]
    public void Sampler_ShufflesTheSameOnEveryRankAndCoversEachSampleOncePerEpoch(int count, int world, int seed)
    {
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var all = Enumerable.Range(0, world).SelectMany(r => new DistributedSampler(count, r, world, seed: seed).Indices(epoch)).ToList();
            Assert.Equal((count + world - 1) / world * world, all.Count);
            Assert.Equal(Enumerable.Range(0, count), all.Distinct().Order());
            Assert.True(all.Count - count == all.Count - all.Distinct().Count(), "only the padding repeats samples");
            // another sampler object (another process) draws the same permutation
            Assert.Equal(new DistributedSampler(count, 0, world, seed: seed).Indices(epoch), new DistributedSampler(count, 0, world, seed: seed).Indices(epoch));
        }
        Assert.NotEqual(new DistributedSampler(count, 0, world, seed: seed).Indices(0).Concat(new DistributedSampler(count, 1, world, seed: seed).Indices(0)),
            new DistributedSampler(count, 0, world, seed: seed).Indices(1).Concat(new DistributedSampler(count, 1, world, seed: seed).Indices(1)));
    }

    [Fact]
    public void Sampler_RefusesAnImpossibleGroup()
    {
        Assert.Contains("Rank 2 is outside 0..1", Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedSampler(10, 2, 2)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedSampler(10, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedSampler(0, 0, 1));
    }

    [Fact]
    public void Buckets_RunInReverseRegistrationOrder_FirstSmallThenCapped()
    {
        var model = Models.Create("vim_tiny_patch16_224", Devices.Device.Meta);
        var parameters = model.NamedParameters().Select(p => p.Value).Where(p => !p.IsBuffer).ToList();
        var plan = new GradientBuckets(parameters);
        var flat = plan.Buckets.SelectMany(b => b).ToList();
        Assert.Equal(Enumerable.Reverse(parameters), flat);
        long Bytes(IReadOnlyList<Parameter> b) => b.Sum(p => 4 * p.Shape.Numel);
        Assert.True(Bytes(plan.Buckets[0]) >= GradientBuckets.FirstCapBytes && Bytes(plan.Buckets[0]) - 4 * plan.Buckets[0][^1].Shape.Numel < GradientBuckets.FirstCapBytes);
        foreach (var bucket in plan.Buckets.Skip(1).SkipLast(1))
        {
            Assert.True(Bytes(bucket) >= GradientBuckets.CapBytes && Bytes(bucket) - 4 * bucket[^1].Shape.Numel < GradientBuckets.CapBytes);
        }
        Assert.InRange(plan.Buckets.Count, 2, 5);   // 28.6 MB of vim_tiny weights
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Ranks_TakeTheOneProcessStepOfTheGlobalBatch(int world)
    {
        const int Batch = 8, Steps = 3;
        var random = new Random(11);
        var images = Enumerable.Range(0, Steps).Select(_ => Enumerable.Range(0, Batch * 3 * 32 * 32).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();
        var labels = Enumerable.Range(0, Steps).Select(_ => Enumerable.Range(0, Batch).Select(_ => random.Next(10)).ToArray()).ToArray();

        var single = Train(Model(seed: 0), null, images, labels, Enumerable.Range(0, Batch).ToArray());

        var group = new InProcessGroup(world);
        var ranks = new ImageModel[world];
        group.Run(rank =>
        {
            // every rank starts from its own initialisation: the trainer must take rank 0's
            var model = Model(seed: rank.Rank);
            var mine = new DistributedSampler(Batch, rank.Rank, world, shuffle: false).Indices(0);
            ranks[rank.Rank] = Train(model, rank, images, labels, mine);
        });

        var expected = single.NamedParameters().ToDictionary(p => p.Key, p => p.Value.Value.ToArray());
        foreach (var model in ranks)
        {
            foreach (var (key, p) in model.NamedParameters())
            {
                double error = Parity.RelativeL2(p.Value.Span, expected[key]);
                Assert.True(error <= 1e-5, $"{world} ranks, '{key}': {error:E2} from the one-process step");
            }
        }
        // and the ranks agree bit for bit
        Assert.All(ranks.Skip(1), m => Assert.Equal(ranks[0].NamedParameters().Select(p => p.Value.Value.ToArray()), m.NamedParameters().Select(p => p.Value.Value.ToArray())));
    }

    private static ImageModel Model(int seed) => Models.Create("vim_digits_patch8_32", overrides: new ModelOverrides { Seed = seed, DropPathRate = 0 }).Train();

    private static ImageModel Train(ImageModel model, ICommunicator? communicator, float[][] images, int[][] labels, int[] rows)
    {
        var optimizer = new AdamW(ParameterGroup.Official(model, 0.05), learningRate: 1e-3);
        var trainer = new Trainer(model, optimizer, new CrossEntropyLoss(smoothing: 0.1), new TrainerOptions { ClipGradNorm = 1.0, Communicator = communicator });
        const int Image = 3 * 32 * 32;
        for (int s = 0; s < images.Length; s++)
        {
            var x = rows.SelectMany(r => images[s].AsSpan(r * Image, Image).ToArray()).ToArray();
            using var batch = Tensor.FromArray(x, rows.Length, 3, 32, 32);
            trainer.Step(batch, Targets.FromLabels(rows.Select(r => labels[s][r]).ToArray()));
        }
        return model;
    }
}
