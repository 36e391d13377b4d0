using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Vim.Runtime.Checkpoints;

/// <summary>Converts little-endian stored elements to float32.</summary>
internal static class ElementConversion
{
    /// <summary>float32 little-endian bytes → floats (bit-exact).</summary>
    public static void F32(ReadOnlySpan<byte> src, Span<float> dst)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(src[..(dst.Length * 4)]).CopyTo(dst);
            return;
        }
        for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadSingleLittleEndian(src[(i * 4)..]);
    }

    /// <summary>IEEE binary16 little-endian bytes → floats (exact: every half is a float).</summary>
    public static void F16(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(src[(i * 2)..]);
    }

    /// <summary>bfloat16 little-endian bytes → floats (exact: the 16 bits are the float's upper half).</summary>
    public static void BF16(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (int i = 0; i < dst.Length; i++)
        {
            uint bits = (uint)BinaryPrimitives.ReadUInt16LittleEndian(src[(i * 2)..]) << 16;
            dst[i] = BitConverter.UInt32BitsToSingle(bits);
        }
    }

    /// <summary>float64 little-endian bytes → floats (rounded to nearest).</summary>
    public static void F64(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(src[(i * 8)..]);
    }
}
