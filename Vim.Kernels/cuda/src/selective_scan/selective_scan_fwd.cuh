// selective_scan_fwd.cuh — Mamba's selective scan forward (the template; selective_scan_fp32.cu instantiates it).
//
// Per batch b, channel c, state n (fp32 state):
//   delta[t,c] = softplus(delta_raw[t,c] + delta_bias[c])            (threshold 20; optional)
//   h_t[n]     = exp(delta·A[c,n])·h_{t−1}[n] + delta·B[t,n]·u[t,c]    h_{−1} = 0
//   y[t,c]     = Σ_n C[t,n]·h_t[n] + D[c]·u[t,c];  y *= silu(z[t,c]) when z is given
//   out[t,c]   = (accumulate ? out[t,c] : 0) + scale·y[t,c]
// reverse runs t = L−1 … 0 at the original positions. All inputs are strided (batch stride, row stride),
// so B and C are read in place from x_dbl (B, L, R+2N) and z from the second half of xz (B, L, 2E).
//
// Variants: one direction, or both directions of a bidirectional Mamba in one launch (params.directions = 2):
// the same thread runs direction 0 and then direction 1 for its channel, and the second adds onto the
// output the first wrote (so the combination needs no atomics and no second launch).
//
// Parallelisation: TPC = 2^k threads per (b, c) channel, each holding NPT states in registers; y is
// reduced over the TPC lanes with shuffles. Time is walked in chunks of CHUNK steps whose loads are all
// issued before the chunk's recurrence, so memory latency overlaps across steps.
// Build/test: cmake --build build && ctest --test-dir build (case "scan"); bench: build/bench_scan.
#pragma once
#include "../common.h"
#include "../elem.h"

namespace vim {

__device__ __forceinline__ float scan_softplus(float x) { return x > 20.0f ? x : log1pf(expf(x)); }
__device__ __forceinline__ float scan_silu(float x) { return x / (1.0f + expf(-x)); }

template <typename T, int NPT, int CHUNK>
__global__ void __launch_bounds__(128) selective_scan_fwd_kernel(const vim_scan_params p, const int tpc) {
    const int group = threadIdx.x / tpc;
    const int lane = threadIdx.x & (tpc - 1);
    const int groups_per_block = blockDim.x / tpc;
    const int c_raw = blockIdx.x * groups_per_block + group;
    const bool active = c_raw < p.channels;
    const int c = active ? c_raw : p.channels - 1;  // inactive lanes still take part in the shuffles
    const int N = p.state, L = p.length;
    const int n0 = lane * NPT;

    for (int64_t b = blockIdx.y; b < p.batch; b += gridDim.y)
#pragma unroll 1
    for (int dir = 0; dir < p.directions; dir++) {
        const vim_scan_direction& d = p.dir[dir];
        float a[NPT], h[NPT];
#pragma unroll
        for (int j = 0; j < NPT; j++) {
            a[j] = (n0 + j < N) ? d.a[(int64_t)c * N + n0 + j] : 0.0f;
            h[j] = 0.0f;
        }
        const float dt_bias = d.delta_bias ? d.delta_bias[c] : 0.0f;
        const float d_skip = d.d_skip ? d.d_skip[c] : 0.0f;
        const bool add_to_out = dir == 0 ? p.accumulate != 0 : true;
        const bool has_z = d.z != nullptr;
        const float scale = d.scale;
        // Walk pointers in time order (backwards when reverse); steps are signed row strides.
        const int64_t t0 = d.reverse ? L - 1 : 0;
        const int64_t sg = d.reverse ? -1 : 1;
        const int64_t us = sg * d.u_row_stride, dts = sg * d.delta_row_stride, zs = sg * d.z_row_stride;
        const int64_t bs = sg * d.b_row_stride, cs = sg * d.c_row_stride, os = sg * p.out_row_stride;
        const T* __restrict__ up = reinterpret_cast<const T*>(d.u) + b * d.u_batch_stride + t0 * d.u_row_stride + c;
        const T* __restrict__ dtp = reinterpret_cast<const T*>(d.delta_raw) + b * d.delta_batch_stride + t0 * d.delta_row_stride + c;
        const T* __restrict__ zp = has_z ? reinterpret_cast<const T*>(d.z) + b * d.z_batch_stride + t0 * d.z_row_stride + c : up;
        const T* __restrict__ bp = reinterpret_cast<const T*>(d.b) + b * d.b_batch_stride + t0 * d.b_row_stride + n0;
        const T* __restrict__ cp = reinterpret_cast<const T*>(d.c) + b * d.c_batch_stride + t0 * d.c_row_stride + n0;
        float* op = p.out + b * p.out_batch_stride + t0 * p.out_row_stride + c;
        bool state_ok[NPT];
#pragma unroll
        for (int j = 0; j < NPT; j++) state_ok[j] = n0 + j < N;

        for (int s0 = 0; s0 < L; s0 += CHUNK) {
            float dtv[CHUNK], uv[CHUNK], zv[CHUNK], bv[CHUNK][NPT], cv[CHUNK][NPT];
#pragma unroll
            for (int k = 0; k < CHUNK; k++) {
                const bool in = s0 + k < L;
                dtv[k] = in ? load_f32(dtp + k * dts) : 0.0f;
                uv[k] = in ? load_f32(up + k * us) : 0.0f;
                zv[k] = (in && has_z) ? load_f32(zp + k * zs) : 0.0f;
#pragma unroll
                for (int j = 0; j < NPT; j++) {
                    bv[k][j] = (in && state_ok[j]) ? load_f32(bp + k * bs + j) : 0.0f;
                    cv[k][j] = (in && state_ok[j]) ? load_f32(cp + k * cs + j) : 0.0f;
                }
            }
#pragma unroll
            for (int k = 0; k < CHUNK; k++) {
                if (s0 + k >= L) break;
                float delta = dtv[k] + dt_bias;
                if (p.softplus) delta = scan_softplus(delta);
                const float du = delta * uv[k];
                float y = 0.0f;
#pragma unroll
                for (int j = 0; j < NPT; j++) {
                    h[j] = fmaf(expf(delta * a[j]), h[j], du * bv[k][j]);
                    y = fmaf(cv[k][j], h[j], y);
                }
                for (int o = tpc >> 1; o > 0; o >>= 1) y += __shfl_xor_sync(0xffffffffu, y, o);
                if (lane == 0 && active) {
                    y = fmaf(d_skip, uv[k], y);
                    if (has_z) y *= scan_silu(zv[k]);
                    float* o = op + k * os;
                    *o = add_to_out ? fmaf(scale, y, *o) : scale * y;
                }
            }
            up += CHUNK * us; dtp += CHUNK * dts; zp += CHUNK * zs; bp += CHUNK * bs; cp += CHUNK * cs; op += CHUNK * os;
        }
    }
}

// Chooses the threads per channel and launches; the caller validated p (state ≤ 32·NPT).
template <int NPT, int CHUNK, typename T = float>
void launch_selective_scan_fwd(const vim_scan_params& p, cudaStream_t stream) {
    int per_thread = (p.state + NPT - 1) / NPT;
    int tpc = 1;
    while (tpc < per_thread) tpc *= 2;
    constexpr int kBlock = 128;
    const int groups = kBlock / tpc;
    dim3 grid((unsigned)((p.channels + groups - 1) / groups), (unsigned)(p.batch < 65535 ? p.batch : 65535));
    selective_scan_fwd_kernel<T, NPT, CHUNK><<<grid, kBlock, 0, stream>>>(p, tpc);
}

}  // namespace vim
