// selective_scan_lane.cuh — the selective scan with one thread per (batch, channel) for d_state ≤ NMAX (16):
// the whole state lives in one thread's registers, so softplus(Δ), Δ·u, silu(z) and the addresses are computed
// once per step (not once per state lane) and y needs no shuffles. Same semantics as selective_scan_fwd.cuh.
//
//  * exp(Δ·A) = exp2(Δ·A·log2 e) with A·log2 e computed once per channel (a2);
//  * B and C rows, shared by every channel of a batch, are staged per TILE steps in shared memory (zero-padded
//    to NMAX states, so any N ≤ NMAX runs the same unrolled code: a2 = 0, B = C = 0 keep padded states at 0)
//    and read back as float4 broadcasts;
//  * Δ, u, z (and out when adding) are prefetched one CHUNK of steps ahead into registers (software pipelining),
//    through pointers walked by signed row steps.
// A block is 128 consecutive channels of one batch row; directions run one after the other in the same thread,
// the second adding onto what the first wrote.
#pragma once
#include "../common.h"
#include "../elem.h"

namespace vim {

__device__ __forceinline__ float lane_softplus(float x) { return x > 20.0f ? x : log1pf(expf(x)); }
__device__ __forceinline__ float lane_silu(float x) { return x / (1.0f + expf(-x)); }

template <int CHUNK>
struct LaneChunk {
    float dt[CHUNK], u[CHUNK], z[CHUNK], o[CHUNK];
};

// T: the element type of u, Δ, z (and B, C): float, bf16_t or f16_t, widened to fp32 on load.
template <int CHUNK, typename T>
__device__ __forceinline__ void lane_load(LaneChunk<CHUNK>& q, int remaining, const T* dtp, int64_t dts, const T* up, int64_t us,
                                          const T* zp, int64_t zs, bool has_z, const float* op, int64_t os, bool add) {
#pragma unroll
    for (int k = 0; k < CHUNK; k++) {
        const bool in = k < remaining;
        q.dt[k] = in ? load_f32(dtp + k * dts) : 0.0f;
        q.u[k] = in ? load_f32(up + k * us) : 0.0f;
        q.z[k] = (in && has_z) ? load_f32(zp + k * zs) : 0.0f;
        q.o[k] = (in && add) ? op[k * os] : 0.0f;
    }
}

template <typename T, int NMAX, int CHUNK, int TILE>
__global__ void __launch_bounds__(128) selective_scan_lane_kernel(const vim_scan_params p) {
    static_assert(NMAX % 4 == 0 && TILE % CHUNK == 0, "NMAX must be a multiple of 4 and TILE of CHUNK");
    __shared__ __align__(16) float sb[TILE][NMAX];
    __shared__ __align__(16) float sc[TILE][NMAX];
    const int c_raw = blockIdx.x * blockDim.x + threadIdx.x;
    const bool active = c_raw < p.channels;
    const int c = active ? c_raw : p.channels - 1;  // inactive threads still help stage B and C
    const int N = p.state, L = p.length;
    constexpr float kLog2e = 1.4426950408889634f;

    for (int64_t b = blockIdx.y; b < p.batch; b += gridDim.y)
#pragma unroll 1
    for (int dir = 0; dir < p.directions; dir++) {
        const vim_scan_direction& d = p.dir[dir];
        float a2[NMAX], h[NMAX];
#pragma unroll
        for (int j = 0; j < NMAX; j++) {
            a2[j] = j < N ? d.a[(int64_t)c * N + j] * kLog2e : 0.0f;
            h[j] = 0.0f;
        }
        const float dt_bias = d.delta_bias ? d.delta_bias[c] : 0.0f;
        const float d_skip = d.d_skip ? d.d_skip[c] : 0.0f;
        const bool add = dir == 0 ? p.accumulate != 0 : true;
        const bool has_z = d.z != nullptr;
        const bool softplus = p.softplus != 0;
        const float scale = d.scale;
        const bool rev = d.reverse != 0;
        const int64_t t0 = rev ? L - 1 : 0;
        const int64_t sg = rev ? -1 : 1;
        const int64_t us = sg * d.u_row_stride, dts = sg * d.delta_row_stride, zs = sg * d.z_row_stride, os = sg * p.out_row_stride;
        const T* up = reinterpret_cast<const T*>(d.u) + b * d.u_batch_stride + t0 * d.u_row_stride + c;
        const T* dtp = reinterpret_cast<const T*>(d.delta_raw) + b * d.delta_batch_stride + t0 * d.delta_row_stride + c;
        const T* zp = has_z ? reinterpret_cast<const T*>(d.z) + b * d.z_batch_stride + t0 * d.z_row_stride + c : up;
        float* op = p.out + b * p.out_batch_stride + t0 * p.out_row_stride + c;
        const T* bb = reinterpret_cast<const T*>(d.b) + b * d.b_batch_stride;
        const T* cb = reinterpret_cast<const T*>(d.c) + b * d.c_batch_stride;

        LaneChunk<CHUNK> cur, nxt;
        lane_load<CHUNK>(cur, L, dtp, dts, up, us, zp, zs, has_z, op, os, add);
        for (int s0 = 0; s0 < L; s0 += CHUNK) {
            if (s0 % TILE == 0) {
                // Stage B and C of steps s0 … s0+TILE−1 (time order of this direction), zero-padded to NMAX.
                __syncthreads();
                for (int i = threadIdx.x; i < TILE * NMAX; i += blockDim.x) {
                    const int s = i / NMAX, n = i % NMAX;
                    const int step = s0 + s;
                    float bv = 0.0f, cv = 0.0f;
                    if (step < L && n < N) {
                        const int64_t t = rev ? (int64_t)L - 1 - step : step;
                        bv = load_f32(bb + t * d.b_row_stride + n);
                        cv = load_f32(cb + t * d.c_row_stride + n);
                    }
                    sb[s][n] = bv;
                    sc[s][n] = cv;
                }
                __syncthreads();
            }
            // Prefetch the next chunk while this one computes.
            lane_load<CHUNK>(nxt, L - s0 - CHUNK, dtp + CHUNK * dts, dts, up + CHUNK * us, us, zp + CHUNK * zs, zs, has_z, op + CHUNK * os, os, add);
            const int sl = s0 % TILE;
#pragma unroll
            for (int k = 0; k < CHUNK; k++) {
                if (s0 + k >= L) break;
                float delta = cur.dt[k] + dt_bias;
                if (softplus) delta = lane_softplus(delta);
                const float du = delta * cur.u[k];
                const float4* b4 = reinterpret_cast<const float4*>(&sb[sl + k][0]);
                const float4* c4 = reinterpret_cast<const float4*>(&sc[sl + k][0]);
                float y0 = 0.0f, y1 = 0.0f;
#pragma unroll
                for (int q = 0; q < NMAX / 4; q++) {
                    const float4 bv = b4[q], cv = c4[q];
                    h[4 * q + 0] = fmaf(exp2f(delta * a2[4 * q + 0]), h[4 * q + 0], du * bv.x);
                    h[4 * q + 1] = fmaf(exp2f(delta * a2[4 * q + 1]), h[4 * q + 1], du * bv.y);
                    h[4 * q + 2] = fmaf(exp2f(delta * a2[4 * q + 2]), h[4 * q + 2], du * bv.z);
                    h[4 * q + 3] = fmaf(exp2f(delta * a2[4 * q + 3]), h[4 * q + 3], du * bv.w);
                    y0 = fmaf(cv.x, h[4 * q + 0], y0);
                    y1 = fmaf(cv.y, h[4 * q + 1], y1);
                    y0 = fmaf(cv.z, h[4 * q + 2], y0);
                    y1 = fmaf(cv.w, h[4 * q + 3], y1);
                }
                float y = fmaf(d_skip, cur.u[k], y0 + y1);
                if (has_z) y *= lane_silu(cur.z[k]);
                if (active) op[k * os] = add ? fmaf(scale, y, cur.o[k]) : scale * y;
            }
            cur = nxt;
            up += CHUNK * us; dtp += CHUNK * dts; zp += CHUNK * zs; op += CHUNK * os;
        }
    }
}

constexpr int kLaneMaxState = 16;

// One thread per channel; the caller checked p.state ≤ kLaneMaxState.
template <int CHUNK, typename T = float>
void launch_selective_scan_lane(const vim_scan_params& p, cudaStream_t stream) {
    constexpr int kBlock = 128;
    dim3 grid((unsigned)((p.channels + kBlock - 1) / kBlock), (unsigned)(p.batch < 65535 ? p.batch : 65535));
    selective_scan_lane_kernel<T, kLaneMaxState, CHUNK, 64><<<grid, kBlock, 0, stream>>>(p);
}

}  // namespace vim
