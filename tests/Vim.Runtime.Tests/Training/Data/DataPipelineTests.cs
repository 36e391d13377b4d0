using Vim.Runtime.Imaging;
using Vim.Runtime.Training;
using Vim.Runtime.Training.Data;

namespace Vim.Runtime.Tests.Training.Data;

/// <summary>Image folders, splits and the loader: order, determinism whatever the thread count, repeats, failures named.</summary>
public class DataPipelineTests
{
    private static readonly PreprocessConfig Small = new() { InputHeight = 16, InputWidth = 16, CropPct = 1.0, ResizeAndCrop = false, Mean = [0.5, 0.5, 0.5], Std = [0.5, 0.5, 0.5] };

    [Fact]
    public void ImageFolder_ReadsClassesInOrder_AndLeavesOutNonImages()
    {
        using var t = new TestFolders();
        string dir = t.Write("train", 3, 4, 16, 1);
        File.WriteAllText(Path.Combine(dir, "class_1", "notes.txt"), "not an image");
        File.WriteAllText(Path.Combine(dir, "class_2", "fake.png"), "not a png either");
        var ds = new ImageFolderDataset(dir);
        Assert.Equal(["class_0", "class_1", "class_2"], ds.Classes);
        Assert.Equal(12, ds.Count);
        Assert.Equal([4, 4, 4], ds.ClassCounts());
        Assert.Equal(2, ds.Skipped.Count);
        Assert.Contains(ds.Skipped, s => s.Contains("notes.txt") && s.Contains("not .png/.jpg/.jpeg"));
        Assert.Contains(ds.Skipped, s => s.Contains("fake.png") && s.Contains("not a PNG or JPEG"));
        var sample = ds.Read(5);
        Assert.Equal(1, sample.Label);
        Assert.Equal(16, sample.Image!.Width);
    }

    [Fact]
    public void ImageFolder_RefusesAnEmptyClassAndAMissingFolder()
    {
        using var t = new TestFolders();
        string dir = t.Write("train", 2, 2, 16, 1);
        Directory.CreateDirectory(Path.Combine(dir, "class_9"));
        var e = Assert.Throws<InvalidDataException>(() => new ImageFolderDataset(dir));
        Assert.Contains("'class_9'", e.Message);
        Assert.Contains("no PNG or JPEG images", e.Message);
        Assert.Throws<DirectoryNotFoundException>(() => new ImageFolderDataset(Path.Combine(t.Root, "nope")));
    }

    [Fact]
    public void StratifiedSplit_IsSeededAndKeepsEveryClass()
    {
        var labels = Enumerable.Range(0, 100).Select(i => i % 4).ToArray();
        var ds = new TensorDataset(new float[100 * 3], labels, 3, 1, 1);
        var (train, val) = Split.Stratified(ds, 0.2, seed: 5);
        Assert.Equal(100, train.Count + val.Count);
        Assert.Empty(train.Indices.Intersect(val.Indices));
        Assert.All(Enumerable.Range(0, 4), c => Assert.Equal(5, val.Indices.Count(i => labels[i] == c)));
        Assert.Equal(val.Indices, Split.Stratified(ds, 0.2, seed: 5).Validation.Indices);
        Assert.NotEqual(val.Indices, Split.Stratified(ds, 0.2, seed: 6).Validation.Indices);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Ranks_SplitTheEpoch_EachExampleTransformedAsOneProcessWould(int world)
    {
        using var t = new TestFolders();
        var ds = new ImageFolderDataset(t.Write("train", 3, 7, 16, 2));
        var transform = ImageNetTransform.ForRecipe(Recipes.VimTiny, Small);
        (int[] Indices, float[][] Pixels) Epoch(DataLoader loader)
        {
            var indices = new List<int>();
            var pixels = new List<float[]>();
            foreach (var b in loader.Epoch(3, cancellation: TestContext.Current.CancellationToken))
            {
                using (b)
                {
                    var all = b.Images.ToArray();
                    int size = all.Length / b.Indices.Length;
                    indices.AddRange(b.Indices);
                    for (int k = 0; k < b.Indices.Length; k++) pixels.Add(all[(k * size)..((k + 1) * size)]);
                }
            }
            return (indices.ToArray(), pixels.ToArray());
        }
        var one = Epoch(new DataLoader(ds, transform, 4, shuffle: true, 7));
        var seen = new List<int>();
        for (int rank = 0; rank < world; rank++)
        {
            var loader = new DataLoader(ds, transform, 4, shuffle: true, 7, rank: rank, worldSize: world);
            Assert.Equal((21 + world - 1) / world, loader.EpochLength);
            var mine = Epoch(loader);
            for (int k = 0; k < mine.Indices.Length; k++)
            {
                int position = rank + k * world;
                if (position >= 21) continue;   // the padding repeats the order's start
                Assert.Equal(one.Indices[position], mine.Indices[k]);
                Assert.Equal(one.Pixels[position], mine.Pixels[k]);
                seen.Add(mine.Indices[k]);
            }
        }
        Assert.Equal(Enumerable.Range(0, 21), seen.Order());
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(ds, transform, 4, shuffle: true, 7, rank: world, worldSize: world));
    }

