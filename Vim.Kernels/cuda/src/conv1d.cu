// conv1d.cu — Mamba's depthwise causal conv1d + SiLU over tokens (vim_causal_conv1d_silu), both directions.
//   forward: u[t,c] = silu(bias[c] + Σ_k w[c,k]·x[t−(K−1)+k, c]);  reverse: x[t+(K−1)−k, c]; x outside [0,L) = 0.
// x is strided (row stride ldx, batch stride given), u is (B, L, E) contiguous. One thread per output element,
// channels fastest so reads of x and writes of u are coalesced. Test: tests/test_kernels, case "conv1d".
#include "common.h"

namespace vim {

__device__ __forceinline__ float silu(float x) { return x / (1.0f + expf(-x)); }

__global__ void conv1d_silu_kernel(vim_conv1d_params p) {
    int64_t total = (int64_t)p.batch * p.length * p.channels;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
        int c = (int)(i % p.channels);
        int64_t bt = i / p.channels;
        int t = (int)(bt % p.length);
        int64_t b = bt / p.length;
        const float* xb = p.x + b * p.batch_stride_x + c;
        const float* w = p.weight + (int64_t)c * p.kernel_size;
        float acc = p.bias ? p.bias[c] : 0.0f;
        int k1 = p.kernel_size - 1;
        for (int k = 0; k < p.kernel_size; k++) {
            int src = p.reverse ? t + k1 - k : t - k1 + k;
            if (src >= 0 && src < p.length) acc = fmaf(w[k], xb[(int64_t)src * p.ldx], acc);
        }
        p.u[i] = silu(acc);
    }
}

}  // namespace vim

using namespace vim;

extern "C" vim_status vim_causal_conv1d_silu(vim_stream_t stream, const vim_conv1d_params* p) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_causal_conv1d_silu");
        check_params(p, "vim_causal_conv1d_silu");
        VIM_REQUIRE(p->batch >= 0 && p->length >= 0 && p->channels > 0 && p->kernel_size > 0,
                    "vim_causal_conv1d_silu: bad sizes B=%d L=%d E=%d K=%d", p->batch, p->length, p->channels, p->kernel_size);
        VIM_REQUIRE(p->ldx >= p->channels, "vim_causal_conv1d_silu: ldx %lld < E %d", (long long)p->ldx, p->channels);
        int64_t total = (int64_t)p->batch * p->length * p->channels;
        if (total == 0) return;
        VIM_REQUIRE(p->x && p->weight && p->u, "vim_causal_conv1d_silu: NULL pointer");
        conv1d_silu_kernel<<<grid_for(total, 256), 256, 0, s->stream>>>(*p);
        VIM_CHECK_LAUNCH("causal_conv1d_silu");
    });
}
