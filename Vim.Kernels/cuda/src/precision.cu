// precision.cu — the opt-in bf16 mode's native pieces: element-type conversion (vim_convert) and the bf16 GEMM with
// fp32 accumulation (vim_linear_bf16: cublasGemmEx, bf16 A/B, CUBLAS_COMPUTE_32F, fp32 or bf16 C).
#include "common.h"
#include "elem.h"

namespace vim {

template <typename S, typename D>
__global__ void convert_kernel(const S* __restrict__ src, int64_t lds, D* __restrict__ dst, int64_t ldd, int64_t rows, int64_t cols) {
    const int64_t total = rows * cols;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
        const int64_t r = i / cols, c = i % cols;
        store_from_f32(dst + r * ldd + c, load_f32(src + r * lds + c));
    }
}

template <typename S>
void launch_convert_from(const S* src, int64_t lds, void* dst, int dst_type, int64_t ldd, int64_t rows, int64_t cols, cudaStream_t st) {
    const unsigned g = grid_for(rows * cols, 256);
    switch (dst_type) {
        case VIM_F32: convert_kernel<<<g, 256, 0, st>>>(src, lds, (float*)dst, ldd, rows, cols); break;
        case VIM_BF16: convert_kernel<<<g, 256, 0, st>>>(src, lds, (bf16_t*)dst, ldd, rows, cols); break;
        case VIM_F16: convert_kernel<<<g, 256, 0, st>>>(src, lds, (f16_t*)dst, ldd, rows, cols); break;
        default: fail(VIM_ERROR_INVALID_ARGUMENT, format("vim_convert: unknown destination type %d", dst_type));
    }
}

void launch_convert(const void* src, int src_type, int64_t lds, void* dst, int dst_type, int64_t ldd, int64_t rows, int64_t cols, cudaStream_t st) {
    if (rows * cols == 0) return;
    switch (src_type) {
        case VIM_F32: launch_convert_from((const float*)src, lds, dst, dst_type, ldd, rows, cols, st); break;
        case VIM_BF16: launch_convert_from((const bf16_t*)src, lds, dst, dst_type, ldd, rows, cols, st); break;
        case VIM_F16: launch_convert_from((const f16_t*)src, lds, dst, dst_type, ldd, rows, cols, st); break;
        default: fail(VIM_ERROR_INVALID_ARGUMENT, format("vim_convert: unknown source type %d", src_type));
    }
    VIM_CHECK_LAUNCH("convert");
}

}  // namespace vim

using namespace vim;

extern "C" {

vim_status vim_convert(vim_stream_t stream, const void* src, int src_type, int64_t ld_src, void* dst, int dst_type, int64_t ld_dst, int64_t rows, int64_t cols) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_convert");
        VIM_REQUIRE(rows >= 0 && cols >= 0, "vim_convert: negative size (%lld × %lld)", (long long)rows, (long long)cols);
        if (rows * cols == 0) return;
        VIM_REQUIRE(src && dst, "vim_convert: NULL pointer");
        VIM_REQUIRE(ld_src >= cols && ld_dst >= cols, "vim_convert: row strides (%lld, %lld) below cols %lld", (long long)ld_src, (long long)ld_dst, (long long)cols);
        launch_convert(src, src_type, ld_src, dst, dst_type, ld_dst, rows, cols, s->stream);
    });
}

vim_status vim_linear_bf16(vim_stream_t stream, const vim_linear_bf16_params* p) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_linear_bf16");
        check_params(p, "vim_linear_bf16");
        VIM_REQUIRE(p->m >= 0 && p->n >= 0 && p->k >= 0, "vim_linear_bf16: negative size");
        if (p->m == 0 || p->n == 0) return;
        VIM_REQUIRE(p->x && p->w && p->y, "vim_linear_bf16: x, w and y must be non-NULL");
        VIM_REQUIRE(p->x_type == VIM_F32 || p->x_type == VIM_BF16, "vim_linear_bf16: x_type must be VIM_F32 or VIM_BF16, got %d", p->x_type);
        VIM_REQUIRE(p->y_type == VIM_F32 || p->y_type == VIM_BF16, "vim_linear_bf16: y_type must be VIM_F32 or VIM_BF16, got %d", p->y_type);
        VIM_REQUIRE(p->y_type == VIM_F32 || (!p->bias && !p->accumulate), "vim_linear_bf16: bias and accumulate need an fp32 y");
        VIM_REQUIRE(p->ldx >= p->k && p->ldw >= p->k && p->ldy >= p->n, "vim_linear_bf16: strides too small");
        VIM_REQUIRE(p->m <= INT32_MAX && p->n <= INT32_MAX && p->k <= INT32_MAX, "vim_linear_bf16: sizes above 2^31 are not supported");
        VIM_REQUIRE(p->k > 0, "vim_linear_bf16: k must be positive");
        const void* x = p->x;
        int64_t ldx = p->ldx;
        ScratchBuffer scratch(s, p->x_type == VIM_F32 ? (size_t)(p->m * p->k) * 2 : 0);
        if (p->x_type == VIM_F32) {
            launch_convert(p->x, VIM_F32, p->ldx, scratch.ptr, VIM_BF16, p->k, p->m, p->k, s->stream);
            x = scratch.ptr;
            ldx = p->k;
        }
        const float alpha = 1.0f, beta = p->accumulate ? 1.0f : 0.0f;
        const cudaDataType yt = p->y_type == VIM_BF16 ? CUDA_R_16BF : CUDA_R_32F;
        check_cublas(cublasGemmEx(s->cublas, CUBLAS_OP_T, CUBLAS_OP_N, (int)p->n, (int)p->m, (int)p->k, &alpha, p->w, CUDA_R_16BF, (int)p->ldw, x, CUDA_R_16BF,
                                  (int)ldx, &beta, p->y, yt, (int)p->ldy, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                     "cublasGemmEx (bf16)");
        if (p->bias) launch_add_bias_rows(s->stream, (float*)p->y, p->ldy, p->bias, p->m, p->n);
    });
}

}  // extern "C"
