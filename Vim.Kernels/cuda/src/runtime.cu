// runtime.cu — errors, device queries, streams, the caching allocator, copies, fill, and the SGEMM
// (vim_linear) and patch embedding (im2col + SGEMM) entry points of libvimkernels.
// Build: cmake -S Vim.Kernels/cuda -B build && cmake --build build; test: ctest --test-dir build.
#include "common.h"

#include <cstring>

namespace vim {

// ---- small kernels --------------------------------------------------------------------------------
__global__ void fill_kernel(float* x, int64_t n, float v) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) x[i] = v;
}

__global__ void add_bias_rows_kernel(float* y, int64_t ldy, const float* __restrict__ bias, int64_t m, int64_t n) {
    int64_t total = m * n;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
        int64_t r = i / n, c = i % n;
        y[r * ldy + c] += bias[c];
    }
}

void launch_add_bias_rows(cudaStream_t st, float* y, int64_t ldy, const float* bias, int64_t m, int64_t n) {
    if (m * n == 0) return;
    add_bias_rows_kernel<<<grid_for(m * n, 256), 256, 0, st>>>(y, ldy, bias, m, n);
    VIM_CHECK_LAUNCH("add_bias_rows");
}

// im2col for a stride-s, padding-0 conv: row (b, gy, gx) holds C·ph·pw values in the weight's (c, kh, kw) order.
__global__ void im2col_kernel(const float* __restrict__ img, float* __restrict__ cols, int batch, int c, int h, int w,
                              int ph, int pw, int stride, int gh, int gw) {
    int64_t kk = (int64_t)c * ph * pw;
    int64_t total = (int64_t)batch * gh * gw * kk;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
        int64_t row = i / kk;
        int col = (int)(i % kk);
        int ci = col / (ph * pw), rem = col % (ph * pw), ky = rem / pw, kx = rem % pw;
        int gx = (int)(row % gw);
        int64_t t = row / gw;
        int gy = (int)(t % gh);
        int64_t b = t / gh;
        cols[i] = img[((b * c + ci) * h + (int64_t)gy * stride + ky) * w + (int64_t)gx * stride + kx];
    }
}

void launch_linear(vim_stream* s, const vim_linear_params& p) {
    VIM_REQUIRE(p.m >= 0 && p.n >= 0 && p.k >= 0, "vim_linear: negative size (m=%lld, n=%lld, k=%lld)", (long long)p.m, (long long)p.n, (long long)p.k);
    if (p.m == 0 || p.n == 0) return;
    VIM_REQUIRE(p.x && p.w && p.y, "vim_linear: x, w and y must be non-NULL");
    VIM_REQUIRE(p.ldx >= p.k && p.ldw >= p.k && p.ldy >= p.n, "vim_linear: strides too small (ldx=%lld, ldw=%lld ≥ k=%lld; ldy=%lld ≥ n=%lld)",
                (long long)p.ldx, (long long)p.ldw, (long long)p.k, (long long)p.ldy, (long long)p.n);
    VIM_REQUIRE(p.m <= INT32_MAX && p.n <= INT32_MAX && p.k <= INT32_MAX, "vim_linear: sizes above 2^31 are not supported");
    // Row-major y = x·wᵀ is column-major yᵀ = w·xᵀ: cuBLAS C (n × m, ldy) = op(A = w as col-major k × n)ᵀ · (B = x as col-major k × m).
    float alpha = 1.0f, beta = p.accumulate ? 1.0f : 0.0f;
    if (p.k == 0) {
        if (!p.accumulate) fill_kernel<<<grid_for(p.m * p.ldy, 256), 256, 0, s->stream>>>(p.y, p.m * p.ldy, 0.0f);
    } else {
        check_cublas(cublasSgemm(s->cublas, CUBLAS_OP_T, CUBLAS_OP_N, (int)p.n, (int)p.m, (int)p.k, &alpha, p.w, (int)p.ldw, p.x, (int)p.ldx,
                                 &beta, p.y, (int)p.ldy),
                     "cublasSgemm");
    }
    if (p.bias) launch_add_bias_rows(s->stream, p.y, p.ldy, p.bias, p.m, p.n);
}

}  // namespace vim

using namespace vim;

