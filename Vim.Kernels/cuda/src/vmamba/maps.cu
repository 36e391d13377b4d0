// vmamba/maps.cu — VMamba's elementwise and layout ops on channel-last maps (include/vim_kernels_vmamba.h):
//   vim_activation, vim_slice_channels, vim_gate, vim_patch_merge, vim_add_channel_first, vim_to_channel_first,
//   vim_spatial_softmax. CPU semantics: Vim.Runtime/Devices/CpuBackend.VMamba.cs. Test: tests/test_vmamba.
#include "common.h"
#include "vim_kernels_vmamba.h"

namespace vim {
namespace {

#define VIM_VM_LOOP(i, n) for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (n); i += (int64_t)gridDim.x * blockDim.x)

__device__ __forceinline__ float vm_act(float v, int kind) {
    switch (kind) {
        case VIM_ACT_SILU: return v / (1.0f + expf(-v));
        case VIM_ACT_GELU: return (float)(0.5 * (double)v * erfc(-(double)v * 0.70710678118654752));
        case VIM_ACT_RELU: return fmaxf(v, 0.0f);
        case VIM_ACT_SIGMOID: return 1.0f / (1.0f + expf(-v));
        default: return v;
    }
}

__global__ void activation_kernel(float* x, int64_t n, int kind) { VIM_VM_LOOP(i, n) x[i] = vm_act(x[i], kind); }

__global__ void slice_channels_kernel(const float* __restrict__ x, int64_t ldx, float* __restrict__ y, int64_t rows, int start, int width) {
    VIM_VM_LOOP(i, rows * width) {
        int64_t r = i / width;
        y[i] = x[r * ldx + start + (int)(i % width)];
    }
}

__global__ void gate_kernel(float* y, const float* __restrict__ x, int64_t ldx, int64_t rows, int d, int start, int kind) {
    VIM_VM_LOOP(i, rows * d) {
        int64_t r = i / d;
        y[i] *= vm_act(x[r * ldx + start + (int)(i % d)], kind);
    }
}

__global__ void patch_merge_kernel(const float* __restrict__ x, float* __restrict__ y, int batch, int h, int w, int c) {
    int ho = (h + 1) / 2, wo = (w + 1) / 2;
    int64_t total = (int64_t)batch * ho * wo * 4 * c;
    VIM_VM_LOOP(i, total) {
        int ch = (int)(i % c);
        int64_t t = i / c;
        int q = (int)(t % 4);
        t /= 4;
        int j = (int)(t % wo);
        t /= wo;
        int ii = (int)(t % ho);
        int64_t b = t / ho;
        int yy = 2 * ii + (q & 1), xx = 2 * j + (q >> 1);
        y[i] = (yy < h && xx < w) ? x[((b * h + yy) * w + xx) * c + ch] : 0.0f;
    }
}

__global__ void add_channel_first_kernel(float* x, const float* __restrict__ pos, int batch, int64_t l, int c) {
    VIM_VM_LOOP(i, (int64_t)batch * l * c) {
        int ch = (int)(i % c);
        int64_t p = (i / c) % l;
        x[i] += pos[ch * l + p];
    }
}

__global__ void to_channel_first_kernel(const float* __restrict__ x, float* __restrict__ y, int batch, int64_t l, int c) {
    // Indexed by the output so writes are coalesced.
    VIM_VM_LOOP(o, (int64_t)batch * l * c) {
        int64_t p = o % l;
        int64_t t = o / l;
        int ch = (int)(t % c);
        int64_t b = t / c;
        y[o] = x[(b * l + p) * c + ch];
    }
}

// One thread per (b, c): neighbouring threads read neighbouring channels (coalesced); same order as the CPU.
__global__ void spatial_softmax_kernel(float* x, int batch, int64_t l, int c) {
    VIM_VM_LOOP(o, (int64_t)batch * c) {
        int ch = (int)(o % c);
        int64_t b = o / c;
        float* xb = x + b * l * c + ch;
        float mx = -INFINITY;
        for (int64_t p = 0; p < l; p++) mx = fmaxf(mx, xb[p * c]);
        double sum = 0;
        for (int64_t p = 0; p < l; p++) {
            float e = expf(xb[p * c] - mx);
            xb[p * c] = e;
            sum += e;
        }
        float inv = (float)(1.0 / sum);
        for (int64_t p = 0; p < l; p++) xb[p * c] *= inv;
    }
}

bool known_act(int kind, bool identity_ok) {
    return (kind >= VIM_ACT_SILU && kind <= VIM_ACT_SIGMOID) || (identity_ok && kind == VIM_ACT_IDENTITY);
}

}  // namespace
}  // namespace vim

using namespace vim;

