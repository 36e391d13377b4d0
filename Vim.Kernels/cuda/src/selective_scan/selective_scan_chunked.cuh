// selective_scan_chunked.cuh — time-chunked selective scan for small batches (B·E channels too few to fill the GPU with
// one thread per channel). Same semantics as selective_scan_lane.cuh; d_state ≤ NMAX (16).
//
// Per (batch, channel) the L steps (in this direction's time order) are split into K chunks of CL = ⌈L/K⌉ steps; one
// thread per (chunk, channel) holds the NMAX states in registers. One launch, three phases per direction:
//  1. each chunk runs its steps from h = 0 (no C, z, out) → local end state s_k[n], and ΣΔ_k (the chunk's decay is
//     P_k[n] = Π exp(Δ_t A[n]) = exp(A[n]·ΣΔ_k), taken as exp2(a2[n]·ΣΔ_k): one exponential instead of CL);
//  2. combine in shared memory: thread (channel, n) walks the K chunks, H_0 = 0, H_{k+1} = P_k·H_k + s_k (K steps);
//  3. each chunk reruns its steps from H_k producing y (identical Δ code, so the two passes agree bit for bit).
// Block = CPB channels × K chunks = 128 threads, thread = channel-in-block + CPB·chunk: a warp reads CPB consecutive
// channels (CPB ≥ 4 floats of a row) from 32/CPB rows. B and C rows are staged per TILE steps of every chunk at once
// in shared memory (zero-padded to NMAX); Δ, u, z, out of a tile are loaded into registers before the tile computes.
// Directions run one after the other; the block-wide barriers between them make the first direction's out visible.
#pragma once
#include "../common.h"
#include "../elem.h"
#include "selective_scan_lane.cuh"

