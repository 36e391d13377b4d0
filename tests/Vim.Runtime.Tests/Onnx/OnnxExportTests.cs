using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Vim.Runtime.Checkpoints;
using Vim.Runtime.Imaging;
using Vim.Runtime.Registry;
using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;
using Tensor = Vim.Runtime.Tensors.Tensor;
using Vim.Runtime.Tests.Fixtures;

namespace Vim.Runtime.Tests.Onnx;

/// <summary>Every Vim and VMamba fixture model exported to ONNX and run by ONNX Runtime (CPU): logits within 1e-4 relative of ours at batch 1 and 3, and of the official ones on the fixture input within 1e-5.</summary>
public class OnnxExportTests
{
    private const double Bound = 1e-4;

    public static TheoryData<string> Cases => FixtureParityTests.Cases;

    [Theory]
    [MemberData(nameof(Cases))]
    public void VimFixture_InOnnxRuntime_GivesOurLogits(string fixture) =>
        AssertOnnxRuntimeMatches(FixtureParityTests.LoadModel(fixture, Parity.DataPath("Fixtures", "Data", fixture, "weights.safetensors")),
            SafeTensors.Load(Parity.DataPath("Fixtures", "Data", fixture, "io.safetensors")), fixture);

    public static TheoryData<string> VMambaCases => VMamba.VMambaParityTests.Cases;

    [Theory]
    [MemberData(nameof(VMambaCases))]
    public void VMambaFixture_InOnnxRuntime_GivesOurLogits(string fixture) =>
        AssertOnnxRuntimeMatches(VMamba.VMambaParityTests.LoadModel(fixture, Parity.DataPath("VMamba", "Data", fixture, "weights.safetensors")),
            SafeTensors.Load(Parity.DataPath("VMamba", "Data", fixture, "io.safetensors")), fixture);

