// norms.cu — fused residual add + RMSNorm / LayerNorm over rows × D (vim_norm).
//   s = x (+ residual, stored back into residual);  RMS: y = s·rsqrt(mean(s²)+eps)·w;
//   Layer: y = (s − mean)·rsqrt(var+eps)·w + b (biased variance). Statistics in double, as the CPU kernel.
// One block of 256 threads per row; the row is kept in shared memory between the passes.
// Test: tests/test_kernels (ctest), case "norm".
#include "common.h"

namespace vim {

template <int BLOCK>
__device__ double block_sum(double v, double* scratch) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    double total = 0;
    for (int i = 0; i < BLOCK / 32; i++) total += scratch[i];
    return total;
}

template <int BLOCK>
__global__ void norm_kernel(vim_norm_params p) {
    extern __shared__ float row[];
    __shared__ double scratch[BLOCK / 32];
    int64_t r = blockIdx.x;
    int n = p.width;
    const float* x = p.x + r * n;
    float* res = p.residual ? p.residual + r * n : nullptr;
    for (int i = threadIdx.x; i < n; i += BLOCK) {
        float v = x[i];
        if (res) {
            v = v + res[i];
            res[i] = v;
        }
        row[i] = v;
    }
    __syncthreads();
    double mean = 0;
    if (p.kind == VIM_NORM_LAYER) {
        double s = 0;
        for (int i = threadIdx.x; i < n; i += BLOCK) s += (double)row[i];
        mean = block_sum<BLOCK>(s, scratch) / n;
    }
    double sq = 0;
    for (int i = threadIdx.x; i < n; i += BLOCK) {
        double d = (double)row[i] - mean;
        sq += d * d;
    }
    double ms = block_sum<BLOCK>(sq, scratch) / n;
    float inv = (float)(1.0 / sqrt(ms + (double)p.epsilon));
    float m = (float)mean;
    float* y = p.y + r * n;
    for (int i = threadIdx.x; i < n; i += BLOCK) {
        float v = (row[i] - m) * inv * p.weight[i];
        if (p.bias && p.kind == VIM_NORM_LAYER) v = v + p.bias[i];
        y[i] = v;
    }
}

}  // namespace vim

using namespace vim;

extern "C" vim_status vim_norm(vim_stream_t stream, const vim_norm_params* p) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_norm");
        check_params(p, "vim_norm");
        VIM_REQUIRE(p->rows >= 0 && p->width > 0, "vim_norm: bad shape rows=%lld width=%d", (long long)p->rows, p->width);
        VIM_REQUIRE(p->kind == VIM_NORM_RMS || p->kind == VIM_NORM_LAYER, "vim_norm: unknown kind %d", p->kind);
        VIM_REQUIRE(p->width <= 12 * 1024, "vim_norm: width %d above the supported 12288", p->width);
        if (p->rows == 0) return;
        VIM_REQUIRE(p->x && p->weight && p->y, "vim_norm: NULL pointer");
        VIM_REQUIRE(p->rows <= INT32_MAX, "vim_norm: too many rows");
        constexpr int B = 256;
        norm_kernel<B><<<(unsigned)p->rows, B, p->width * sizeof(float), s->stream>>>(*p);
        VIM_CHECK_LAUNCH("norm");
    });
}