namespace vim {

template <typename T, int NMAX, int K, int CPB, int TILE>
__global__ void __launch_bounds__(CPB * K) selective_scan_chunked_kernel(const vim_scan_params p) {
    static_assert(NMAX % 4 == 0, "NMAX must be a multiple of 4");
    __shared__ __align__(16) float sb[K][TILE][NMAX];
    __shared__ __align__(16) float sc[K][TILE][NMAX];
    __shared__ float st[K][NMAX][CPB];  // phase 1: local end states; after phase 2: the chunks' starting states
    __shared__ float sd[K][CPB];        // ΣΔ per chunk
    constexpr float kLog2e = 1.4426950408889634f;
    const int tid = threadIdx.x;
    const int cl = tid % CPB, k = tid / CPB;
    const int c_raw = blockIdx.x * CPB + cl;
    const bool active = c_raw < p.channels;
    const int c = active ? c_raw : p.channels - 1;
    const int N = p.state, L = p.length;
    const int CL = (L + K - 1) / K;
    const int first = k * CL;  // first step (direction order) of this thread's chunk

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
        const T* ub = reinterpret_cast<const T*>(d.u) + b * d.u_batch_stride + c;
        const T* dtb = reinterpret_cast<const T*>(d.delta_raw) + b * d.delta_batch_stride + c;
        const T* zb = has_z ? reinterpret_cast<const T*>(d.z) + b * d.z_batch_stride + c : ub;
        float* ob = p.out + b * p.out_batch_stride + c;
        const T* bb = reinterpret_cast<const T*>(d.b) + b * d.b_batch_stride;
        const T* cb = reinterpret_cast<const T*>(d.c) + b * d.c_batch_stride;

        // Stage B (and C) of local steps j0 … j0+TILE−1 of every chunk, zero-padded.
        auto stage = [&](int j0, bool with_c) {
            __syncthreads();
            for (int i = tid; i < K * TILE * NMAX; i += CPB * K) {
                const int n = i % NMAX, s = (i / NMAX) % TILE, kk = i / (NMAX * TILE);
                const int step = kk * CL + j0 + s;
                float bv = 0.0f, cv = 0.0f;
                if (j0 + s < CL && step < L && n < N) {
                    const int64_t t = rev ? (int64_t)L - 1 - step : step;
                    bv = load_f32(bb + t * d.b_row_stride + n);
                    if (with_c) cv = load_f32(cb + t * d.c_row_stride + n);
                }
                sb[kk][s][n] = bv;
                if (with_c) sc[kk][s][n] = cv;
            }
            __syncthreads();
        };

        // Phase 1: local end state from h = 0 and ΣΔ.
        float dsum = 0.0f;
        for (int j0 = 0; j0 < CL; j0 += TILE) {
            stage(j0, false);
            float dtv[TILE], uv[TILE];
#pragma unroll
            for (int s = 0; s < TILE; s++) {
                const int step = first + j0 + s;
                const bool in = j0 + s < CL && step < L;
                const int64_t t = rev ? (int64_t)L - 1 - step : step;
                dtv[s] = in ? load_f32(dtb + t * d.delta_row_stride) : 0.0f;
                uv[s] = in ? load_f32(ub + t * d.u_row_stride) : 0.0f;
            }
#pragma unroll
            for (int s = 0; s < TILE; s++) {
                if (j0 + s >= CL || first + j0 + s >= L) break;
                float delta = dtv[s] + dt_bias;
                if (softplus) delta = lane_softplus(delta);
                dsum += delta;
                const float du = delta * uv[s];
                const float4* b4 = reinterpret_cast<const float4*>(&sb[k][s][0]);
#pragma unroll
                for (int q = 0; q < NMAX / 4; q++) {
                    const float4 bv = b4[q];
                    h[4 * q + 0] = fmaf(exp2f(delta * a2[4 * q + 0]), h[4 * q + 0], du * bv.x);
                    h[4 * q + 1] = fmaf(exp2f(delta * a2[4 * q + 1]), h[4 * q + 1], du * bv.y);
                    h[4 * q + 2] = fmaf(exp2f(delta * a2[4 * q + 2]), h[4 * q + 2], du * bv.z);
                    h[4 * q + 3] = fmaf(exp2f(delta * a2[4 * q + 3]), h[4 * q + 3], du * bv.w);
                }
            }
        }
#pragma unroll
        for (int j = 0; j < NMAX; j++) st[k][j][cl] = h[j];
        sd[k][cl] = dsum;
        __syncthreads();

        // Phase 2: starting state of every chunk, one thread per (channel, state) walking the K chunks.
        for (int i = tid; i < CPB * NMAX; i += CPB * K) {
            const int ci = i % CPB, n = i / CPB;
            const int cc = min(blockIdx.x * CPB + ci, p.channels - 1);
            const float an = n < N ? d.a[(int64_t)cc * N + n] * kLog2e : 0.0f;
            float H = 0.0f;
            for (int kk = 0; kk < K; kk++) {
                const float s = st[kk][n][ci];
                st[kk][n][ci] = H;
                H = fmaf(exp2f(an * sd[kk][ci]), H, s);
            }
        }
        __syncthreads();
#pragma unroll
        for (int j = 0; j < NMAX; j++) h[j] = st[k][j][cl];

        // Phase 3: rerun the chunk from its starting state, producing y.
        for (int j0 = 0; j0 < CL; j0 += TILE) {
            stage(j0, true);
            float dtv[TILE], uv[TILE], zv[TILE], ov[TILE];
#pragma unroll
            for (int s = 0; s < TILE; s++) {
                const int step = first + j0 + s;
                const bool in = j0 + s < CL && step < L;
                const int64_t t = rev ? (int64_t)L - 1 - step : step;
                dtv[s] = in ? load_f32(dtb + t * d.delta_row_stride) : 0.0f;
                uv[s] = in ? load_f32(ub + t * d.u_row_stride) : 0.0f;
                zv[s] = (in && has_z) ? load_f32(zb + t * d.z_row_stride) : 0.0f;
                ov[s] = (in && add) ? ob[t * p.out_row_stride] : 0.0f;
            }
#pragma unroll
            for (int s = 0; s < TILE; s++) {
                const int step = first + j0 + s;
                if (j0 + s >= CL || step >= L) break;
                float delta = dtv[s] + dt_bias;
                if (softplus) delta = lane_softplus(delta);
                const float du = delta * uv[s];
                const float4* b4 = reinterpret_cast<const float4*>(&sb[k][s][0]);
                const float4* c4 = reinterpret_cast<const float4*>(&sc[k][s][0]);
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
                float y = fmaf(d_skip, uv[s], y0 + y1);
                if (has_z) y *= lane_silu(zv[s]);
                const int64_t t = rev ? (int64_t)L - 1 - step : step;
                if (active) ob[t * p.out_row_stride] = add ? fmaf(scale, y, ov[s]) : scale * y;
            }
        }
        // The next direction (or batch row) starts with stage()'s barrier: this direction's out is visible to it,
        // and st / sd are not rewritten before every thread has read its starting state.
    }
}

// Chunks per channel: 8, 16 or 32 (block = 128 threads: 16, 8 or 4 channels). The caller checked p.state ≤ kLaneMaxState.
template <int K, typename T = float>
void launch_selective_scan_chunked(const vim_scan_params& p, cudaStream_t stream) {
    constexpr int kCpb = 128 / K;
    dim3 grid((unsigned)((p.channels + kCpb - 1) / kCpb), (unsigned)(p.batch < 65535 ? p.batch : 65535));
    selective_scan_chunked_kernel<T, kLaneMaxState, K, kCpb, 8><<<grid, kCpb * K, 0, stream>>>(p);
}

}  // namespace vim
