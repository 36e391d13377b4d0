// test_support.h — what every native kernel test shares: the stream, the seeded generator, a status check
// that stops the test with vim_last_error(), random inputs, and a device buffer that uploads, poisons with NaN
// and downloads. Each test seeds `rng` at the start of main so its inputs stay its own.
#pragma once

#include "vim_kernels.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <vector>

namespace vimtest {

inline vim_stream_t S = nullptr;
inline std::mt19937 rng;

#define CHECK(call)                                                                                          \
    do {                                                                                                     \
        vim_status st_ = (call);                                                                             \
        if (st_ != VIM_SUCCESS) {                                                                            \
            std::printf("FAIL %s:%d %s -> %s: %s\n", __FILE__, __LINE__, #call, vim_status_string(st_), vim_last_error()); \
            std::exit(2);                                                                                    \
        }                                                                                                    \
    } while (0)

inline std::vector<float> rand_vec(size_t n, float lo = -1, float hi = 1) {
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

struct Dev {
    float* p = nullptr;
    size_t n = 0;
    explicit Dev(size_t count) : n(count) { CHECK(vim_alloc(S, std::max<size_t>(count, 1) * sizeof(float), (void**)&p)); }
    explicit Dev(const std::vector<float>& v) : Dev(v.size()) { up(v); }
    ~Dev() { vim_free(S, p); }
    Dev(const Dev&) = delete;
    void up(const std::vector<float>& v) { CHECK(vim_upload(S, p, v.data(), v.size() * sizeof(float))); }
    void poison() { CHECK(vim_fill(S, p, (int64_t)n, std::numeric_limits<float>::quiet_NaN())); }
    std::vector<float> down() const {
        std::vector<float> v(n);
        CHECK(vim_download(S, v.data(), p, n * sizeof(float)));
        return v;
    }
};

}  // namespace vimtest
