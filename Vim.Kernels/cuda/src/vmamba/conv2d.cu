// vmamba/conv2d.cu — VMamba's convolutions (include/vim_kernels_vmamba.h):
//   vim_conv2d            dense Conv2d (stems, conv downsamples): im2col per chunk of images + cuBLAS SGEMM (strict fp32)
//   vim_depthwise_conv2d  SS2D's depthwise conv on channel-last maps, one thread per output element
// CPU semantics: Vim.Kernels/Cpu/VMamba/Conv2d.cs, DepthwiseConv2d.cs. Test: tests/test_vmamba (conv2d, dwconv2d).
#include "common.h"
#include "vim_kernels_vmamba.h"

namespace vim {
namespace {

#define VIM_VM_LOOP(i, n) for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (n); i += (int64_t)gridDim.x * blockDim.x)

// cols[(img·Ho·Wo + pixel)·K + (c·kh + ky)·kw + kx] for `images` images starting at x0.
__global__ void conv2d_im2col_kernel(const float* __restrict__ x0, float* __restrict__ cols, int images, int channels, int height, int width,
                                     int kh, int kw, int stride, int padding, int ho, int wo, int64_t sc, int64_t sy, int64_t sx) {
    int64_t kk = (int64_t)channels * kh * kw;
    int64_t pixels = (int64_t)ho * wo;
    int64_t total = images * pixels * kk;
    int64_t plane = (int64_t)channels * height * width;
    VIM_VM_LOOP(i, total) {
        int64_t col = i % kk;
        int64_t row = i / kk;
        int64_t img = row / pixels;
        int pixel = (int)(row % pixels);
        int oy = pixel / wo, ox = pixel % wo;
        int kx = (int)(col % kw);
        int ky = (int)((col / kw) % kh);
        int c = (int)(col / ((int64_t)kw * kh));
        int y = oy * stride - padding + ky, xx = ox * stride - padding + kx;
        cols[i] = ((unsigned)y < (unsigned)height && (unsigned)xx < (unsigned)width) ? x0[img * plane + c * sc + y * sy + xx * sx] : 0.0f;
    }
}

__global__ void depthwise_conv2d_kernel(const float* __restrict__ x, int64_t ldx, const float* __restrict__ w, const float* __restrict__ bias,
                                        float* __restrict__ y, int batch, int height, int width, int channels, int k) {
    int64_t total = (int64_t)batch * height * width * channels;
    int pad = (k - 1) / 2;
    VIM_VM_LOOP(i, total) {
        int c = (int)(i % channels);
        int64_t pix = i / channels;
        int px = (int)(pix % width);
        int64_t r = pix / width;
        int py = (int)(r % height);
        int64_t b = r / height;
        float acc = bias ? bias[c] : 0.0f;
        const float* wc = w + (int64_t)c * k * k;
        for (int ky = 0; ky < k; ky++) {
            int yy = py + ky - pad;
            if ((unsigned)yy >= (unsigned)height) continue;
            for (int kx = 0; kx < k; kx++) {
                int xx = px + kx - pad;
                if ((unsigned)xx >= (unsigned)width) continue;
                acc += x[((b * height + yy) * width + xx) * ldx + c] * wc[ky * k + kx];
            }
        }
        y[i] = acc;
    }
}

}  // namespace
}  // namespace vim

using namespace vim;

