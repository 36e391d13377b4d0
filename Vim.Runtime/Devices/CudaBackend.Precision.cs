using Vim.Kernels.Native;
using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Devices;

/// <summary>The arithmetic of the CUDA backend's Vim ops (see <see cref="CudaBackend.Precision"/>).</summary>
public enum CudaPrecision
{
    /// <summary>Strict fp32 everywhere (cuBLAS SGEMM, TF32 off): the default, within 1e-5 of the official numbers.</summary>
    Fp32,

    /// <summary>
    /// bf16 mixed precision, as <c>torch.autocast(dtype=torch.bfloat16)</c> runs Vim: every linear layer multiplies bf16
    /// operands (inputs rounded, weights cached as bf16) with fp32 accumulation; x_proj and dt_proj write bf16, and the
    /// selective scan reads u, Δ, B, C, z as bf16 with an fp32 state; norms, the residual stream, conv1d, the patch
    /// embedding and every other activation stay fp32 (residual_in_fp32).
    /// </summary>
    Bf16,
}

public sealed unsafe partial class CudaBackend
{
    /// <summary>
    /// The precision of this device's ops; <see cref="CudaPrecision.Fp32"/> unless a caller opts in. The backend is one
    /// per device, so the setting applies to every model running on the device; set it between forward passes.
    /// </summary>
    public CudaPrecision Precision { get; set; } = CudaPrecision.Fp32;

    private bool IsBf16 => Precision == CudaPrecision.Bf16;

    /// <summary>The u tensors of Mamba branches prepared in bf16 mode (their u, x_dbl and Δ hold bf16 values).</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Tensor, object> Bf16Branches = new();
    private static readonly object BranchMark = new();

    /// <summary>A parameter's bf16 copy on this device, cached per parameter version.</summary>
    private sealed class Bf16Copy(Tensor storage) : IDisposable
    {
        public Tensor Storage { get; } = storage;

        public void Dispose() => Storage.Dispose();
    }

    private void* Bf16Weight(Parameter weight) => Ptr(weight.Derived(_makeBf16Copy, _bf16CopyUsable).Storage);

    private Bf16Copy MakeBf16Copy(Parameter weight)
    {
        var storage = AllocateHalves(weight.Value.Numel);
        long count = weight.Value.Numel;
        Convert(Ptr(weight.Value), VimDtype.F32, count, Ptr(storage), VimDtype.Bf16, count, 1, count, $"bf16 copy of {weight.Name}");
        return new Bf16Copy(storage);
    }

    /// <summary>Device storage for <paramref name="count"/> 16-bit values (a float tensor of half the length).</summary>
    private Tensor AllocateHalves(long count) => Allocate(new Shape(checked((int)Math.Max(1, (count + 1) / 2))));

    private void Convert(void* src, VimDtype srcType, long ldSrc, void* dst, VimDtype dstType, long ldDst, long rows, long cols, string operation) =>
        Check(NativeMethods.Convert(_stream, src, srcType, ldSrc, dst, dstType, ldDst, rows, cols), operation);

    private void GemmBf16(long m, long n, long k, void* x, VimDtype xType, long ldx, void* wBf16, long ldw, float* bias, void* y, VimDtype yType, long ldy, string operation)
    {
        var p = new VimLinearBf16Params
        {
            Size = (nuint)sizeof(VimLinearBf16Params), M = m, N = n, K = k, X = x, Ldx = ldx, W = wBf16, Ldw = ldw, Bias = bias, Y = y, Ldy = ldy,
            XType = (int)xType, YType = (int)yType,
        };
        Check(NativeMethods.LinearBf16(_stream, &p), operation);
    }

    /// <summary>bf16 address of element <paramref name="offset"/> of a tensor holding 16-bit values.</summary>
    private static float* Half(float* basePointer, long offset) => (float*)((ushort*)basePointer + offset);
}

/// <summary>Opting a model into a CUDA precision.</summary>
public static class CudaPrecisionExtensions
{
    /// <summary>
    /// Moves <paramref name="model"/> to the CUDA device <paramref name="device"/> and sets that device's
    /// <see cref="CudaBackend.Precision"/> (for every model on the device). <c>model.To(Device.Cuda(0))</c> alone keeps fp32.
    /// </summary>
    public static ImageModel To(this ImageModel model, Device device, CudaPrecision precision)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (device.Kind != DeviceKind.Cuda) throw new ArgumentException($"{device} is not a CUDA device; a precision applies to CUDA devices only.", nameof(device));
        CudaBackend.For(device).Precision = precision;
        return model.To(device);
    }
}