    /// <summary>
    /// Exports <paramref name="model"/>; ONNX Runtime's logits on random images of the fixture's size at batch 1 and 3 are
    /// within <see cref="Bound"/> of ours, and on the fixture's input within the parity bound of the official ones.
    /// </summary>
    private static void AssertOnnxRuntimeMatches(ImageModel model, IReadOnlyDictionary<string, Tensor> io, string fixture)
    {
        string path = Path.Combine(Path.GetTempPath(), $"vim-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            var export = model.ExportOnnx(path);
            using var session = new InferenceSession(path);
            var report = new List<string>();
            int h = io["input"].Shape[2], w = io["input"].Shape[3];
            foreach (int batch in new[] { 1, 3 })
            {
                using var x = OnnxTesting.RandomImages(batch, model.Info.Channels, h, w, seed: batch);
                using var ours = model.Forward(x);
                var theirs = OnnxTesting.Run(session, x);
                Assert.Equal(ours.Shape.ToArray(), theirs.Shape);
                double error = Parity.RelativeL2(theirs.Values, ours.Span);
                report.Add($"batch {batch}: {error:E2}");
                Assert.True(error <= Bound, $"{fixture}: ONNX Runtime's logits are {error:E2} from ours at batch {batch} (bound {Bound:E0})");
            }
            double official = Parity.RelativeL2(OnnxTesting.Run(session, io["input"]).Values, io["logits"].Span);
            report.Add($"official: {official:E2}");
            Assert.True(official <= Parity.Bound, $"{fixture}: ONNX Runtime's logits are {official:E2} from the official ones");
            TestContext.Current.TestOutputHelper?.WriteLine($"{fixture} ({h}x{w}): {export.Nodes} nodes, {export.Bytes} bytes; {string.Join(", ", report)}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Declared SS2D, MLP and VSS blocks (every out_norm kind, MLP-only, v0 and v05) and their option twins, fresh weights, at 64×64.</summary>
    [Theory]
    [InlineData("fixture_declared_cnorm")]
    [InlineData("fixture_options_cnorm")]
    [InlineData("fixture_declared_softmax")]
    [InlineData("fixture_options_softmax")]
    [InlineData("fixture_declared_dwconv")]
    [InlineData("fixture_options_dwconv")]
    [InlineData("fixture_declared_sigmoid")]
    [InlineData("fixture_declared_mlponly")]
    [InlineData("fixture_declared_vmamba_v0_ds1")]
    [InlineData("fixture_declared_vmamba_v05_zgate_defaults")]
    [InlineData("vmamba_tiny_s1l8")]
    public void VMambaVariant_InOnnxRuntime_GivesOurLogits(string name)
    {
        var model = Models.Create(name);
        string path = Path.Combine(Path.GetTempPath(), $"vim-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            var export = model.ExportOnnx(path);
            using var session = new InferenceSession(path);
            using var x = OnnxTesting.RandomImages(2, model.Info.Channels, 64, 64, seed: 7);
            using var ours = model.Forward(x);
            var theirs = OnnxTesting.Run(session, x);
            double error = Parity.RelativeL2(theirs.Values, ours.Span);
            TestContext.Current.TestOutputHelper?.WriteLine($"{name}: {export.Nodes} nodes, {export.Bytes} bytes; batch 2 at 64x64: {error:E2}");
            Assert.True(error <= Bound, $"{name}: ONNX Runtime's logits are {error:E2} from ours (bound {Bound:E0})");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void VimTiny_FromTheZoo_KeepsTheOfficialKeysAndOurTop1OnTheSamplePhotos()
    {
        var model = Models.Create("vim_tiny_patch16_224");
        var photos = new[] { "chelsea.jpg", "coffee.jpg" }
            .Select(f => ImagePreprocessing.Preprocess(ImageLoader.Load(Parity.DataPath("Imaging", "Data", f)), model.Info.Preprocessing)).ToArray();
        using var x = Tensor.FromArray(photos.SelectMany(p => p).ToArray(), 2, 3, 224, 224);
        string path = Path.Combine(Path.GetTempPath(), $"vim-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            var export = model.ExportOnnx(path);
            TestContext.Current.TestOutputHelper?.WriteLine($"vim_tiny_patch16_224: {export.Bytes / 1e6:0.0} MB, {export.Nodes} nodes");
            using var session = new InferenceSession(path);
            // every initializer that is a weight carries its state-dict key, so the file maps back onto the official checkpoint
            var initializers = OnnxFileReader.InitializerNames(path).Where(k => !k.StartsWith("const_", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
            Assert.Equal(model.NamedParameters().Select(p => p.Key).Order(StringComparer.Ordinal), initializers);
            using var ours = model.Forward(x);
            var theirs = OnnxTesting.Run(session, x);
            Assert.True(Parity.RelativeL2(theirs.Values, ours.Span) <= Bound);
            for (int b = 0; b < 2; b++) Assert.Equal(ArgMax(ours.Span.Slice(b * 1000, 1000)), ArgMax(theirs.Values.AsSpan(b * 1000, 1000)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ResizedHeadlessModel_ExportsItsOwnSizeAndFeatures()
    {
        // ImgSize 48 (pos_embed interpolated to the 6x6 grid) and no head: the graph takes 48x48 and returns the features
        var model = Models.Create("vim_digits_patch8_32", overrides: new ModelOverrides { ImgSize = 48, NumClasses = 0 });
        string path = Path.Combine(Path.GetTempPath(), $"vim-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            model.ExportOnnx(path, dynamicBatch: false);
            using var session = new InferenceSession(path);
            Assert.Equal([1, 3, 48, 48], session.InputMetadata["images"].Dimensions);
            using var x = OnnxTesting.RandomImages(1, 3, 48, 48, seed: 9);
            using var ours = model.Forward(x);
            var theirs = OnnxTesting.Run(session, x);
            Assert.Equal([1, 64], theirs.Shape);
            Assert.True(Parity.RelativeL2(theirs.Values, ours.Span) <= Bound);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TrainedDigitsModel_InOnnxRuntime_ReadsTheSampleDigits()
    {
        var model = Models.Create("vim_digits_patch8_32");
        model.LoadCheckpoint(Parity.DataPath("Checkpoints", "Data", "digits.pth"));
        var digits = Enumerable.Range(0, 10)
            .Select(d => ImagePreprocessing.Preprocess(ImageLoader.Load(Parity.DataPath("Imaging", "Data", "digits", $"digit_{d}.png")), PreprocessConfig.Digits)).ToArray();
        using var x = Tensor.FromArray(digits.SelectMany(p => p).ToArray(), 10, 3, 32, 32);
        string path = Path.Combine(Path.GetTempPath(), $"vim-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            model.ExportOnnx(path, opset: 18);
            using var session = new InferenceSession(path);
            var logits = OnnxTesting.Run(session, x).Values;
            Assert.Equal(Enumerable.Range(0, 10), Enumerable.Range(0, 10).Select(d => ArgMax(logits.AsSpan(d * 10, 10))));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Our own structural check beside ONNX Runtime's load-time checker: the nodes are in execution order, every value has one producer, the output is produced.</summary>
    [Theory]
    [InlineData("vim_digits_patch8_32")]
    [InlineData("features_vim_blocks_bidir_doublecls_b2")]
    [InlineData("fixture_declared_cnorm")]
    public void ExportedGraph_IsTopologicallyOrderedWithOneProducerPerValue(string name)
    {
        string path = Path.Combine(Path.GetTempPath(), $"vim-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            Models.Create(name).ExportOnnx(path);
            var (nodes, inputs, outputs, initializers) = OnnxFileReader.Graph(path);
            Assert.Equal(["images"], inputs);
            Assert.Equal(["logits"], outputs);
            var defined = new HashSet<string>(inputs.Concat(initializers));
            Assert.Equal(inputs.Count + initializers.Count, defined.Count);
            foreach (var (op, nodeInputs, nodeOutputs) in nodes)
            {
                foreach (var input in nodeInputs.Where(i => i.Length > 0)) Assert.True(defined.Contains(input), $"{op} reads '{input}' before any node writes it");
                foreach (var output in nodeOutputs) Assert.True(defined.Add(output), $"'{output}' is written twice");
            }
            Assert.Contains("logits", defined);
            Assert.Contains(nodes, n => n.Op == "Scan");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void WhatCannotBeExported_IsRefusedWithoutAFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"vim-onnx-{Guid.NewGuid():N}.onnx");
        var meta = Models.Create("vim_digits_patch8_32", Devices.Device.Meta);
        Assert.Contains("meta device", Assert.Throws<InvalidOperationException>(() => meta.ExportOnnx(path)).Message);
        var model = Models.Create("vim_digits_patch8_32");
        Assert.Contains("use 17 to 21", Assert.Throws<ArgumentOutOfRangeException>(() => model.ExportOnnx(path, opset: 13)).Message);
        // vim_base at 14000² has a 2.3 GB position embedding: more than one file can embed
        var huge = Models.Create("vim_base_patch16_224", Devices.Device.Meta, new ModelOverrides { ImgSize = 14000 });
        Assert.Contains("more than one ONNX file can embed", Assert.Throws<NotSupportedException>(() => huge.ExportOnnx(path)).Message);
        Assert.False(File.Exists(path));
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}

internal static class OnnxTesting
{
    public static Tensor RandomImages(int batch, int channels, int height, int width, int seed)
    {
        var random = new Random(seed);
        return Tensor.FromArray(Enumerable.Range(0, batch * channels * height * width).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray(), batch, channels, height, width);
    }

    public static (float[] Values, int[] Shape) Run(InferenceSession session, Tensor images)
    {
        var input = new DenseTensor<float>(images.ToArray(), images.Shape.ToArray());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("images", input)]);
        var output = results.First(r => r.Name == "logits").AsTensor<float>();
        return (output.ToArray(), output.Dimensions.ToArray());
    }
}
