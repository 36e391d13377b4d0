// test_vmamba.cpp — every VMamba kernel of libvimkernels (include/vim_kernels_vmamba.h) against its plain C++
// reference (reference/vmamba_reference.cpp) on fresh random inputs over several shapes, odd sizes included.
// Outputs are poisoned with NaN before each launch (in-place ops: the whole buffer is checked); element-wise
// |a − r| ≤ atol + rtol·|r|; the first mismatches (at most ten) are printed with their indices.
// Run: ctest --test-dir build -R vmamba --output-on-failure   or   build/test_vmamba [case]   (cases: see main).
#include "vim_kernels.h"
#include "vim_kernels_vmamba.h"
#include "vmamba_reference.h"

#include <algorithm>
#include <array>
#include <cstdarg>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "test_support.h"

using namespace vimtest;

namespace {

int g_failures = 0;

bool compare(const std::string& what, double atol, double rtol, const std::vector<float>& got, const std::vector<float>& want) {
    int bad = 0;
    double worst = 0;
    if (got.size() != want.size()) {
        std::printf("  FAIL %s: %zu elements, expected %zu\n", what.c_str(), got.size(), want.size());
        g_failures++;
        return false;
    }
    for (size_t i = 0; i < want.size(); i++) {
        double r = want[i], a = got[i];
        bool ok = std::fabs(a - r) <= atol + rtol * std::fabs(r);  // false for NaN (an unwritten element)
        if (!std::isnan(a)) worst = std::max(worst, std::fabs(a - r) / (atol + rtol * std::fabs(r) + 1e-30));
        if (!ok) {
            if (bad == 0) std::printf("  MISMATCH %s (atol %g, rtol %g):\n", what.c_str(), atol, rtol);
            if (bad < 10) std::printf("    [%zu] got %.9g want %.9g (|d| %.3g)\n", i, a, r, std::fabs(a - r));
            bad++;
        }
    }
    if (bad) {
        std::printf("  FAIL %s: %d of %zu elements off\n", what.c_str(), bad, want.size());
        g_failures++;
        return false;
    }
    std::printf("  ok   %s (%zu elements, worst %.2f of tolerance)\n", what.c_str(), want.size(), worst);
    return true;
}

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, f);
    std::vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    return buf;
}

// ---- cases ----------------------------------------------------------------------------------------------
void test_conv2d() {
    struct C { int b, c, h, w, o, kh, kw, stride, pad; };
    const C cases[] = {{1, 3, 16, 16, 8, 3, 3, 2, 1}, {2, 3, 17, 13, 5, 4, 4, 4, 0}, {2, 7, 9, 11, 6, 3, 3, 1, 1}, {1, 5, 8, 7, 3, 2, 2, 2, 0},
                       {3, 4, 5, 5, 9, 3, 3, 2, 1},   {1, 1, 1, 1, 1, 1, 1, 1, 0}};
    for (auto& t : cases)
        for (int cf = 0; cf <= 1; cf++)
            for (int with_bias = 0; with_bias <= 1; with_bias++) {
                int ho = (t.h + 2 * t.pad - t.kh) / t.stride + 1, wo = (t.w + 2 * t.pad - t.kw) / t.stride + 1;
                auto x = rand_vec((size_t)t.b * t.c * t.h * t.w), w = rand_vec((size_t)t.o * t.c * t.kh * t.kw), bias = rand_vec(t.o);
                std::vector<float> want((size_t)t.b * ho * wo * t.o);
                vref::conv2d(t.b, t.c, t.h, t.w, t.o, t.kh, t.kw, t.stride, t.pad, cf, x.data(), w.data(), with_bias ? bias.data() : nullptr, want.data());
                Dev dx(x), dw(w), db(bias), dy(want.size());
                dy.poison();
                vim_conv2d_params p{};
                p.size = sizeof p;
                p.batch = t.b; p.channels = t.c; p.height = t.h; p.width = t.w;
                p.out_channels = t.o; p.kernel_h = t.kh; p.kernel_w = t.kw; p.stride = t.stride; p.padding = t.pad;
                p.channel_first_input = cf; p.x = dx.p; p.weight = dw.p; p.bias = with_bias ? db.p : nullptr; p.y = dy.p;
                CHECK(vim_conv2d(S, &p));
                compare(fmt("conv2d B%d C%d %dx%d O%d k%dx%d s%d p%d %s%s", t.b, t.c, t.h, t.w, t.o, t.kh, t.kw, t.stride, t.pad, cf ? "BCHW" : "BHWC",
                            with_bias ? " bias" : ""),
                        1e-5, 1e-4, dy.down(), want);
            }
    // A bad params size is refused with a message.
    vim_conv2d_params bad{};
    bad.size = 3;
    vim_status st = vim_conv2d(S, &bad);
    if (st != VIM_ERROR_INVALID_ARGUMENT || std::strlen(vim_last_error()) == 0) { std::printf("  FAIL conv2d accepted params.size 3\n"); g_failures++; }
    else std::printf("  ok   conv2d refuses a bad params size: %s\n", vim_last_error());
}

