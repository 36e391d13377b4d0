using System.Buffers.Binary;
using Vim.Runtime.Checkpoints;
using Vim.Runtime.Registry;
using static Vim.Runtime.Tests.Checkpoints.SafeTensorsTests;

namespace Vim.Runtime.Tests.Checkpoints;

public sealed class CheckpointReaderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"vim-ckpt-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private string Temp(string name, byte[] content)
    {
        Directory.CreateDirectory(_dir);
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>A DistributedDataParallel state dict ('module.' on every key) under 'state_dict', as many scripts save it.</summary>
    [Fact]
    public void DataParallelPrefix_IsTakenOff_AndTheEntryIsChosen()
    {
        var weights = SafeTensors.Load(DataPath("digits.safetensors"));
        var prefixed = new PthDict(ordered: true);
        foreach (var (key, value) in weights) prefixed.Add("module." + key, value);
        Directory.CreateDirectory(_dir);
        string path = Path.Combine(_dir, "ddp.pth");
        PthWriter.Save(path, new PthDict().Add("state_dict", prefixed).Add("epoch", 7));

        var expected = Models.Create("vim_digits_patch8_32");
        expected.LoadCheckpoint(DataPath("digits.safetensors"));
        var model = Models.Create("vim_digits_patch8_32");
        model.LoadCheckpoint(path, "state_dict");
        foreach (var (key, p) in expected.NamedParameters()) Assert.Equal(p.Value.ToArray(), model.Find(key).Value.ToArray());

        var e = Assert.Throws<CheckpointFormatException>(() => Models.Create("vim_digits_patch8_32").LoadCheckpoint(path));
        Assert.Contains("no entry 'model'", e.Message);
        Assert.Contains("'state_dict'", e.Message);

        // Only a prefix on every key goes: one key without it leaves the names as they are, and the mismatch is named.
        prefixed.Add("extra", weights["head.bias"]);
        PthWriter.Save(path, new PthDict().Add("state_dict", prefixed));
        var mismatch = Assert.Throws<CheckpointMismatchException>(() => Models.Create("vim_digits_patch8_32").LoadCheckpoint(path, "state_dict"));
        Assert.Contains("module.head.bias", mismatch.Message);
    }

    [Fact]
    public void Picks_the_reader_by_content_not_extension()
    {
        var expected = SafeTensors.Load(DataPath("vim_tiny.safetensors"));
        AssertSameTensors(expected, CheckpointReader.Load(DataPath("vim_tiny.safetensors")));
        AssertSameTensors(expected, CheckpointReader.Load(DataPath("vim_tiny.pth")));
        // Misnamed files are still recognised by their first bytes.
        AssertSameTensors(expected, CheckpointReader.Load(Temp("weights.bin", File.ReadAllBytes(DataPath("vim_tiny.pth")))));
        AssertSameTensors(expected, CheckpointReader.Load(Temp("weights.pt", File.ReadAllBytes(DataPath("vim_tiny.safetensors")))));
    }

    [Fact]
    public void Safetensors_has_no_entries_to_choose()
    {
        Assert.NotEmpty(CheckpointReader.Load(DataPath("vim_tiny.safetensors"), "model"));
        var ex = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Load(DataPath("vim_tiny.safetensors"), "model_ema"));
        Assert.Contains("single state dict", ex.Message);
    }

    [Fact]
    public void Legacy_and_unknown_formats_are_explained()
    {
        // Legacy torch.save: a pickled magic number 0x1950a86a20f9469cfc6c, protocol 2.
        byte[] legacy = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, (byte)'.'];
        var ex = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Load(Temp("old.pth", legacy)));
        Assert.Contains("legacy PyTorch checkpoint", ex.Message);
        Assert.StartsWith("old.pth: ", ex.Message);

        ex = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Load(Temp("x.pth", "hello, world!"u8.ToArray())));
        Assert.Contains("unrecognised checkpoint format", ex.Message);

        ex = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Load(Temp("x.safetensors", [1, 2, 3])));
        Assert.Contains("8-byte header length", ex.Message);
    }

    [Fact]
    public void Zip_entry_declaring_more_bytes_than_the_archive_is_refused()
    {
        // Patch the uncompressed size of data.pkl in the central directory to 4 GB - 1.
        byte[] file = File.ReadAllBytes(DataPath("vim_tiny.pth"));
        int cd = -1;
        for (int i = file.Length - 22; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(i)) == 0x06054b50)
            {
                cd = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(i + 16));
                break;
            }
        }
        Assert.True(cd > 0);
        Assert.Equal(0x02014b50u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(cd)));
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(cd + 20), 0xFFFFFFF0u); // compressed size
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(cd + 24), 0xFFFFFFF0u); // uncompressed size
        var ex = Assert.Throws<CheckpointFormatException>(() => PthReader.Read(file, sourceName: "big.pth"));
        Assert.StartsWith("big.pth: ", ex.Message);
        Assert.Contains("declares 4294967280 bytes, more than the archive (223851 bytes) can hold", ex.Message);
    }
}