    [Fact]
    public void Loader_GivesTheSameBatchesForASeed_WhateverTheWorkers()
    {
        using var t = new TestFolders();
        var ds = new ImageFolderDataset(t.Write("train", 3, 7, 16, 2));
        var transform = ImageNetTransform.ForRecipe(Recipes.VimTiny, Small);
        float[][] Batches(int workers, int seed)
        {
            var loader = new DataLoader(ds, transform, 4, shuffle: true, seed, workers: workers);
            return loader.Epoch(3, cancellation: TestContext.Current.CancellationToken).Select(b => { using (b) return b.Images.ToArray(); }).ToArray();
        }
        var one = Batches(1, 7);
        Assert.Equal(6, one.Length);   // 21 examples, batch 4, the last partial
        Assert.Equal(one, Batches(4, 7));
        Assert.NotEqual(one[0], Batches(1, 8)[0]);
        var loader = new DataLoader(ds, transform, 4, shuffle: true, 7);
        Assert.Equal(Enumerable.Range(0, 21), loader.Order(3).Order());
        Assert.NotEqual(loader.Order(3), loader.Order(4));
        // a resumed epoch from batch 2 gives the same batches as the whole epoch from there
        var tail = loader.Epoch(3, first: 2, TestContext.Current.CancellationToken).Select(b => { using (b) return b.Images.ToArray(); }).ToArray();
        Assert.Equal(one[2..], tail);
    }

    [Fact]
    public void Loader_RepeatsAndDropsAsAsked()
    {
        var ds = new TensorDataset(new float[300], Enumerable.Range(0, 300).Select(i => i % 3).ToArray(), 1, 1, 1);
        var loader = new DataLoader(ds, new EvalTransform(new PreprocessConfig { InputHeight = 1, InputWidth = 1 }, channels: 1), 64, shuffle: true, 1, dropLast: true, repeats: 3);
        var order = loader.Order(0);
        Assert.Equal(256, order.Length);
        for (int i = 0; i + 2 < order.Length; i += 3) Assert.True(order[i] == order[i + 1] && order[i] == order[i + 2]);
        Assert.Equal(4, loader.BatchesPerEpoch);
    }

    [Fact]
    public void ImageFolder_KeepsDecodedImagesWithinItsBudget()
    {
        using var t = new TestFolders();
        string dir = t.Write("train", 2, 3, 16, 5);
        var cached = new ImageFolderDataset(dir);
        var first = cached.Read(4);
        File.Delete(cached.PathOf(4));   // a kept image is not read again
        Assert.Same(first.Image, cached.Read(4).Image);
        Assert.Equal(first.Image!.Pixels.LongLength, cached.CachedBytes);

        // A budget of one image: the first read is kept, later ones come from disk every time.
        var small = new ImageFolderDataset(dir, cacheBytes: first.Image.Pixels.LongLength);
        var kept = small.Read(0);
        Assert.Same(kept.Image, small.Read(0).Image);
        var again = small.Read(1);
        Assert.NotSame(again.Image, small.Read(1).Image);
        Assert.Equal(again.Image!.Pixels, small.Read(1).Image!.Pixels);
        Assert.Equal(kept.Image!.Pixels.LongLength, small.CachedBytes);

        var none = new ImageFolderDataset(dir, cacheBytes: 0);
        Assert.NotSame(none.Read(0).Image, none.Read(0).Image);
        Assert.Equal(0, none.CachedBytes);
    }

    [Fact]
    public void Loader_NamesTheFileThatFailsToDecode()
    {
        using var t = new TestFolders();
        string dir = t.Write("train", 2, 3, 16, 3);
        string bad = Path.Combine(dir, "class_1", "001.png");
        var bytes = File.ReadAllBytes(bad);
        File.WriteAllBytes(bad, bytes[..40]);   // the signature survives, the data does not
        var ds = new ImageFolderDataset(dir);
        var loader = new DataLoader(ds, new EvalTransform(Small), 2, shuffle: false, 0);
        var e = Assert.Throws<ImageFormatException>(() => loader.Epoch(0, cancellation: TestContext.Current.CancellationToken).ToList().ForEach(b => b.Dispose()));
        Assert.Contains("001.png", e.Message);
    }

    [Fact]
    public void EvalTransform_IsThePreprocessing()
    {
        using var t = new TestFolders();
        var ds = new ImageFolderDataset(t.Write("train", 1, 1, 16, 4));
        var sample = ds.Read(0);
        var output = new float[3 * 16 * 16];
        new EvalTransform(Small).Apply(sample, new Random(0), output);
        Assert.Equal(ImagePreprocessing.Preprocess(sample.Image!, Small), output);
    }
}
