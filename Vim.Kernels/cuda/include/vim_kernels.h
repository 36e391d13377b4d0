/* vim_kernels.h — the C ABI of libvimkernels.so, the native CUDA kernels of Vim.Dsl.
 *
 * Conventions (shared/conventions.md §7):
 *   - every function returns a vim_status; on failure vim_last_error() (thread-local) explains it;
 *   - no C++ exception crosses this boundary;
 *   - kernel arguments travel in one params struct whose first field `size` is sizeof(struct), so the
 *     ABI can grow (the library rejects a size it does not know); every stride is explicit, in elements;
 *   - all tensors are fp32 device pointers unless stated; all work is queued on a vim_stream_t and is
 *     asynchronous unless the function says it synchronises.
 * Shapes: B batch, L tokens, D width, E inner width, N state size, R dt rank, K conv width.
 * C# mirror: Vim.Kernels/Native/NativeMethods.VimKernels.cs (one-to-one).
 */
#ifndef VIM_KERNELS_H
#define VIM_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define VIM_API __declspec(dllexport)
#else
#define VIM_API __attribute__((visibility("default")))
#endif

#define VIM_ABI_VERSION 1

typedef enum vim_status {
    VIM_SUCCESS = 0,
    VIM_ERROR_INVALID_ARGUMENT = 1,   /* a null pointer, a bad shape or stride, an unknown params size */
    VIM_ERROR_NO_DEVICE = 2,          /* no CUDA device, no driver, or a device index out of range */
    VIM_ERROR_OUT_OF_MEMORY = 3,      /* the device allocation failed even after emptying the cache */
    VIM_ERROR_CUDA = 4,               /* any other CUDA runtime error (launch failure, ...) */
    VIM_ERROR_CUBLAS = 5,             /* a cuBLAS call failed */
    VIM_ERROR_UNSUPPORTED = 6,        /* valid but not implemented (e.g. d_state above the maximum) */
    VIM_ERROR_INTERNAL = 7            /* a C++ exception caught at the boundary */
} vim_status;

/* Opaque: one device, one CUDA stream, one cuBLAS handle and a caching allocator. */
typedef struct vim_stream* vim_stream_t;

/* ---- errors, versions, devices ---------------------------------------------------------------- */
VIM_API const char* vim_status_string(vim_status status);
/* The message of the last failure on this thread ("" when none); valid until the next call on this thread. */
VIM_API const char* vim_last_error(void);
VIM_API int vim_abi_version(void);
/* Number of CUDA devices; VIM_ERROR_NO_DEVICE (with the driver's reason) when none can be used. */
VIM_API vim_status vim_device_count(int* count);
/* Device name into buf (NUL-terminated, truncated to capacity). */
VIM_API vim_status vim_device_name(int device, char* buf, size_t capacity);
VIM_API vim_status vim_device_memory(int device, size_t* free_bytes, size_t* total_bytes);

/* ---- streams and memory ------------------------------------------------------------------------ */
VIM_API vim_status vim_stream_create(int device, vim_stream_t* stream);
VIM_API vim_status vim_stream_destroy(vim_stream_t stream);
/* Waits for all queued work; reports asynchronous kernel errors. */
VIM_API vim_status vim_stream_synchronize(vim_stream_t stream);

/* Device memory from the stream's caching allocator (blocks are reused by size class, stream-ordered).
 * On cudaMalloc failure the cache is emptied and the allocation retried once; then OUT_OF_MEMORY. */
VIM_API vim_status vim_alloc(vim_stream_t stream, size_t bytes, void** ptr);
/* Returns a block to the cache (thread-safe; work already queued on the stream may still use it). */
VIM_API vim_status vim_free(vim_stream_t stream, void* ptr);
/* Gives every cached (unused) block back to CUDA. */
VIM_API vim_status vim_empty_cache(vim_stream_t stream);
typedef struct vim_memory_stats {
    size_t size;               /* sizeof(vim_memory_stats) */
    size_t bytes_in_use;       /* handed out by vim_alloc and not yet freed */
    size_t bytes_cached;       /* held in the cache, free for reuse */
    size_t peak_bytes_in_use;
    size_t allocations;        /* vim_alloc calls */
    size_t cuda_mallocs;       /* of which went to cudaMalloc */
} vim_memory_stats;
VIM_API vim_status vim_memory_get_stats(vim_stream_t stream, vim_memory_stats* stats);

/* Copies; upload/download synchronise the stream before returning (host memory may be pageable). */
VIM_API vim_status vim_upload(vim_stream_t stream, void* device_dst, const void* host_src, size_t bytes);
VIM_API vim_status vim_download(vim_stream_t stream, void* host_dst, const void* device_src, size_t bytes);
VIM_API vim_status vim_copy(vim_stream_t stream, void* device_dst, const void* device_src, size_t bytes);
VIM_API vim_status vim_fill(vim_stream_t stream, float* x, int64_t count, float value);