extern "C" {

const char* vim_status_string(vim_status status) {
    switch (status) {
        case VIM_SUCCESS: return "success";
        case VIM_ERROR_INVALID_ARGUMENT: return "invalid argument";
        case VIM_ERROR_NO_DEVICE: return "no CUDA device";
        case VIM_ERROR_OUT_OF_MEMORY: return "out of device memory";
        case VIM_ERROR_CUDA: return "CUDA error";
        case VIM_ERROR_CUBLAS: return "cuBLAS error";
        case VIM_ERROR_UNSUPPORTED: return "unsupported";
        case VIM_ERROR_INTERNAL: return "internal error";
        default: return "unknown status";
    }
}

const char* vim_last_error(void) { return vim::last_error(); }

int vim_abi_version(void) { return VIM_ABI_VERSION; }

vim_status vim_device_count(int* count) {
    return guard([&] {
        VIM_REQUIRE(count != nullptr, "vim_device_count: count is NULL");
        *count = 0;
        int n = 0;
        cudaError_t e = cudaGetDeviceCount(&n);
        if (e != cudaSuccess) {
            cudaGetLastError();
            fail(VIM_ERROR_NO_DEVICE, format("no usable CUDA device: %s (%s)", cudaGetErrorString(e), cudaGetErrorName(e)));
        }
        if (n == 0) fail(VIM_ERROR_NO_DEVICE, "no CUDA device: cudaGetDeviceCount reported 0 devices");
        *count = n;
    });
}

static void check_device_index(int device) {
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        cudaGetLastError();
        fail(VIM_ERROR_NO_DEVICE, format("no usable CUDA device: %s", cudaGetErrorString(e)));
    }
    if (device < 0 || device >= n) fail(VIM_ERROR_NO_DEVICE, format("CUDA device %d does not exist (%d device(s) present)", device, n));
}

vim_status vim_device_name(int device, char* buf, size_t capacity) {
    return guard([&] {
        VIM_REQUIRE(buf != nullptr && capacity > 0, "vim_device_name: empty buffer");
        check_device_index(device);
        cudaDeviceProp prop;
        check_cuda(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
        std::strncpy(buf, prop.name, capacity - 1);
        buf[capacity - 1] = 0;
    });
}

vim_status vim_device_memory(int device, size_t* free_bytes, size_t* total_bytes) {
    return guard([&] {
        VIM_REQUIRE(free_bytes && total_bytes, "vim_device_memory: NULL output");
        check_device_index(device);
        check_cuda(cudaSetDevice(device), "cudaSetDevice");
        check_cuda(cudaMemGetInfo(free_bytes, total_bytes), "cudaMemGetInfo");
    });
}

vim_status vim_stream_create(int device, vim_stream_t* out) {
    return guard([&] {
        VIM_REQUIRE(out != nullptr, "vim_stream_create: out is NULL");
        *out = nullptr;
        check_device_index(device);
        check_cuda(cudaSetDevice(device), "cudaSetDevice");
        auto* s = new vim_stream();
        s->device = device;
        try {
            check_cuda(cudaStreamCreateWithFlags(&s->stream, cudaStreamNonBlocking), "cudaStreamCreate");
            check_cublas(cublasCreate(&s->cublas), "cublasCreate");
            check_cublas(cublasSetStream(s->cublas, s->stream), "cublasSetStream");
            // Strict fp32: no TF32 tensor-core math (design.md: the GPU fp32 path runs with TF32 off).
            check_cublas(cublasSetMathMode(s->cublas, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
            s->allocator = new Allocator(device);
        } catch (...) {
            if (s->cublas) cublasDestroy(s->cublas);
            if (s->stream) cudaStreamDestroy(s->stream);
            delete s;
            throw;
        }
        *out = s;
    });
}

vim_status vim_stream_destroy(vim_stream_t stream) {
    return guard([&] {
        if (!stream) return;
        cudaSetDevice(stream->device);
        cudaStreamSynchronize(stream->stream);
        if (stream->allocator) {
            stream->allocator->empty_cache();
            delete stream->allocator;
        }
        cublasDestroy(stream->cublas);
        cudaStreamDestroy(stream->stream);
        delete stream;
    });
}

vim_status vim_stream_synchronize(vim_stream_t stream) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_stream_synchronize");
        check_cuda(cudaStreamSynchronize(s->stream), "kernel execution (reported at cudaStreamSynchronize)");
    });
}

vim_status vim_alloc(vim_stream_t stream, size_t bytes, void** ptr) {
    return guard([&] {
        VIM_REQUIRE(ptr != nullptr, "vim_alloc: ptr is NULL");
        *ptr = nullptr;
        auto* s = check_stream(stream, "vim_alloc");
        *ptr = s->allocator->allocate(bytes);
    });
}