void test_dwconv2d() {
    struct C { int b, h, w, c, ld, k; };
    const C cases[] = {{1, 8, 8, 16, 16, 3}, {2, 7, 5, 13, 29, 3}, {1, 9, 11, 6, 6, 5}, {3, 1, 4, 3, 7, 7}, {1, 14, 14, 96, 192, 3}};
    for (auto& t : cases)
        for (int with_bias = 0; with_bias <= 1; with_bias++) {
            auto x = rand_vec((size_t)t.b * t.h * t.w * t.ld), w = rand_vec((size_t)t.c * t.k * t.k), bias = rand_vec(t.c);
            std::vector<float> want((size_t)t.b * t.h * t.w * t.c);
            vref::depthwise_conv2d(t.b, t.h, t.w, t.c, t.k, x.data(), t.ld, w.data(), with_bias ? bias.data() : nullptr, want.data());
            Dev dx(x), dw(w), db(bias), dy(want.size());
            dy.poison();
            vim_depthwise_conv2d_params p{};
            p.size = sizeof p;
            p.batch = t.b; p.height = t.h; p.width = t.w; p.channels = t.c; p.kernel = t.k;
            p.x = dx.p; p.ldx = t.ld; p.weight = dw.p; p.bias = with_bias ? db.p : nullptr; p.y = dy.p;
            CHECK(vim_depthwise_conv2d(S, &p));
            compare(fmt("dwconv2d B%d %dx%d C%d ld%d k%d%s", t.b, t.h, t.w, t.c, t.ld, t.k, with_bias ? " bias" : ""), 1e-5, 1e-4, dy.down(), want);
        }
}

void test_elementwise() {
    const char* names[] = {"silu", "gelu", "relu", "sigmoid"};
    for (int kind = 0; kind < 4; kind++)
        for (int64_t n : {1, 1000, 4097}) {
            auto x = rand_vec(n, -8, 8);
            auto want = x;
            vref::activation(want.data(), n, kind);
            Dev dx(x);
            CHECK(vim_activation(S, dx.p, n, kind));
            compare(fmt("activation %s n=%lld", names[kind], (long long)n), 1e-7, 2e-6, dx.down(), want);
        }
    for (auto [rows, ld, start, width] : std::vector<std::array<int, 4>>{{1, 8, 0, 8}, {37, 29, 5, 13}, {100, 768, 384, 384}}) {
        auto x = rand_vec((size_t)rows * ld);
        std::vector<float> want((size_t)rows * width);
        vref::slice_channels(x.data(), ld, want.data(), rows, start, width);
        Dev dx(x), dy(want.size());
        dy.poison();
        CHECK(vim_slice_channels(S, dx.p, ld, dy.p, rows, start, width));
        compare(fmt("slice_channels rows%d ld%d [%d, %d)", rows, ld, start, start + width), 0, 0, dy.down(), want);
        for (int kind = -1; kind < 4; kind++) {
            auto y = rand_vec((size_t)rows * width);
            auto wantg = y;
            vref::gate(wantg.data(), x.data(), ld, rows, width, start, kind);
            Dev dg(y);
            CHECK(vim_gate(S, dg.p, dx.p, ld, rows, width, start, kind));
            compare(fmt("gate %s rows%d ld%d [%d, %d)", kind < 0 ? "identity" : names[kind], rows, ld, start, start + width), 1e-7, 2e-6, dg.down(), wantg);
        }
    }
    if (vim_activation(S, nullptr, 1, 9) != VIM_ERROR_INVALID_ARGUMENT) { std::printf("  FAIL activation accepted kind 9\n"); g_failures++; }
    else std::printf("  ok   activation refuses kind 9: %s\n", vim_last_error());
}