/* ---- element types (opt-in reduced precision, see docs/perf/cuda.md "bf16 mode") ---------------------- */
typedef enum vim_dtype { VIM_F32 = 0, VIM_BF16 = 1, VIM_F16 = 2 } vim_dtype;
/* dst (rows × cols; row stride ld_dst, in dst elements) = src (row stride ld_src) converted element-wise;
 * fp32 → bf16/fp16 rounds to nearest even; bf16/fp16 → fp32 is exact; same type copies. */
VIM_API vim_status vim_convert(vim_stream_t stream, const void* src, int src_type, int64_t ld_src, void* dst, int dst_type, int64_t ld_dst,
                               int64_t rows, int64_t cols);

/* ---- GEMM -------------------------------------------------------------------------------------- */
/* Row-major y (M, N; row stride ldy) = x (M, K; row stride ldx) · wᵀ (w: N × K, row stride ldw) + bias (N, or NULL)
 * [+ y when accumulate]. cuBLAS SGEMM in strict fp32 (TF32 off). */
typedef struct vim_linear_params {
    size_t size;
    int64_t m, n, k;
    const float* x; int64_t ldx;
    const float* w; int64_t ldw;
    const float* bias;
    float* y; int64_t ldy;
    int accumulate;
} vim_linear_params;
VIM_API vim_status vim_linear(vim_stream_t stream, const vim_linear_params* p);

/* The same product with bf16 operands and fp32 accumulation (cublasGemmEx, CUBLAS_COMPUTE_32F, as torch.autocast's bf16
 * matmul): w is bf16; x is bf16 (x_type VIM_BF16) or fp32 (VIM_F32: rounded to bf16 into a stream-allocated scratch first);
 * y is fp32 or bf16 (y_type). bias (fp32) and accumulate need an fp32 y. Needs a GPU with bf16 GEMMs (sm_80+). */
typedef struct vim_linear_bf16_params {
    size_t size;
    int64_t m, n, k;
    const void* x; int64_t ldx;
    const void* w; int64_t ldw;
    const float* bias;
    void* y; int64_t ldy;
    int x_type, y_type;      /* vim_dtype */
    int accumulate;
} vim_linear_bf16_params;
VIM_API vim_status vim_linear_bf16(vim_stream_t stream, const vim_linear_bf16_params* p);

/* ---- patch embedding ----------------------------------------------------------------------------- */
/* Conv2d (padding 0): images (B, C, H, W) contiguous, weight (D, C, ph, pw), bias (D) → y (B, Gh·Gw, D),
 * Gh = (H − ph)/stride + 1, Gw = (W − pw)/stride + 1. im2col into a stream-allocated buffer, then SGEMM. */
typedef struct vim_patch_embed_params {
    size_t size;
    int batch, channels, height, width;
    int dim, patch_h, patch_w, stride;
    const float* images;
    const float* weight;
    const float* bias;
    float* y;
} vim_patch_embed_params;
VIM_API vim_status vim_patch_embed(vim_stream_t stream, const vim_patch_embed_params* p);

/* ---- norms ------------------------------------------------------------------------------------- */
typedef enum vim_norm_kind { VIM_NORM_RMS = 0, VIM_NORM_LAYER = 1 } vim_norm_kind;
/* Per row of width D (rows × D, contiguous):
 *   s = x (+ residual when residual != NULL; then s is also stored into residual, in place);
 *   RMS:   y = s / sqrt(mean(s²) + eps) · w
 *   Layer: y = (s − mean) / sqrt(var + eps) · w + b   (biased variance, b may be NULL)
 * Statistics in double. y must not overlap residual. */
typedef struct vim_norm_params {
    size_t size;
    int64_t rows; int width;
    int kind;                /* vim_norm_kind */
    const float* x;
    float* residual;         /* NULL: plain norm of x */
    const float* weight;
    const float* bias;       /* LayerNorm only, may be NULL */
    float epsilon;
    float* y;
} vim_norm_params;
VIM_API vim_status vim_norm(vim_stream_t stream, const vim_norm_params* p);

/* ---- Mamba ------------------------------------------------------------------------------------- */
/* Depthwise causal conv1d + SiLU. x rows of E channels with row stride ldx and batch stride
 * batch_stride_x (e.g. the first E columns of the (B, L, 2E) in_proj output: ldx = 2E, batch stride L·2E);
 * weight (E, K), bias (E) or NULL; u (B, L, E) contiguous.
 *   forward: u[t,c] = silu(bias[c] + Σ_k w[c,k] · x[t−(K−1)+k, c])
 *   reverse: u[t,c] = silu(bias[c] + Σ_k w[c,k] · x[t+(K−1)−k, c]);  x outside [0, L) reads 0. */
