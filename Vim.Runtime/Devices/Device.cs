namespace Vim.Runtime.Devices;

/// <summary>The kind of device a tensor lives on.</summary>
public enum DeviceKind
{
    /// <summary>Host memory, computed by the managed SIMD kernels.</summary>
    Cpu,
    /// <summary>Shapes only, no storage: builds a model to inspect its parameters without allocating them.</summary>
    Meta,
    /// <summary>An NVIDIA GPU through the native CUDA kernels.</summary>
    Cuda,
}

/// <summary>Where a tensor lives: <see cref="Cpu"/>, <see cref="Meta"/> or <see cref="Cuda(int)"/>.</summary>
public readonly record struct Device(DeviceKind Kind, int Index)
{
    /// <summary>The host CPU.</summary>
    public static Device Cpu => new(DeviceKind.Cpu, 0);

    /// <summary>The shape-only device (no storage).</summary>
    public static Device Meta => new(DeviceKind.Meta, 0);

    /// <summary>CUDA device number <paramref name="index"/>.</summary>
    public static Device Cuda(int index = 0) => new(DeviceKind.Cuda, index);

    /// <summary><c>cpu</c>, <c>meta</c> or <c>cuda:N</c>, as PyTorch spells devices.</summary>
    public override string ToString() => Kind switch
    {
        DeviceKind.Cpu => "cpu",
        DeviceKind.Meta => "meta",
        _ => $"cuda:{Index}",
    };

    /// <summary>Parses <c>cpu</c>, <c>meta</c>, <c>cuda</c> or <c>cuda:N</c> (case-insensitive).</summary>
    public static Device Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().ToLowerInvariant();
        if (t == "cpu") return Cpu;
        if (t == "meta") return Meta;
        if (t == "cuda" || t == "gpu") return Cuda(0);
        if (t.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(t.AsSpan(5), out int i) && i >= 0) return Cuda(i);
        throw new ArgumentException($"Unknown device '{text}': expected 'cpu', 'cuda' or 'cuda:N'.", nameof(text));
    }
}
