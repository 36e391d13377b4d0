using System.Buffers.Binary;
using Vim.Runtime.Checkpoints;
using static Vim.Runtime.Tests.Checkpoints.SafeTensorsTests;

namespace Vim.Runtime.Tests.Checkpoints;

/// <summary>Seeded random corruption: a reader either succeeds or raises CheckpointFormatException, nothing else.</summary>
public sealed class CorruptionTests
{
    private static void LoadsOrFormatError(Action read)
    {
        try
        {
            read();
        }
        catch (CheckpointFormatException)
        {
        }
    }

    [Fact]
    public void Corrupted_safetensors_headers()
    {
        byte[] file = File.ReadAllBytes(DataPath("vim_tiny.safetensors"));
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        var rng = new Random(1234);
        for (int i = 0; i < 300; i++)
        {
            byte[] copy = (byte[])file.Clone();
            for (int k = 0; k < 1 + i % 4; k++) copy[rng.Next(8 + n)] = (byte)rng.Next(256);
            LoadsOrFormatError(() => SafeTensors.Read(copy, "c.safetensors"));
        }
    }

    [Fact]
    public void Corrupted_pickles()
    {
        byte[] file = File.ReadAllBytes(DataPath("vim_tiny.pth"));
        byte[] pickle = PthBuilder.Record(file, "checkpoint/data.pkl");
        var rng = new Random(5678);
        for (int i = 0; i < 300; i++)
        {
            byte[] copy = (byte[])pickle.Clone();
            for (int k = 0; k < 1 + i % 3; k++) copy[rng.Next(copy.Length)] = (byte)rng.Next(256);
            byte[] archive = PthBuilder.Replace(file, (name, data) => name == "checkpoint/data.pkl" ? copy : data);
            LoadsOrFormatError(() => PthReader.Read(archive, sourceName: "c.pth"));
            LoadsOrFormatError(() => PthReader.Read(archive, sourceName: "c.pth", options: new PthReadOptions { AllowUnknownGlobalsOutsideEntry = true }));
        }
    }

    [Fact]
    public void Corrupted_zip_structure()
    {
        byte[] file = File.ReadAllBytes(DataPath("vim_tiny.pth"));
        var rng = new Random(91011);
        for (int i = 0; i < 300; i++)
        {
            byte[] copy = (byte[])file.Clone();
            // Hit the central directory and local headers more often than the data.
            int pos = i % 2 == 0 ? copy.Length - 1 - rng.Next(Math.Min(copy.Length, 6000)) : rng.Next(copy.Length);
            copy[pos] = (byte)rng.Next(256);
            LoadsOrFormatError(() => PthReader.Read(copy, sourceName: "c.pth"));
        }
    }
}