typedef struct vim_conv1d_params {
    size_t size;
    int batch, length, channels, kernel_size;
    const float* x; int64_t ldx; int64_t batch_stride_x;
    const float* weight;
    const float* bias;
    float* u;
    int reverse;
} vim_conv1d_params;
VIM_API vim_status vim_causal_conv1d_silu(vim_stream_t stream, const vim_conv1d_params* p);

/* One direction of the selective scan (fp32 state), per batch b, channel c, state n:
 *   delta[t,c] = softplus(delta_raw[t,c] + delta_bias[c])   (softplus threshold 20; bias may be NULL;
 *                                                            no softplus when softplus == 0)
 *   h_t[n]     = exp(delta·A[c,n]) · h_{t−1}[n] + delta · B[t,n] · u[t,c],  h_{−1} = 0
 *   y[t,c]     = Σ_n C[t,n]·h_t[n] + D[c]·u[t,c]   (D may be NULL);  y *= silu(z[t,c]) when z != NULL
 *   out[t,c]   = (accumulate ? out[t,c] : 0) + scale·y[t,c]
 * reverse runs t from L−1 down to 0, reading and writing at the original positions.
 * Element (b, t, ·) of a tensor X lives at X + b·X_batch_stride + t·X_row_stride (+ c or n). */
typedef struct vim_scan_direction {
    size_t size;             /* sizeof(vim_scan_direction) */
    const float* u; int64_t u_batch_stride, u_row_stride;
    const float* delta_raw; int64_t delta_batch_stride, delta_row_stride;
    const float* delta_bias;
    const float* a;          /* (E, N) row-major: A = −exp(A_log) */
    const float* b; int64_t b_batch_stride, b_row_stride;
    const float* c; int64_t c_batch_stride, c_row_stride;
    const float* d_skip;
    const float* z; int64_t z_batch_stride, z_row_stride;
    float scale;
    int reverse;
} vim_scan_direction;

typedef struct vim_scan_params {
    size_t size;             /* sizeof(vim_scan_params) */
    int batch, length, channels, state;   /* state ≤ 256 */
    int softplus;
    int directions;          /* 1, or 2: both run in one launch; the second adds onto the first */
    vim_scan_direction dir[2];
    float* out; int64_t out_batch_stride, out_row_stride;
    int accumulate;          /* applies to the first direction */
    int input_type;          /* vim_dtype of u, delta_raw, b, c, z (0 = VIM_F32, the zero-initialised default); a, delta_bias,
                                d_skip, out and the state stay fp32. Fills the struct's tail padding: sizeof is unchanged. */
} vim_scan_params;
VIM_API vim_status vim_selective_scan(vim_stream_t stream, const vim_scan_params* p);

/* ---- token ops --------------------------------------------------------------------------------- */
/* y (B, M+1, D) = tokens (B, M, D) with token (D) inserted at position. */
VIM_API vim_status vim_insert_token(vim_stream_t stream, const float* tokens, const float* token, float* y,
                                    int batch, int m, int d, int position);
/* x (outer × inner) += addend (inner), broadcast over the outer axis. */
VIM_API vim_status vim_add_broadcast(vim_stream_t stream, float* x, const float* addend, int64_t outer, int64_t inner);
/* a += b over count elements. */
VIM_API vim_status vim_add(vim_stream_t stream, float* a, const float* b, int64_t count);
/* a *= scale. */
VIM_API vim_status vim_scale(vim_stream_t stream, float* a, float scale, int64_t count);
/* a (rows × d) *= v (d). */
VIM_API vim_status vim_mul_last_axis(vim_stream_t stream, float* a, const float* v, int64_t rows, int d);

typedef enum vim_pool_kind {
    VIM_POOL_SELECT = 0,     /* y = x[:, i] */
    VIM_POOL_MEAN_TWO = 1,   /* y = (x[:, i] + x[:, j]) / 2 */
    VIM_POOL_MEAN = 2,       /* y = mean over L (summed in double) */
    VIM_POOL_MAX = 3         /* y = max over L (NaN propagates) */
} vim_pool_kind;
/* x (B, L, D) → y (B, D). */
VIM_API vim_status vim_pool(vim_stream_t stream, int kind, const float* x, float* y, int batch, int length, int d, int i, int j);

/* 2-D RoPE in place on x (B, L, D) with tables cos, sin (table_rows, D), interleaved pairs:
 *   a' = a·cos[r,2m] − b·sin[r,2m],  b' = b·cos[r,2m+1] + a·sin[r,2m+1];
 * odd L leaves token 0 and rotates tokens 1.. with rows 0..; even L rotates tokens 0.. with rows 0.. */
VIM_API vim_status vim_rope(vim_stream_t stream, float* x, const float* cos_table, const float* sin_table,
                            int batch, int length, int d, int table_rows);

#ifdef __cplusplus
}
#endif
#endif /* VIM_KERNELS_H */
