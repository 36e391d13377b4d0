// vmamba_reference.h — plain, slow, readable C++ references of VMamba's kernels (include/vim_kernels_vmamba.h):
// loops, double accumulation, the same semantics as the CPU backend (Vim.Kernels/Cpu/VMamba, CpuBackend.VMamba.cs).
#pragma once
#include <cstdint>

namespace vref {

// x (B, C, H, W) or (B, H, W, C); weight (O, C, kh, kw); bias (O) or null → y (B, Ho, Wo, O).
void conv2d(int batch, int c, int h, int w, int o, int kh, int kw, int stride, int padding, bool channel_first, const float* x,
            const float* weight, const float* bias, float* y);
// x pixel rows spaced ldx; weight (C, 1, k, k); "same" padding → y (B, H, W, C).
void depthwise_conv2d(int batch, int h, int w, int c, int k, const float* x, int64_t ldx, const float* weight, const float* bias, float* y);
// kind: 0 silu, 1 gelu (exact erf), 2 relu, 3 sigmoid, −1 identity.
double act(double v, int kind);
void activation(float* x, int64_t n, int kind);
void slice_channels(const float* x, int64_t ldx, float* y, int64_t rows, int start, int width);
void gate(float* y, const float* x, int64_t ldx, int64_t rows, int d, int start, int kind);
// The four-direction scan of CrossScan.cs, each direction in double, merged in the order 0, 1, 2, 3.
void cross_scan(int batch, int h, int w, int d, int n, int r, const int traversals[4], const float* u, const float* proj, const float* delta_raw,
                const float* dt_bias, const float* a, const float* d_skip, float* out);
void patch_merge(const float* x, float* y, int batch, int h, int w, int c);
void add_channel_first(float* x, const float* pos, int batch, int h, int w, int c);
void to_channel_first(const float* x, float* y, int batch, int64_t l, int c);
void spatial_softmax(float* x, int batch, int64_t l, int c);

}  // namespace vref
