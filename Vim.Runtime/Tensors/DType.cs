namespace Vim.Runtime.Tensors;

/// <summary>Element types. Tensors compute in <see cref="F32"/>; the others are storage formats of checkpoints.</summary>
public enum DType
{
    /// <summary>IEEE 754 binary32.</summary>
    F32,
    /// <summary>IEEE 754 binary16 (read from checkpoints and converted to F32).</summary>
    F16,
    /// <summary>bfloat16 (read from checkpoints and converted to F32).</summary>
    BF16,
}
