// vmamba/cross_scan.cu — SS2D's four-direction selective scan, cross-scan and cross-merge folded into the indexing
// (include/vim_kernels_vmamba.h; CPU semantics: Vim.Kernels/Cpu/VMamba/CrossScan.cs).
// Pass 1: one group of G lanes (G = the power of two ≥ N, at most 32) per (b, k, d); lane j holds states
// j, j+G, … (≤ 8 per lane, N ≤ 256); y = ⟨C, h⟩ is reduced across the group with shuffles. Each direction writes
// its own slice of a (4, B, L, D) scratch buffer. Pass 2 sums the four slices in order 0, 1, 2, 3 — the CPU's
// order — so the merge is deterministic and needs no atomics. Test: tests/test_vmamba (cross_scan).
#include "common.h"
#include "vim_kernels_vmamba.h"

namespace vim {
namespace {

constexpr int kMaxStatesPerLane = 8;
constexpr int kCrossScanBlock = 128;

__device__ __forceinline__ float cs_softplus(float x) { return x > 20.0f ? x : log1pf(expf(x)); }

__device__ __forceinline__ int cs_position(int traversal, int step, int height, int width) {
    int l = traversal >= 2 ? height * width - 1 - step : step;
    return (traversal & 1) == 0 ? l : (l % height) * width + l / height;
}

struct CrossScanArgs {
    int batch, height, width, channels, state, dt_rank, group;
    int traversals[4];
    const float* u;
    const float* proj;
    const float* delta_raw;
    const float* dt_bias;
    const float* a;
    const float* d_skip;
    float* ys;   // (4, B, L, D)
};

__global__ void __launch_bounds__(kCrossScanBlock) cross_scan_kernel(CrossScanArgs p) {
    const int g = p.group;
    const int64_t groups = (int64_t)p.batch * 4 * p.channels;
    int64_t gid = (blockIdx.x * (int64_t)blockDim.x + threadIdx.x) / g;
    const int lane = threadIdx.x % g;
    // Groups past the end still run the loop (on group 0's data) so every lane of the warp joins the shuffles; they never write.
    const bool active = gid < groups;
    if (!active) gid = 0;
    const int d = (int)(gid % p.channels);
    const int k = (int)((gid / p.channels) % 4);
    const int b = (int)(gid / ((int64_t)4 * p.channels));
    const int e = p.channels, n = p.state, c = k * e + d;
    const int length = p.height * p.width;
    const int proj_width = 4 * (p.dt_rank + 2 * n);
    const int b_off = k * (p.dt_rank + 2 * n) + p.dt_rank;
    const int traversal = p.traversals[k];

    float h[kMaxStatesPerLane], a[kMaxStatesPerLane];
#pragma unroll
    for (int s = 0; s < kMaxStatesPerLane; s++) {
        int j = lane + s * g;
        h[s] = 0.0f;
        a[s] = j < n ? p.a[(int64_t)c * n + j] : 0.0f;
    }
    const float dt_bias = p.dt_bias[c], d_skip = p.d_skip[c];
    const int64_t row0 = (int64_t)b * length;
    float* ys = p.ys + ((int64_t)k * p.batch * length) * e;
    const unsigned mask = 0xffffffffu;

    for (int l = 0; l < length; l++) {
        const int64_t row = row0 + cs_position(traversal, l, p.height, p.width);
        const float delta = cs_softplus(p.delta_raw[row * 4 * e + c] + dt_bias);
        const float uv = p.u[row * e + d];
        const float du = delta * uv;
        const float* brow = p.proj + row * proj_width + b_off;
        const float* crow = brow + n;
        float y = 0.0f;
#pragma unroll
        for (int s = 0; s < kMaxStatesPerLane; s++) {
            int j = lane + s * g;
            if (j < n) {
                h[s] = expf(delta * a[s]) * h[s] + du * brow[j];
                y += crow[j] * h[s];
            }
        }
        for (int off = g / 2; off > 0; off /= 2) y += __shfl_xor_sync(mask, y, off, g);
        if (active && lane == 0) ys[row * e + d] = y + d_skip * uv;
    }
}

__global__ void merge4_kernel(const float* __restrict__ ys, float* __restrict__ out, int64_t count) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < count; i += (int64_t)gridDim.x * blockDim.x) {
        out[i] = ((ys[i] + ys[count + i]) + ys[2 * count + i]) + ys[3 * count + i];
    }
}

}  // namespace
}  // namespace vim

using namespace vim;

extern "C" {

vim_status vim_cross_scan(vim_stream_t stream, const vim_cross_scan_params* p) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_cross_scan");
        check_params(p, "vim_cross_scan");
        VIM_REQUIRE(p->batch >= 0 && p->height > 0 && p->width > 0 && p->channels > 0 && p->state > 0 && p->dt_rank >= 0,
                    "vim_cross_scan: bad sizes (B=%d H=%d W=%d D=%d N=%d R=%d)", p->batch, p->height, p->width, p->channels, p->state, p->dt_rank);
        if (p->state > 32 * kMaxStatesPerLane)
            fail(VIM_ERROR_UNSUPPORTED, format("vim_cross_scan: state size %d exceeds the supported maximum %d", p->state, 32 * kMaxStatesPerLane));
        for (int k = 0; k < 4; k++)
            VIM_REQUIRE(p->traversals[k] >= 0 && p->traversals[k] <= 3, "vim_cross_scan: traversal[%d] = %d is not 0..3", k, p->traversals[k]);
        VIM_REQUIRE((int64_t)p->height * p->width <= INT32_MAX, "vim_cross_scan: map %dx%d too large", p->height, p->width);
        if (p->batch == 0) return;
        VIM_REQUIRE(p->u && p->proj && p->delta_raw && p->dt_bias && p->a && p->d_skip && p->out, "vim_cross_scan: NULL pointer");
        int group = 1;
        while (group < p->state && group < 32) group *= 2;
        int64_t count = (int64_t)p->batch * p->height * p->width * p->channels;
        ScratchBuffer ys(s, (size_t)(4 * count) * sizeof(float));
        CrossScanArgs a{};
        a.batch = p->batch; a.height = p->height; a.width = p->width; a.channels = p->channels; a.state = p->state; a.dt_rank = p->dt_rank;
        a.group = group;
        for (int k = 0; k < 4; k++) a.traversals[k] = p->traversals[k];
        a.u = p->u; a.proj = p->proj; a.delta_raw = p->delta_raw; a.dt_bias = p->dt_bias; a.a = p->a; a.d_skip = p->d_skip;
        a.ys = (float*)ys.ptr;
        int64_t threads = (int64_t)p->batch * 4 * p->channels * group;
        int64_t blocks = (threads + kCrossScanBlock - 1) / kCrossScanBlock;
        VIM_REQUIRE(blocks <= INT32_MAX, "vim_cross_scan: too many channels");
        cross_scan_kernel<<<(unsigned)blocks, kCrossScanBlock, 0, s->stream>>>(a);
        VIM_CHECK_LAUNCH("cross_scan");
        merge4_kernel<<<grid_for(count, 256), 256, 0, s->stream>>>((const float*)ys.ptr, p->out, count);
        VIM_CHECK_LAUNCH("cross_scan_merge");
    });
}

}  // extern "C"
