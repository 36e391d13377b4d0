// Capability switch: the vector paths need AVX2 (integer lanes for the exp scale) and FMA.
using System.Runtime.Intrinsics.X86;

namespace Vim.Kernels.Cpu;

internal static class Simd
{
    /// <summary>True when the 8-lane AVX2/FMA code paths may run.</summary>
    public static bool IsAvailable => Avx2.IsSupported && Fma.IsSupported;
}