void test_cross_scan() {
    struct C { int b, h, w, d, n, r; int t[4]; };
    const C cases[] = {
        {1, 4, 4, 8, 16, 2, {0, 1, 2, 3}},  {2, 5, 7, 13, 16, 3, {0, 1, 2, 3}}, {1, 3, 9, 7, 1, 1, {0, 1, 2, 3}},   {2, 6, 5, 9, 5, 4, {0, 2, 1, 3}},
        {1, 7, 7, 24, 48, 2, {0, 1, 2, 3}}, {1, 1, 6, 3, 4, 1, {3, 2, 1, 0}},   {3, 8, 8, 32, 16, 6, {0, 1, 2, 3}}, {1, 4, 5, 5, 256, 2, {0, 1, 2, 3}},
    };
    for (auto& t : cases) {
        int64_t l = (int64_t)t.h * t.w, rows = t.b * l, pw = 4 * (t.r + 2 * t.n);
        auto u = rand_vec(rows * t.d), proj = rand_vec(rows * pw), delta = rand_vec(rows * 4 * t.d, -3, 1), bias = rand_vec(4 * t.d, -1, 0.5f);
        auto a = rand_vec((size_t)4 * t.d * t.n, -1.5f, -0.05f), ds = rand_vec(4 * t.d);
        std::vector<float> want(rows * t.d);
        vref::cross_scan(t.b, t.h, t.w, t.d, t.n, t.r, t.t, u.data(), proj.data(), delta.data(), bias.data(), a.data(), ds.data(), want.data());
        Dev du(u), dp(proj), dd(delta), dbias(bias), da(a), dds(ds), dout(want.size());
        dout.poison();
        vim_cross_scan_params p{};
        p.size = sizeof p;
        p.batch = t.b; p.height = t.h; p.width = t.w; p.channels = t.d; p.state = t.n; p.dt_rank = t.r;
        for (int k = 0; k < 4; k++) p.traversals[k] = t.t[k];
        p.u = du.p; p.proj = dp.p; p.delta_raw = dd.p; p.dt_bias = dbias.p; p.a = da.p; p.d_skip = dds.p; p.out = dout.p;
        CHECK(vim_cross_scan(S, &p));
        compare(fmt("cross_scan B%d %dx%d D%d N%d R%d t%d%d%d%d", t.b, t.h, t.w, t.d, t.n, t.r, t.t[0], t.t[1], t.t[2], t.t[3]), 2e-5, 2e-4, dout.down(), want);
    }
    vim_cross_scan_params p{};
    p.size = sizeof p;
    p.batch = 1; p.height = 2; p.width = 2; p.channels = 1; p.state = 300; p.dt_rank = 1;
    if (vim_cross_scan(S, &p) != VIM_ERROR_UNSUPPORTED) { std::printf("  FAIL cross_scan accepted state 300\n"); g_failures++; }
    else std::printf("  ok   cross_scan refuses state 300: %s\n", vim_last_error());
}

