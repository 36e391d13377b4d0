// One-to-one mirror of Vim.Kernels/cuda/include/vim_kernels.h (libvimkernels.so). Structs are blittable and laid
// out as the C compiler lays them out on x86-64 (sequential, natural alignment); each params struct carries its
// own size first, which the library checks. Callers check every returned status (CudaBackend.Check).
using System.Runtime.InteropServices;

namespace Vim.Kernels.Native;

internal enum VimStatus
{
    Success = 0,
    InvalidArgument = 1,
    NoDevice = 2,
    OutOfMemory = 3,
    Cuda = 4,
    Cublas = 5,
    Unsupported = 6,
    Internal = 7,
}

/// <summary>vim_dtype: element types of the opt-in reduced-precision mode.</summary>
internal enum VimDtype
{
    F32 = 0,
    Bf16 = 1,
    F16 = 2,
}

internal enum VimNormKind
{
    Rms = 0,
    Layer = 1,
}

internal enum VimPoolKind
{
    Select = 0,
    MeanTwo = 1,
    Mean = 2,
    Max = 3,
}

[StructLayout(LayoutKind.Sequential)]
internal struct VimMemoryStats
{
    public nuint Size;
    public nuint BytesInUse;
    public nuint BytesCached;
    public nuint PeakBytesInUse;
    public nuint Allocations;
    public nuint CudaMallocs;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VimLinearParams
{
    public nuint Size;
    public long M, N, K;
    public float* X;
    public long Ldx;
    public float* W;
    public long Ldw;
    public float* Bias;
    public float* Y;
    public long Ldy;
    public int Accumulate;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VimPatchEmbedParams
{
    public nuint Size;
    public int Batch, Channels, Height, Width;
    public int Dim, PatchH, PatchW, Stride;
    public float* Images;
    public float* Weight;
    public float* Bias;
    public float* Y;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VimNormParams
{
    public nuint Size;
    public long Rows;
    public int Width;
    public int Kind;
    public float* X;
    public float* Residual;
    public float* Weight;
    public float* Bias;
    public float Epsilon;
    public float* Y;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VimConv1dParams
{
    public nuint Size;
    public int Batch, Length, Channels, KernelSize;
    public float* X;
    public long Ldx;
    public long BatchStrideX;
    public float* Weight;
    public float* Bias;
    public float* U;
    public int Reverse;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VimScanDirection
{
    public nuint Size;
    public float* U;
    public long UBatchStride, URowStride;
    public float* DeltaRaw;
    public long DeltaBatchStride, DeltaRowStride;
    public float* DeltaBias;
    public float* A;
    public float* B;
    public long BBatchStride, BRowStride;
    public float* C;
    public long CBatchStride, CRowStride;
    public float* DSkip;
    public float* Z;
    public long ZBatchStride, ZRowStride;
    public float Scale;
    public int Reverse;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VimScanParams
{
    public nuint Size;
    public int Batch, Length, Channels, State;
    public int Softplus;
    public int Directions;
    public VimScanDirection Dir0;
    public VimScanDirection Dir1;
    public float* Out;
    public long OutBatchStride, OutRowStride;
    public int Accumulate;
    public int InputType;  // VimDtype of u, delta_raw, b, c, z (fills the C struct's tail padding; size unchanged)
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VimLinearBf16Params
{
    public nuint Size;
    public long M, N, K;
    public void* X;
    public long Ldx;
    public void* W;
    public long Ldw;
    public float* Bias;
    public void* Y;
    public long Ldy;
    public int XType, YType;
    public int Accumulate;
}

internal static unsafe partial class NativeMethods
{
    private const string Lib = VimKernelsLibrary.Name;

    [LibraryImport(Lib, EntryPoint = "vim_status_string")]
    internal static partial nint StatusString(VimStatus status);

    [LibraryImport(Lib, EntryPoint = "vim_last_error")]
    internal static partial nint LastErrorPointer();

    [LibraryImport(Lib, EntryPoint = "vim_abi_version")]
    internal static partial int AbiVersion();

    [LibraryImport(Lib, EntryPoint = "vim_device_count")]
    internal static partial VimStatus DeviceCount(out int count);

    [LibraryImport(Lib, EntryPoint = "vim_device_name")]
    internal static partial VimStatus DeviceName(int device, byte* buffer, nuint capacity);

    [LibraryImport(Lib, EntryPoint = "vim_device_memory")]
    internal static partial VimStatus DeviceMemory(int device, out nuint freeBytes, out nuint totalBytes);

    [LibraryImport(Lib, EntryPoint = "vim_stream_create")]
    internal static partial VimStatus StreamCreate(int device, out nint stream);

    [LibraryImport(Lib, EntryPoint = "vim_stream_destroy")]
    internal static partial VimStatus StreamDestroy(nint stream);

    [LibraryImport(Lib, EntryPoint = "vim_stream_synchronize")]
    internal static partial VimStatus StreamSynchronize(nint stream);

    [LibraryImport(Lib, EntryPoint = "vim_alloc")]
    internal static partial VimStatus Alloc(nint stream, nuint bytes, out nint pointer);

    [LibraryImport(Lib, EntryPoint = "vim_free")]
    internal static partial VimStatus Free(nint stream, nint pointer);

    [LibraryImport(Lib, EntryPoint = "vim_empty_cache")]
    internal static partial VimStatus EmptyCache(nint stream);

    [LibraryImport(Lib, EntryPoint = "vim_memory_get_stats")]
    internal static partial VimStatus MemoryGetStats(nint stream, VimMemoryStats* stats);

    [LibraryImport(Lib, EntryPoint = "vim_upload")]
    internal static partial VimStatus Upload(nint stream, nint deviceDst, void* hostSrc, nuint bytes);

    [LibraryImport(Lib, EntryPoint = "vim_download")]
    internal static partial VimStatus Download(nint stream, void* hostDst, nint deviceSrc, nuint bytes);

    [LibraryImport(Lib, EntryPoint = "vim_copy")]
    internal static partial VimStatus Copy(nint stream, nint deviceDst, nint deviceSrc, nuint bytes);

    [LibraryImport(Lib, EntryPoint = "vim_fill")]
    internal static partial VimStatus Fill(nint stream, float* x, long count, float value);

    [LibraryImport(Lib, EntryPoint = "vim_linear")]
    internal static partial VimStatus Linear(nint stream, VimLinearParams* p);

    [LibraryImport(Lib, EntryPoint = "vim_linear_bf16")]
    internal static partial VimStatus LinearBf16(nint stream, VimLinearBf16Params* p);

    [LibraryImport(Lib, EntryPoint = "vim_convert")]
    internal static partial VimStatus Convert(nint stream, void* src, VimDtype srcType, long ldSrc, void* dst, VimDtype dstType, long ldDst, long rows, long cols);

    [LibraryImport(Lib, EntryPoint = "vim_patch_embed")]
    internal static partial VimStatus PatchEmbed(nint stream, VimPatchEmbedParams* p);

    [LibraryImport(Lib, EntryPoint = "vim_norm")]
    internal static partial VimStatus Norm(nint stream, VimNormParams* p);

    [LibraryImport(Lib, EntryPoint = "vim_causal_conv1d_silu")]
    internal static partial VimStatus CausalConv1dSilu(nint stream, VimConv1dParams* p);

    [LibraryImport(Lib, EntryPoint = "vim_selective_scan")]
    internal static partial VimStatus SelectiveScan(nint stream, VimScanParams* p);

    [LibraryImport(Lib, EntryPoint = "vim_insert_token")]
    internal static partial VimStatus InsertToken(nint stream, float* tokens, float* token, float* y, int batch, int m, int d, int position);

    [LibraryImport(Lib, EntryPoint = "vim_add_broadcast")]
    internal static partial VimStatus AddBroadcast(nint stream, float* x, float* addend, long outer, long inner);

    [LibraryImport(Lib, EntryPoint = "vim_add")]
    internal static partial VimStatus Add(nint stream, float* a, float* b, long count);

    [LibraryImport(Lib, EntryPoint = "vim_scale")]
    internal static partial VimStatus Scale(nint stream, float* a, float scale, long count);

    [LibraryImport(Lib, EntryPoint = "vim_mul_last_axis")]
    internal static partial VimStatus MulLastAxis(nint stream, float* a, float* v, long rows, int d);

    [LibraryImport(Lib, EntryPoint = "vim_pool")]
    internal static partial VimStatus Pool(nint stream, VimPoolKind kind, float* x, float* y, int batch, int length, int d, int i, int j);

    [LibraryImport(Lib, EntryPoint = "vim_rope")]
    internal static partial VimStatus Rope(nint stream, float* x, float* cosTable, float* sinTable, int batch, int length, int d, int tableRows);

    /// <summary>The library's message for the last failure on this thread.</summary>
    internal static string LastError() => Marshal.PtrToStringUTF8(LastErrorPointer()) ?? "";

    /// <summary>The library's name for a status.</summary>
    internal static string Describe(VimStatus status) => Marshal.PtrToStringUTF8(StatusString(status)) ?? status.ToString();
}
