// One-to-one mirror of Vim.Kernels/cuda/include/vim_kernels_vmamba.h (VMamba's kernels in libvimkernels.so).
// Same rules as NativeMethods.VimKernels.cs: blittable sequential structs, size first, every status checked by the caller.
using System.Runtime.InteropServices;

namespace Vim.Kernels.Native;

internal enum VimActivationKind
{
    Silu = 0,
    Gelu = 1,
    Relu = 2,
    Sigmoid = 3,
    Identity = -1,
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VimConv2dParams
{
    public nuint Size;
    public int Batch, Channels, Height, Width;
    public int OutChannels, KernelH, KernelW, Stride, Padding;
    public int ChannelFirstInput;
    public float* X;
    public float* Weight;
    public float* Bias;
    public float* Y;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VimDepthwiseConv2dParams
{
    public nuint Size;
    public int Batch, Height, Width, Channels, Kernel;
    public float* X;
    public long Ldx;
    public float* Weight;
    public float* Bias;
    public float* Y;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VimCrossScanParams
{
    public nuint Size;
    public int Batch, Height, Width, Channels, State, DtRank;
    public fixed int Traversals[4];
    public float* U;
    public float* Proj;
    public float* DeltaRaw;
    public float* DtBias;
    public float* A;
    public float* DSkip;
    public float* Out;
}

internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib, EntryPoint = "vim_conv2d")]
    internal static partial VimStatus Conv2d(nint stream, VimConv2dParams* p);

    [LibraryImport(Lib, EntryPoint = "vim_depthwise_conv2d")]
    internal static partial VimStatus DepthwiseConv2d(nint stream, VimDepthwiseConv2dParams* p);

    [LibraryImport(Lib, EntryPoint = "vim_activation")]
    internal static partial VimStatus Activation(nint stream, float* x, long count, VimActivationKind kind);

    [LibraryImport(Lib, EntryPoint = "vim_slice_channels")]
    internal static partial VimStatus SliceChannels(nint stream, float* x, long ldx, float* y, long rows, int start, int width);

    [LibraryImport(Lib, EntryPoint = "vim_gate")]
    internal static partial VimStatus Gate(nint stream, float* y, float* x, long ldx, long rows, int d, int start, VimActivationKind kind);

    [LibraryImport(Lib, EntryPoint = "vim_cross_scan")]
    internal static partial VimStatus CrossScan(nint stream, VimCrossScanParams* p);

    [LibraryImport(Lib, EntryPoint = "vim_patch_merge")]
    internal static partial VimStatus PatchMerge(nint stream, float* x, float* y, int batch, int height, int width, int channels);

    [LibraryImport(Lib, EntryPoint = "vim_add_channel_first")]
    internal static partial VimStatus AddChannelFirst(nint stream, float* x, float* pos, int batch, int height, int width, int channels);

    [LibraryImport(Lib, EntryPoint = "vim_to_channel_first")]
    internal static partial VimStatus ToChannelFirst(nint stream, float* x, float* y, int batch, int length, int channels);

    [LibraryImport(Lib, EntryPoint = "vim_spatial_softmax")]
    internal static partial VimStatus SpatialSoftmax(nint stream, float* x, int batch, int length, int channels);
}
