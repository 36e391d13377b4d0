/* vim_kernels_vmamba.h — VMamba's kernels in libvimkernels.so (same conventions as vim_kernels.h: vim_status
 * returns, vim_last_error(), params structs with `size` first, explicit strides in elements, fp32 device pointers,
 * asynchronous on the stream). Maps are channel-last (B, H, W, C) unless stated; L = H·W.
 * C# mirror: Vim.Kernels/Native/NativeMethods.VMamba.cs. CPU semantics: Vim.Kernels/Cpu/VMamba/, CpuBackend.VMamba.cs.
 * Not here because existing entry points cover them: the GEMMs (vim_linear) and the mean over positions (vim_pool MEAN).
 */
#ifndef VIM_KERNELS_VMAMBA_H
#define VIM_KERNELS_VMAMBA_H

#include "vim_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Conv2d (groups 1, zero padding): x (B, C, H, W) when channel_first_input else (B, H, W, C), contiguous;
 * weight (O, C, kh, kw) contiguous = an (O, C·kh·kw) matrix; bias (O) or NULL → y (B, Ho, Wo, O),
 * Ho = (H + 2·padding − kh)/stride + 1 (floor), likewise Wo. im2col (columns in (c, ky, kx) order) into a
 * stream-allocated buffer, then cuBLAS SGEMM (strict fp32). */
typedef struct vim_conv2d_params {
    size_t size;
    int batch, channels, height, width;
    int out_channels, kernel_h, kernel_w, stride, padding;
    int channel_first_input;
    const float* x;
    const float* weight;
    const float* bias;
    float* y;
} vim_conv2d_params;
VIM_API vim_status vim_conv2d(vim_stream_t stream, const vim_conv2d_params* p);

/* Depthwise Conv2d, "same" zero padding (k−1)/2, k odd:
 *   y[b, y, x, c] = bias[c] + Σ_{ky,kx} w[c, ky, kx] · x[b, y+ky−p, x+kx−p, c]
 * x pixel (b, y, x) starts at ((b·H + y)·W + x)·ldx (ldx ≥ C); weight (C, 1, k, k); bias (C) or NULL; y (B, H, W, C). */
typedef struct vim_depthwise_conv2d_params {
    size_t size;
    int batch, height, width, channels, kernel;
    const float* x; int64_t ldx;
    const float* weight;
    const float* bias;
    float* y;
} vim_depthwise_conv2d_params;
VIM_API vim_status vim_depthwise_conv2d(vim_stream_t stream, const vim_depthwise_conv2d_params* p);

typedef enum vim_activation_kind {
    VIM_ACT_SILU = 0,      /* x / (1 + exp(−x)) */
    VIM_ACT_GELU = 1,      /* 0.5·x·erfc(−x/√2) (exact GELU, computed in double) */
    VIM_ACT_RELU = 2,      /* max(x, 0) */
    VIM_ACT_SIGMOID = 3,   /* 1 / (1 + exp(−x)) */
    VIM_ACT_IDENTITY = -1  /* vim_gate only: no activation */
} vim_activation_kind;
/* x = act(x) over count elements, in place. */
VIM_API vim_status vim_activation(vim_stream_t stream, float* x, int64_t count, int kind);

/* y (rows, width) = x[r, start : start + width] for rows of x spaced ldx apart. */
VIM_API vim_status vim_slice_channels(vim_stream_t stream, const float* x, int64_t ldx, float* y, int64_t rows, int start, int width);

/* y (rows, d) *= act(x[r, start : start + d]) (x rows spaced ldx apart); kind VIM_ACT_IDENTITY for no activation. */
VIM_API vim_status vim_gate(vim_stream_t stream, float* y, const float* x, int64_t ldx, int64_t rows, int d, int start, int kind);

/* SS2D's four-direction selective scan merged onto the grid (Vim.Kernels/Cpu/VMamba/CrossScan.cs):
 * direction k walks positions p = pos(traversal[k], l) (0 row-major p = l; 1 column-major p = (l mod H)·W + l div H;
 * 2, 3 the same reversed); per b, k, channel d (c = k·D + d):
 *   δ = softplus(delta_raw[b, p, c] + dt_bias[c])                 (threshold 20)
 *   h = exp(δ·A[c, :]) ⊙ h + δ · B_k[b, p, :] · u[b, p, d],  h = 0 at l = 0
 *   y_k[b, p, d] = ⟨C_k[b, p, :], h⟩ + Ds[c] · u[b, p, d]
 *   out[b, p, d] = ((y_0 + y_1) + y_2) + y_3                       (summed in that order: deterministic)
 * u, out (B, L, D) contiguous; proj (B, L, 4(R+2N)) with B_k at column k(R+2N)+R and C_k at k(R+2N)+R+N;
 * delta_raw (B, L, 4D); dt_bias (4D); a = −exp(A_logs) (4D, N); d_skip (4D). state ≤ 256.
 * Uses a stream-allocated (4, B, L, D) buffer for the per-direction outputs. */
typedef struct vim_cross_scan_params {
    size_t size;
    int batch, height, width, channels, state, dt_rank;
    int traversals[4];
    const float* u;
    const float* proj;
    const float* delta_raw;
    const float* dt_bias;
    const float* a;
    const float* d_skip;
    float* out;
} vim_cross_scan_params;
VIM_API vim_status vim_cross_scan(vim_stream_t stream, const vim_cross_scan_params* p);

/* PatchMerging2D's gather: x (B, H, W, C) → y (B, ⌈H/2⌉, ⌈W/2⌉, 4C), channel block q (0..3) of output pixel (i, j)
 * = x[2i + (q & 1), 2j + (q >> 1)], zero outside the map. */
VIM_API vim_status vim_patch_merge(vim_stream_t stream, const float* x, float* y, int batch, int height, int width, int channels);

/* x (B, H, W, C) += pos (C, H, W), broadcast over B. */
VIM_API vim_status vim_add_channel_first(vim_stream_t stream, float* x, const float* pos, int batch, int height, int width, int channels);

/* y (B, C, L) = x (B, L, C) transposed. */
VIM_API vim_status vim_to_channel_first(vim_stream_t stream, const float* x, float* y, int batch, int length, int channels);

/* Softmax over the L positions of x (B, L, C) per (b, c), in place: max in fp32, Σ exp(x − max) in double,
 * x = exp(x − max) · (float)(1 / Σ). */
VIM_API vim_status vim_spatial_softmax(vim_stream_t stream, float* x, int batch, int length, int channels);

#ifdef __cplusplus
}
#endif
#endif /* VIM_KERNELS_VMAMBA_H */