vim_status vim_free(vim_stream_t stream, void* ptr) {
    return guard([&] {
        VIM_REQUIRE(stream != nullptr, "vim_free: stream is NULL");
        stream->allocator->release(ptr);
    });
}

vim_status vim_empty_cache(vim_stream_t stream) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_empty_cache");
        check_cuda(cudaStreamSynchronize(s->stream), "cudaStreamSynchronize");
        s->allocator->empty_cache();
    });
}

vim_status vim_memory_get_stats(vim_stream_t stream, vim_memory_stats* stats) {
    return guard([&] {
        VIM_REQUIRE(stream != nullptr, "vim_memory_get_stats: stream is NULL");
        check_params(stats, "vim_memory_get_stats");
        *stats = stream->allocator->stats();
    });
}

vim_status vim_upload(vim_stream_t stream, void* dst, const void* src, size_t bytes) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_upload");
        if (bytes == 0) return;
        VIM_REQUIRE(dst && src, "vim_upload: NULL pointer");
        check_cuda(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, s->stream), "cudaMemcpyAsync (upload)");
        check_cuda(cudaStreamSynchronize(s->stream), "upload (reported at cudaStreamSynchronize)");
    });
}

vim_status vim_download(vim_stream_t stream, void* dst, const void* src, size_t bytes) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_download");
        if (bytes == 0) return;
        VIM_REQUIRE(dst && src, "vim_download: NULL pointer");
        check_cuda(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, s->stream), "cudaMemcpyAsync (download)");
        check_cuda(cudaStreamSynchronize(s->stream), "kernel execution or download (reported at cudaStreamSynchronize)");
    });
}

vim_status vim_copy(vim_stream_t stream, void* dst, const void* src, size_t bytes) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_copy");
        if (bytes == 0) return;
        VIM_REQUIRE(dst && src, "vim_copy: NULL pointer");
        check_cuda(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, s->stream), "cudaMemcpyAsync (device to device)");
    });
}

vim_status vim_fill(vim_stream_t stream, float* x, int64_t count, float value) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_fill");
        VIM_REQUIRE(count >= 0, "vim_fill: negative count");
        if (count == 0) return;
        VIM_REQUIRE(x != nullptr, "vim_fill: x is NULL");
        fill_kernel<<<grid_for(count, 256), 256, 0, s->stream>>>(x, count, value);
        VIM_CHECK_LAUNCH("fill");
    });
}

vim_status vim_linear(vim_stream_t stream, const vim_linear_params* p) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_linear");
        check_params(p, "vim_linear");
        launch_linear(s, *p);
    });
}

vim_status vim_patch_embed(vim_stream_t stream, const vim_patch_embed_params* p) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_patch_embed");
        check_params(p, "vim_patch_embed");
        VIM_REQUIRE(p->batch >= 0 && p->channels > 0 && p->dim > 0 && p->patch_h > 0 && p->patch_w > 0 && p->stride > 0,
                    "vim_patch_embed: bad sizes (B=%d C=%d D=%d ph=%d pw=%d stride=%d)", p->batch, p->channels, p->dim, p->patch_h, p->patch_w, p->stride);
        VIM_REQUIRE(p->height >= p->patch_h && p->width >= p->patch_w, "vim_patch_embed: image %dx%d smaller than the patch %dx%d", p->height, p->width, p->patch_h, p->patch_w);
        VIM_REQUIRE(p->images && p->weight && p->y, "vim_patch_embed: NULL pointer");
        int gh = (p->height - p->patch_h) / p->stride + 1, gw = (p->width - p->patch_w) / p->stride + 1;
        int64_t rows = (int64_t)p->batch * gh * gw, kk = (int64_t)p->channels * p->patch_h * p->patch_w;
        if (rows == 0) return;
        ScratchBuffer cols(s, (size_t)(rows * kk) * sizeof(float));
        im2col_kernel<<<grid_for(rows * kk, 256), 256, 0, s->stream>>>(p->images, (float*)cols.ptr, p->batch, p->channels, p->height, p->width,
                                                                        p->patch_h, p->patch_w, p->stride, gh, gw);
        VIM_CHECK_LAUNCH("im2col");
        vim_linear_params lp{};
        lp.size = sizeof lp;
        lp.m = rows; lp.n = p->dim; lp.k = kk;
        lp.x = (const float*)cols.ptr; lp.ldx = kk;
        lp.w = p->weight; lp.ldw = kk;
        lp.bias = p->bias;
        lp.y = p->y; lp.ldy = p->dim;
        launch_linear(s, lp);
    });
}

}  // extern "C"