void test_maps() {
    struct C { int b, h, w, c; };
    const C cases[] = {{1, 4, 4, 8}, {2, 5, 7, 3}, {1, 1, 1, 5}, {3, 7, 6, 17}, {2, 56, 56, 96}};
    for (auto& t : cases) {
        int64_t l = (int64_t)t.h * t.w, n = t.b * l * t.c;
        auto x = rand_vec(n, -4, 4);
        {
            int ho = (t.h + 1) / 2, wo = (t.w + 1) / 2;
            std::vector<float> want((size_t)t.b * ho * wo * 4 * t.c);
            vref::patch_merge(x.data(), want.data(), t.b, t.h, t.w, t.c);
            Dev dx(x), dy(want.size());
            dy.poison();
            CHECK(vim_patch_merge(S, dx.p, dy.p, t.b, t.h, t.w, t.c));
            compare(fmt("patch_merge B%d %dx%d C%d", t.b, t.h, t.w, t.c), 0, 0, dy.down(), want);
        }
        {
            auto pos = rand_vec(l * t.c);
            auto want = x;
            vref::add_channel_first(want.data(), pos.data(), t.b, t.h, t.w, t.c);
            Dev dx(x), dpos(pos);
            CHECK(vim_add_channel_first(S, dx.p, dpos.p, t.b, t.h, t.w, t.c));
            compare(fmt("add_channel_first B%d %dx%d C%d", t.b, t.h, t.w, t.c), 0, 0, dx.down(), want);
        }
        {
            std::vector<float> want(n);
            vref::to_channel_first(x.data(), want.data(), t.b, l, t.c);
            Dev dx(x), dy(n);
            dy.poison();
            CHECK(vim_to_channel_first(S, dx.p, dy.p, t.b, (int)l, t.c));
            compare(fmt("to_channel_first B%d L%lld C%d", t.b, (long long)l, t.c), 0, 0, dy.down(), want);
        }
        {
            auto want = x;
            vref::spatial_softmax(want.data(), t.b, l, t.c);
            Dev dx(x);
            CHECK(vim_spatial_softmax(S, dx.p, t.b, (int)l, t.c));
            compare(fmt("spatial_softmax B%d L%lld C%d", t.b, (long long)l, t.c), 1e-9, 5e-6, dx.down(), want);
        }
        {
            // MeanOverPositions goes through the existing vim_pool(MEAN) on (B, L, C): checked here on map shapes.
            std::vector<float> want((size_t)t.b * t.c);
            for (int b = 0; b < t.b; b++)
                for (int ch = 0; ch < t.c; ch++) {
                    double s = 0;
                    for (int64_t p = 0; p < l; p++) s += x[((size_t)b * l + p) * t.c + ch];
                    want[(size_t)b * t.c + ch] = (float)(s / l);
                }
            Dev dx(x), dy(want.size());
            dy.poison();
            CHECK(vim_pool(S, VIM_POOL_MEAN, dx.p, dy.p, t.b, (int)l, t.c, 0, 0));
            compare(fmt("mean_over_positions B%d L%lld C%d", t.b, (long long)l, t.c), 1e-7, 1e-6, dy.down(), want);
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    int count = 0;
    if (vim_device_count(&count) != VIM_SUCCESS) {
        std::printf("no CUDA device: %s\n", vim_last_error());
        return 1;
    }
    rng.seed(4321);
    CHECK(vim_stream_create(0, &S));
    const std::pair<const char*, std::function<void()>> cases[] = {
        {"conv2d", test_conv2d}, {"dwconv2d", test_dwconv2d}, {"elementwise", test_elementwise}, {"cross_scan", test_cross_scan}, {"maps", test_maps},
    };
    bool any = false;
    for (auto& [name, fn] : cases) {
        if (argc > 1 && std::strcmp(argv[1], name) != 0) continue;
        any = true;
        std::printf("[%s]\n", name);
        fn();
        CHECK(vim_stream_synchronize(S));
    }
    if (!any) { std::printf("unknown case %s\n", argv[1]); return 1; }
    CHECK(vim_stream_destroy(S));
    std::printf(g_failures ? "FAILED: %d comparison(s)\n" : "all passed\n", g_failures);
    return g_failures ? 1 : 0;
}