extern "C" {

vim_status vim_activation(vim_stream_t stream, float* x, int64_t count, int kind) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_activation");
        VIM_REQUIRE(known_act(kind, false), "vim_activation: unknown activation kind %d", kind);
        VIM_REQUIRE(count >= 0, "vim_activation: negative count");
        if (count == 0) return;
        VIM_REQUIRE(x != nullptr, "vim_activation: NULL pointer");
        activation_kernel<<<grid_for(count, 256), 256, 0, s->stream>>>(x, count, kind);
        VIM_CHECK_LAUNCH("activation");
    });
}

vim_status vim_slice_channels(vim_stream_t stream, const float* x, int64_t ldx, float* y, int64_t rows, int start, int width) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_slice_channels");
        VIM_REQUIRE(rows >= 0 && width > 0 && start >= 0 && start + width <= ldx, "vim_slice_channels: channels %d..%d outside rows of %lld (rows=%lld)",
                    start, start + width, (long long)ldx, (long long)rows);
        if (rows == 0) return;
        VIM_REQUIRE(x && y, "vim_slice_channels: NULL pointer");
        slice_channels_kernel<<<grid_for(rows * width, 256), 256, 0, s->stream>>>(x, ldx, y, rows, start, width);
        VIM_CHECK_LAUNCH("slice_channels");
    });
}

vim_status vim_gate(vim_stream_t stream, float* y, const float* x, int64_t ldx, int64_t rows, int d, int start, int kind) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_gate");
        VIM_REQUIRE(known_act(kind, true), "vim_gate: unknown activation kind %d", kind);
        VIM_REQUIRE(rows >= 0 && d > 0 && start >= 0 && start + d <= ldx, "vim_gate: gate channels %d..%d outside rows of %lld", start, start + d, (long long)ldx);
        if (rows == 0) return;
        VIM_REQUIRE(x && y, "vim_gate: NULL pointer");
        gate_kernel<<<grid_for(rows * d, 256), 256, 0, s->stream>>>(y, x, ldx, rows, d, start, kind);
        VIM_CHECK_LAUNCH("gate");
    });
}

vim_status vim_patch_merge(vim_stream_t stream, const float* x, float* y, int batch, int height, int width, int channels) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_patch_merge");
        VIM_REQUIRE(batch >= 0 && height > 0 && width > 0 && channels > 0, "vim_patch_merge: bad shape B=%d H=%d W=%d C=%d", batch, height, width, channels);
        int64_t total = (int64_t)batch * ((height + 1) / 2) * ((width + 1) / 2) * 4 * channels;
        if (total == 0) return;
        VIM_REQUIRE(x && y, "vim_patch_merge: NULL pointer");
        patch_merge_kernel<<<grid_for(total, 256), 256, 0, s->stream>>>(x, y, batch, height, width, channels);
        VIM_CHECK_LAUNCH("patch_merge");
    });
}

vim_status vim_add_channel_first(vim_stream_t stream, float* x, const float* pos, int batch, int height, int width, int channels) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_add_channel_first");
        VIM_REQUIRE(batch >= 0 && height > 0 && width > 0 && channels > 0, "vim_add_channel_first: bad shape B=%d H=%d W=%d C=%d", batch, height, width, channels);
        if (batch == 0) return;
        VIM_REQUIRE(x && pos, "vim_add_channel_first: NULL pointer");
        int64_t l = (int64_t)height * width;
        add_channel_first_kernel<<<grid_for(batch * l * channels, 256), 256, 0, s->stream>>>(x, pos, batch, l, channels);
        VIM_CHECK_LAUNCH("add_channel_first");
    });
}

vim_status vim_to_channel_first(vim_stream_t stream, const float* x, float* y, int batch, int length, int channels) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_to_channel_first");
        VIM_REQUIRE(batch >= 0 && length > 0 && channels > 0, "vim_to_channel_first: bad shape B=%d L=%d C=%d", batch, length, channels);
        if (batch == 0) return;
        VIM_REQUIRE(x && y, "vim_to_channel_first: NULL pointer");
        to_channel_first_kernel<<<grid_for((int64_t)batch * length * channels, 256), 256, 0, s->stream>>>(x, y, batch, length, channels);
        VIM_CHECK_LAUNCH("to_channel_first");
    });
}

vim_status vim_spatial_softmax(vim_stream_t stream, float* x, int batch, int length, int channels) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_spatial_softmax");
        VIM_REQUIRE(batch >= 0 && length > 0 && channels > 0, "vim_spatial_softmax: bad shape B=%d L=%d C=%d", batch, length, channels);
        if (batch == 0) return;
        VIM_REQUIRE(x != nullptr, "vim_spatial_softmax: NULL pointer");
        spatial_softmax_kernel<<<grid_for((int64_t)batch * channels, 128), 128, 0, s->stream>>>(x, batch, length, channels);
        VIM_CHECK_LAUNCH("spatial_softmax");
    });
}

}  // extern "C"
