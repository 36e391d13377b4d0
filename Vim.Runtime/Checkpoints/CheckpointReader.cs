using System.Buffers.Binary;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Checkpoints;

/// <summary>Loads a state dict from a safetensors file or a PyTorch zip checkpoint, choosing the reader by content.</summary>
public static class CheckpointReader
{
    /// <summary>
    /// Loads the state dict at <paramref name="path"/>. Files starting with the zip signature <c>PK\x03\x04</c>
    /// (<c>.pth</c>, <c>.pt</c>, <c>.bin</c>, …) are read by <see cref="PthReader"/>; files whose first 8 bytes are a
    /// plausible header length followed by <c>{</c> (or named <c>*.safetensors</c>) by <see cref="SafeTensors"/>.
    /// Legacy (pre-1.6, non-zip) <c>torch.save</c> pickles are refused with an explanation.
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="entry">
    /// For PyTorch checkpoints, the top-level entry to read (<see langword="null"/> = <see cref="PthReader.DefaultEntry"/>).
    /// A safetensors file holds a single state dict, so only <see langword="null"/> or <c>"model"</c> is accepted for it.
    /// </param>
    /// <param name="options">Options for PyTorch checkpoints, or <see langword="null"/> for the defaults.</param>
    /// <returns>Name → float32 tensor, in the file's order.</returns>
    /// <exception cref="CheckpointFormatException">The format is not recognised or the file is malformed.</exception>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    public static IReadOnlyDictionary<string, Tensor> Load(string path, string? entry = null, PthReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string name = Path.GetFileName(path);
        Span<byte> head = stackalloc byte[16];
        int n;
        using (var fs = File.OpenRead(path))
        {
            n = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        head = head[..n];

        if (head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8))
        {
            return PthReader.Load(path, entry ?? PthReader.DefaultEntry, options);
        }
        bool looksSafetensors = n >= 9 && head[8] == (byte)'{' && BinaryPrimitives.ReadUInt64LittleEndian(head) <= SafeTensors.MaxHeaderBytes;
        if (looksSafetensors || path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            if (entry is not null && entry != PthReader.DefaultEntry)
            {
                throw new CheckpointFormatException(name, $"a safetensors file holds a single state dict; entry '{entry}' cannot be selected (pass null or \"{PthReader.DefaultEntry}\").");
            }
            return SafeTensors.Load(path);
        }
        if (n >= 2 && head[0] == 0x80 && head[1] <= 5)
        {
            throw new CheckpointFormatException(name, "this is a legacy PyTorch checkpoint (a bare pickle stream, written by torch.save before PyTorch 1.6 or with _use_new_zipfile_serialization=False). It is not supported because its layout interleaves pickles and raw storages; re-save it with a current PyTorch (torch.save(torch.load(path, weights_only=True), path)) or convert it to safetensors.");
        }
        if (IsTar(path))
        {
            throw new CheckpointFormatException(name, "this is a tar-based PyTorch checkpoint (PyTorch before 0.4); it is not supported. Re-save it with a current PyTorch or convert it to safetensors.");
        }
        throw new CheckpointFormatException(name, $"unrecognised checkpoint format (first bytes {Convert.ToHexString(head[..Math.Min(n, 8)])}); expected a safetensors file or a PyTorch zip checkpoint (starting with 'PK\\x03\\x04').");
    }

    private static bool IsTar(string path)
    {
        using var fs = File.OpenRead(path);
        if (fs.Length < 262) return false;
        Span<byte> magic = stackalloc byte[5];
        fs.Position = 257;
        fs.ReadExactly(magic);
        return magic.SequenceEqual("ustar"u8);
    }
}
