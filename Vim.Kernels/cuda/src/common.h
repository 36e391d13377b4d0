// common.h — internal helpers of libvimkernels: the stream object, error recording, the boundary guard.
// Every exported function body runs inside vim_guard(), which turns C++ exceptions into a vim_status and
// records the message for vim_last_error(); nothing throws across the C ABI.
#pragma once
#include "vim_kernels.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace vim {

struct Error : std::runtime_error {
    vim_status status;
    Error(vim_status s, const std::string& message) : std::runtime_error(message), status(s) {}
};

// host.cpp (plain C++: nvcc 11.8's front end cannot parse libstdc++ 12's <map>, so containers live there).
void set_last_error(const std::string& message);
const char* last_error();
std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

[[noreturn]] inline void fail(vim_status s, const std::string& message) { throw Error(s, message); }

inline void check_cuda(cudaError_t e, const char* what) {
    if (e == cudaSuccess) return;
    cudaGetLastError();  // clear a non-sticky error
    vim_status s = VIM_ERROR_CUDA;
    if (e == cudaErrorMemoryAllocation) s = VIM_ERROR_OUT_OF_MEMORY;
    if (e == cudaErrorNoDevice || e == cudaErrorInsufficientDriver || e == cudaErrorInvalidDevice) s = VIM_ERROR_NO_DEVICE;
    fail(s, format("%s: %s (%s)", what, cudaGetErrorString(e), cudaGetErrorName(e)));
}

const char* cublas_status_name(cublasStatus_t s);

inline void check_cublas(cublasStatus_t s, const char* what) {
    if (s != CUBLAS_STATUS_SUCCESS) fail(VIM_ERROR_CUBLAS, format("%s: cuBLAS error %s (%d)", what, cublas_status_name(s), (int)s));
}

#define VIM_REQUIRE(cond, ...) \
    do { if (!(cond)) ::vim::fail(VIM_ERROR_INVALID_ARGUMENT, ::vim::format(__VA_ARGS__)); } while (0)

// After a launch: reports configuration errors at once (execution errors surface at the next sync).
#define VIM_CHECK_LAUNCH(name) ::vim::check_cuda(cudaGetLastError(), name)

template <typename P>
void check_params(const P* p, const char* name) {
    VIM_REQUIRE(p != nullptr, "%s: params is NULL", name);
    VIM_REQUIRE(p->size == sizeof(P), "%s: params.size is %zu but this library expects %zu (ABI mismatch between header and library)", name, (size_t)p->size, sizeof(P));
}

// The caching allocator: free blocks are kept per rounded size and handed out again on the same stream.
class Allocator {
public:
    explicit Allocator(int device);
    ~Allocator();
    Allocator(const Allocator&) = delete;
    Allocator& operator=(const Allocator&) = delete;
    void* allocate(size_t bytes);
    void release(void* ptr);
    void empty_cache();
    vim_memory_stats stats();
    static size_t round_size(size_t bytes);

private:
    struct Impl;
    Impl* impl_;
};

}  // namespace vim

struct vim_stream {
    int device = 0;
    cudaStream_t stream = nullptr;
    cublasHandle_t cublas = nullptr;
    vim::Allocator* allocator = nullptr;
};

namespace vim {

// Runs f, mapping every exception to a status and recording the message.
template <typename F>
vim_status guard(F&& f) {
    try {
        f();
        set_last_error("");
        return VIM_SUCCESS;
    } catch (const Error& e) {
        set_last_error(e.what());
        return e.status;
    } catch (const std::bad_alloc&) {
        set_last_error("host memory exhausted");
        return VIM_ERROR_INTERNAL;
    } catch (const std::exception& e) {
        set_last_error(std::string("internal error: ") + e.what());
        return VIM_ERROR_INTERNAL;
    } catch (...) {
        set_last_error("internal error: unknown exception");
        return VIM_ERROR_INTERNAL;
    }
}

inline vim_stream* check_stream(vim_stream_t s, const char* name) {
    VIM_REQUIRE(s != nullptr, "%s: stream is NULL", name);
    check_cuda(cudaSetDevice(s->device), "cudaSetDevice");
    return s;
}

// A device buffer from the stream's allocator, released at scope exit (stream-ordered reuse is safe).
struct ScratchBuffer {
    vim_stream* s;
    void* ptr;
    ScratchBuffer(vim_stream* stream, size_t bytes) : s(stream), ptr(stream->allocator->allocate(bytes)) {}
    ~ScratchBuffer() { s->allocator->release(ptr); }
    ScratchBuffer(const ScratchBuffer&) = delete;
    ScratchBuffer& operator=(const ScratchBuffer&) = delete;
};

// Internal launchers (kernels in their own .cu files).
void launch_linear(vim_stream* s, const vim_linear_params& p);
void launch_add_bias_rows(cudaStream_t st, float* y, int64_t ldy, const float* bias, int64_t m, int64_t n);

inline unsigned grid_for(int64_t count, int block) {
    int64_t g = (count + block - 1) / block;
    if (g > 65535LL * 32) g = 65535LL * 32;  // grid-stride loops cover the rest
    return (unsigned)(g < 1 ? 1 : g);
}

}  // namespace vim
