// host.cpp — host-only parts of libvimkernels: the thread-local last error, message formatting, and the
// caching device allocator (free blocks kept per rounded size; stream-ordered reuse on the owning stream).
// Plain C++ on purpose: nvcc 11.8's front end cannot parse libstdc++ 12's <map>.
#include "common.h"

#include <cstdarg>
#include <cstdio>
#include <map>
#include <mutex>
#include <unordered_map>

namespace vim {

static thread_local std::string g_last_error;
void set_last_error(const std::string& message) { g_last_error = message; }
const char* last_error() { return g_last_error.c_str(); }

std::string format(const char* fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return std::string(buf);
}

const char* cublas_status_name(cublasStatus_t s) {
    switch (s) {
        case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
        case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
        case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
        case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
        case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
        case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
        case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
        case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
        case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
        default: return "CUBLAS_STATUS_UNKNOWN";
    }
}

struct Allocator::Impl {
    std::mutex mu;
    int device = 0;
    std::multimap<size_t, void*> free_blocks;       // rounded size → cached block
    std::unordered_map<void*, size_t> live;         // handed-out block → rounded size
    size_t in_use = 0, cached = 0, peak = 0, allocations = 0, mallocs = 0;

    void empty_locked() {
        for (auto& kv : free_blocks) cudaFree(kv.second);
        free_blocks.clear();
        cached = 0;
    }
};

Allocator::Allocator(int device) : impl_(new Impl()) { impl_->device = device; }
Allocator::~Allocator() {
    empty_cache();
    delete impl_;
}

size_t Allocator::round_size(size_t bytes) {
    if (bytes == 0) bytes = 1;
    if (bytes <= (size_t(1) << 20)) return (bytes + 511) & ~size_t(511);  // 512 B steps up to 1 MiB
    // Above: four size classes per power of two (≤ 25 % slack), 2 MiB aligned.
    size_t p = 1;
    while (p * 2 <= bytes) p *= 2;
    size_t step = p / 4;
    size_t r = (bytes + step - 1) / step * step;
    const size_t two_mib = size_t(2) << 20;
    return (r + two_mib - 1) & ~(two_mib - 1);
}

void* Allocator::allocate(size_t bytes) {
    VIM_REQUIRE(bytes <= (size_t(1) << 60), "vim_alloc: %zu bytes is not a sensible size", bytes);
    Impl& m = *impl_;
    size_t size = round_size(bytes);
    std::lock_guard<std::mutex> lock(m.mu);
    m.allocations++;
    void* ptr = nullptr;
    auto it = m.free_blocks.find(size);
    if (it != m.free_blocks.end()) {
        ptr = it->second;
        m.free_blocks.erase(it);
        m.cached -= size;
    } else {
        cudaError_t e = cudaMalloc(&ptr, size);
        if (e == cudaErrorMemoryAllocation) {
            cudaGetLastError();
            m.empty_locked();
            e = cudaMalloc(&ptr, size);
        }
        if (e == cudaErrorMemoryAllocation) {
            cudaGetLastError();
            size_t free_b = 0, total_b = 0;
            cudaMemGetInfo(&free_b, &total_b);
            fail(VIM_ERROR_OUT_OF_MEMORY,
                 format("CUDA out of memory: tried to allocate %.2f MiB on device %d (%.2f MiB free of %.2f MiB; %.2f MiB in use by this library)",
                        size / 1048576.0, m.device, free_b / 1048576.0, total_b / 1048576.0, m.in_use / 1048576.0));
        }
        check_cuda(e, "cudaMalloc");
        m.mallocs++;
    }
    m.live[ptr] = size;
    m.in_use += size;
    if (m.in_use > m.peak) m.peak = m.in_use;
    return ptr;
}

void Allocator::release(void* ptr) {
    if (ptr == nullptr) return;
    Impl& m = *impl_;
    std::lock_guard<std::mutex> lock(m.mu);
    auto it = m.live.find(ptr);
    VIM_REQUIRE(it != m.live.end(), "vim_free: %p was not allocated by this stream (or was freed twice)", ptr);
    size_t size = it->second;
    m.live.erase(it);
    m.in_use -= size;
    m.free_blocks.emplace(size, ptr);
    m.cached += size;
}

void Allocator::empty_cache() {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->empty_locked();
}

vim_memory_stats Allocator::stats() {
    Impl& m = *impl_;
    std::lock_guard<std::mutex> lock(m.mu);
    vim_memory_stats s{};
    s.size = sizeof(vim_memory_stats);
    s.bytes_in_use = m.in_use;
    s.bytes_cached = m.cached;
    s.peak_bytes_in_use = m.peak;
    s.allocations = m.allocations;
    s.cuda_mallocs = m.mallocs;
    return s;
}

}  // namespace vim
