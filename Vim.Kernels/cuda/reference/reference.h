// reference.h — plain, slow, readable C++ references of every kernel in libvimkernels (loops, double
// accumulation, no tricks). The native tests compare the CUDA kernels against these.
#pragma once
#include <cstdint>
#include <vector>

namespace ref {

// y (m, n; ldy) = x (m, k; ldx) · wᵀ (w: n × k; ldw) + bias [+ y]
void linear(int64_t m, int64_t n, int64_t k, const float* x, int64_t ldx, const float* w, int64_t ldw, const float* bias,
            float* y, int64_t ldy, bool accumulate);
// images (B, C, H, W), weight (D, C, ph, pw), bias (D) → y (B, Gh·Gw, D)
void patch_embed(int batch, int c, int h, int w, int d, int ph, int pw, int stride, const float* images, const float* weight,
                 const float* bias, float* y);
// s = x (+ residual, stored back); y = norm(s)
void norm(int64_t rows, int width, bool layer, const float* x, float* residual, const float* weight, const float* bias, float eps, float* y);
void conv1d_silu(int batch, int length, int channels, int k, const float* x, int64_t ldx, int64_t batch_stride_x, const float* weight,
                 const float* bias, float* u, bool reverse);
struct ScanDir {
    const float *u, *delta_raw, *delta_bias, *a, *b, *c, *d_skip, *z;
    int64_t u_bs, u_rs, dt_bs, dt_rs, b_bs, b_rs, c_bs, c_rs, z_bs, z_rs;
    float scale;
    bool reverse;
};
void selective_scan(int batch, int length, int channels, int state, bool softplus, const ScanDir& d, float* out, int64_t out_bs,
                    int64_t out_rs, bool accumulate);
void insert_token(const float* tokens, const float* token, float* y, int batch, int m, int d, int position);
void pool(int kind, const float* x, float* y, int batch, int length, int d, int i, int j);
void rope(float* x, const float* cos_t, const float* sin_t, int batch, int length, int d);

}  // namespace ref