extern "C" {

vim_status vim_conv2d(vim_stream_t stream, const vim_conv2d_params* p) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_conv2d");
        check_params(p, "vim_conv2d");
        VIM_REQUIRE(p->batch >= 0 && p->channels > 0 && p->height > 0 && p->width > 0 && p->out_channels > 0 && p->kernel_h > 0 && p->kernel_w > 0 &&
                        p->stride > 0 && p->padding >= 0,
                    "vim_conv2d: bad sizes (B=%d C=%d H=%d W=%d O=%d kh=%d kw=%d stride=%d padding=%d)", p->batch, p->channels, p->height, p->width,
                    p->out_channels, p->kernel_h, p->kernel_w, p->stride, p->padding);
        int ho = (p->height + 2 * p->padding - p->kernel_h) / p->stride + 1;
        int wo = (p->width + 2 * p->padding - p->kernel_w) / p->stride + 1;
        VIM_REQUIRE(p->height + 2 * p->padding >= p->kernel_h && p->width + 2 * p->padding >= p->kernel_w && ho > 0 && wo > 0,
                    "vim_conv2d: input %dx%d is too small for kernel %dx%d with padding %d", p->height, p->width, p->kernel_h, p->kernel_w, p->padding);
        if (p->batch == 0) return;
        VIM_REQUIRE(p->x && p->weight && p->y, "vim_conv2d: NULL pointer");
        int64_t kk = (int64_t)p->channels * p->kernel_h * p->kernel_w;
        int64_t pixels = (int64_t)ho * wo;
        int64_t sc = p->channel_first_input ? (int64_t)p->height * p->width : 1;
        int64_t sy = p->channel_first_input ? p->width : (int64_t)p->width * p->channels;
        int64_t sx = p->channel_first_input ? 1 : p->channels;
        // Images per chunk: the column buffer stays under 64 Mi floats (at least one image).
        int64_t per_image = pixels * kk;
        int64_t chunk = per_image > 0 ? (int64_t(1) << 26) / per_image : p->batch;
        if (chunk < 1) chunk = 1;
        if (chunk > p->batch) chunk = p->batch;
        ScratchBuffer cols(s, (size_t)(chunk * per_image) * sizeof(float));
        int64_t plane = (int64_t)p->channels * p->height * p->width;
        for (int64_t b0 = 0; b0 < p->batch; b0 += chunk) {
            int images = (int)(p->batch - b0 < chunk ? p->batch - b0 : chunk);
            int64_t total = images * per_image;
            conv2d_im2col_kernel<<<grid_for(total, 256), 256, 0, s->stream>>>(p->x + b0 * plane, (float*)cols.ptr, images, p->channels, p->height, p->width,
                                                                               p->kernel_h, p->kernel_w, p->stride, p->padding, ho, wo, sc, sy, sx);
            VIM_CHECK_LAUNCH("conv2d_im2col");
            vim_linear_params lp{};
            lp.size = sizeof lp;
            lp.m = images * pixels; lp.n = p->out_channels; lp.k = kk;
            lp.x = (const float*)cols.ptr; lp.ldx = kk;
            lp.w = p->weight; lp.ldw = kk;
            lp.bias = p->bias;
            lp.y = p->y + b0 * pixels * p->out_channels; lp.ldy = p->out_channels;
            launch_linear(s, lp);
        }
    });
}

vim_status vim_depthwise_conv2d(vim_stream_t stream, const vim_depthwise_conv2d_params* p) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_depthwise_conv2d");
        check_params(p, "vim_depthwise_conv2d");
        VIM_REQUIRE(p->batch >= 0 && p->height > 0 && p->width > 0 && p->channels > 0 && p->kernel > 0,
                    "vim_depthwise_conv2d: bad sizes (B=%d H=%d W=%d C=%d k=%d)", p->batch, p->height, p->width, p->channels, p->kernel);
        VIM_REQUIRE(p->ldx >= p->channels, "vim_depthwise_conv2d: ldx=%lld is below C=%d", (long long)p->ldx, p->channels);
        int64_t total = (int64_t)p->batch * p->height * p->width * p->channels;
        if (total == 0) return;
        VIM_REQUIRE(p->x && p->weight && p->y, "vim_depthwise_conv2d: NULL pointer");
        depthwise_conv2d_kernel<<<grid_for(total, 256), 256, 0, s->stream>>>(p->x, p->ldx, p->weight, p->bias, p->y, p->batch, p->height, p->width,
                                                                             p->channels, p->kernel);
        VIM_CHECK_LAUNCH("depthwise_conv2d");
    });
}

}  // extern "C"
