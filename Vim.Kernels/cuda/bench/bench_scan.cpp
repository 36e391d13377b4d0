// bench_scan.cpp — times the selective scan at Vim-tiny's shape: B=128, E=384, L=197, N=16, R=12, with z
// (one direction; and both directions in one launch), plus the SGEMMs of one Mamba block for scale.
// Validates the timed output against the C++ reference first. Run: build/bench_scan [batch]
#include "reference.h"
#include "vim_kernels.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#define CHECK(call)                                                                                 \
    do {                                                                                            \
        vim_status st_ = (call);                                                                    \
        if (st_ != VIM_SUCCESS) {                                                                   \
            std::printf("FAIL %s -> %s: %s\n", #call, vim_status_string(st_), vim_last_error());    \
            std::exit(2);                                                                           \
        }                                                                                           \
    } while (0)

static vim_stream_t S;

static float* upload(const std::vector<float>& v) {
    float* p;
    CHECK(vim_alloc(S, v.size() * 4, (void**)&p));
    CHECK(vim_upload(S, p, v.data(), v.size() * 4));
    return p;
}

template <typename F>
static double time_us(F f, int iters) {
    for (int i = 0; i < 5; i++) f();
    CHECK(vim_stream_synchronize(S));
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iters; i++) f();
    CHECK(vim_stream_synchronize(S));
    auto t1 = std::chrono::steady_clock::now();
    return std::chrono::duration<double, std::micro>(t1 - t0).count() / iters;
}

int main(int argc, char** argv) {
    int B = argc > 1 ? std::atoi(argv[1]) : 128, L = 197, E = 384, N = 16, R = 12, D = 192, W = R + 2 * N;
    CHECK(vim_stream_create(0, &S));
    char name[256];
    CHECK(vim_device_name(0, name, sizeof name));
    std::mt19937 rng(7);
    auto rnd = [&](size_t n, float lo, float hi) { std::uniform_real_distribution<float> d(lo, hi); std::vector<float> v(n); for (auto& x : v) x = d(rng); return v; };
    auto xz = rnd((size_t)B * L * 2 * E, -2, 2), xdbl = rnd((size_t)B * L * W, -1, 1), u = rnd((size_t)B * L * E, -2, 2), dt = rnd((size_t)B * L * E, -4, 1);
    auto dtb = rnd(E, -3, 0), a = rnd((size_t)E * N, -1, 2), dsk = rnd(E, -1, 1);
    for (auto& v : a) v = -std::exp(v);
    float *dxz = upload(xz), *dxdbl = upload(xdbl), *du = upload(u), *ddt = upload(dt), *ddtb = upload(dtb), *da = upload(a), *dd = upload(dsk), *dout;
    CHECK(vim_alloc(S, (size_t)B * L * E * 4, (void**)&dout));
    vim_scan_params p{};
    p.size = sizeof p;
    p.batch = B; p.length = L; p.channels = E; p.state = N; p.softplus = 1; p.directions = 1;
    p.out = dout; p.out_batch_stride = (int64_t)L * E; p.out_row_stride = E;
    for (int d = 0; d < 2; d++) {
        vim_scan_direction& s = p.dir[d];
        s.size = sizeof s;
        s.u = du; s.u_batch_stride = (int64_t)L * E; s.u_row_stride = E;
        s.delta_raw = ddt; s.delta_batch_stride = (int64_t)L * E; s.delta_row_stride = E;
        s.delta_bias = ddtb; s.a = da;
        s.b = dxdbl + R; s.b_batch_stride = (int64_t)L * W; s.b_row_stride = W;
        s.c = dxdbl + R + N; s.c_batch_stride = (int64_t)L * W; s.c_row_stride = W;
        s.d_skip = dd; s.z = dxz + E; s.z_batch_stride = (int64_t)L * 2 * E; s.z_row_stride = 2 * E;
        s.scale = 0.5f; s.reverse = d;
    }
    // Validate before timing.
    CHECK(vim_selective_scan(S, &p));
    std::vector<float> got((size_t)B * L * E), want((size_t)B * L * E);
    CHECK(vim_download(S, got.data(), dout, got.size() * 4));
    ref::ScanDir q{};
    q.u = u.data(); q.u_bs = (int64_t)L * E; q.u_rs = E; q.delta_raw = dt.data(); q.dt_bs = (int64_t)L * E; q.dt_rs = E; q.delta_bias = dtb.data(); q.a = a.data();
    q.b = xdbl.data() + R; q.b_bs = (int64_t)L * W; q.b_rs = W; q.c = xdbl.data() + R + N; q.c_bs = (int64_t)L * W; q.c_rs = W; q.d_skip = dsk.data();
    q.z = xz.data() + E; q.z_bs = (int64_t)L * 2 * E; q.z_rs = 2 * E; q.scale = 0.5f; q.reverse = false;
    ref::selective_scan(B, L, E, N, true, q, want.data(), (int64_t)L * E, E, false);
    double num = 0, den = 0;
    for (size_t i = 0; i < got.size(); i++) { num += (double)(got[i] - want[i]) * (got[i] - want[i]); den += (double)want[i] * want[i]; }
    double rel = std::sqrt(num / den);
    std::printf("device: %s\nvalidation: scan B=%d relative L2 error vs double reference %.2e %s\n", name, B, rel, rel < 1e-5 ? "ok" : "FAIL");
    if (!(rel < 1e-5)) return 1;

    // Tuning sweep: the lane kernel (one thread per channel) × steps loaded ahead, the split kernel (states per thread × steps).
    for (const char* chunk : {"4", "8"}) {
        setenv("VIM_SCAN_KERNEL", "lane", 1);
        setenv("VIM_SCAN_CHUNK", chunk, 1);
        double us = time_us([&] { p.directions = 1; CHECK(vim_selective_scan(S, &p)); }, 30);
        std::printf("| sweep: lane CHUNK=%s | %.1f us |\n", chunk, us);
    }
    // The chunked kernel (K time chunks per channel; meant for small batches) at this batch too, for the crossover.
    setenv("VIM_SCAN_KERNEL", "chunked", 1);
    for (const char* chunks : {"8", "16", "32"}) {
        setenv("VIM_SCAN_CHUNKS", chunks, 1);
        double us = time_us([&] { p.directions = 1; CHECK(vim_selective_scan(S, &p)); }, 30);
        std::printf("| sweep: chunked K=%s | %.1f us |\n", chunks, us);
    }
    unsetenv("VIM_SCAN_CHUNKS");
    setenv("VIM_SCAN_KERNEL", "split", 1);
    for (const char* npt : {"2", "4", "8", "16"})
        for (const char* chunk : {"2", "4"}) {
            setenv("VIM_SCAN_NPT", npt, 1);
            setenv("VIM_SCAN_CHUNK", chunk, 1);
            double us = time_us([&] { p.directions = 1; CHECK(vim_selective_scan(S, &p)); }, 30);
            std::printf("| sweep: split NPT=%s CHUNK=%s | %.1f us |\n", npt, chunk, us);
        }
    // Batch 1 (latency: the serial chain of L steps), the kernels on the first batch row alone.
    {
        const int saved = p.batch;
        p.batch = 1;
        const char* kinds[][3] = {{"lane", "8", "8"}, {"lane", "4", "4"}, {"split", "2", "4"}, {"split", "4", "4"}, {"split", "8", "4"}};
        for (auto& k : kinds) {
            setenv("VIM_SCAN_KERNEL", k[0], 1);
            setenv("VIM_SCAN_NPT", k[1], 1);
            setenv("VIM_SCAN_CHUNK", k[2], 1);
            double us = time_us([&] { p.directions = 1; CHECK(vim_selective_scan(S, &p)); }, 50);
            std::printf("| sweep B=1: %s NPT=%s CHUNK=%s | %.1f us |\n", k[0], k[1], k[2], us);
        }
        unsetenv("VIM_SCAN_NPT");
        unsetenv("VIM_SCAN_CHUNK");
        setenv("VIM_SCAN_KERNEL", "chunked", 1);
        for (const char* chunks : {"8", "16", "32"}) {
            setenv("VIM_SCAN_CHUNKS", chunks, 1);
            // Validate the chunked output at B=1 (both directions, accumulating onto the first) against the lane kernel.
            std::vector<float> lane_out((size_t)L * E), ch_out((size_t)L * E);
            p.directions = 2;
            CHECK(vim_selective_scan(S, &p));
            CHECK(vim_download(S, ch_out.data(), dout, ch_out.size() * 4));
            setenv("VIM_SCAN_KERNEL", "lane", 1);
            CHECK(vim_selective_scan(S, &p));
            CHECK(vim_download(S, lane_out.data(), dout, lane_out.size() * 4));
            setenv("VIM_SCAN_KERNEL", "chunked", 1);
            double n2 = 0, d2 = 0;
            for (size_t i = 0; i < ch_out.size(); i++) { n2 += (double)(ch_out[i] - lane_out[i]) * (ch_out[i] - lane_out[i]); d2 += (double)lane_out[i] * lane_out[i]; }
            double us = time_us([&] { p.directions = 1; CHECK(vim_selective_scan(S, &p)); }, 50);
            double us2 = time_us([&] { p.directions = 2; CHECK(vim_selective_scan(S, &p)); }, 50);
            std::printf("| sweep B=1: chunked K=%s | %.1f us | both directions %.1f us | rel L2 vs lane %.2e |\n", chunks, us, us2, std::sqrt(n2 / d2));
        }
        unsetenv("VIM_SCAN_CHUNKS");
        unsetenv("VIM_SCAN_KERNEL");
        unsetenv("VIM_SCAN_NPT");
        unsetenv("VIM_SCAN_CHUNK");
        double def = time_us([&] { p.directions = 1; CHECK(vim_selective_scan(S, &p)); }, 50);
        double def2 = time_us([&] { p.directions = 2; CHECK(vim_selective_scan(S, &p)); }, 50);
        std::printf("| selective scan fwd, B=1 (default kernel), 1 direction | %.1f us | both directions %.1f us |\n", def, def2);
        p.batch = saved;
    }
    unsetenv("VIM_SCAN_KERNEL");
    unsetenv("VIM_SCAN_NPT");
    unsetenv("VIM_SCAN_CHUNK");
    unsetenv("VIM_SCAN_CHUNKS");
    double one = time_us([&] { p.directions = 1; CHECK(vim_selective_scan(S, &p)); }, 50);
    double two = time_us([&] { p.directions = 2; CHECK(vim_selective_scan(S, &p)); }, 50);
    double bytes = (double)B * L * E * 4 * 4 + (double)B * L * 2 * N * 4;
    std::printf("| selective scan fwd, B=%d E=%d L=%d N=%d, z, 1 direction | %.1f us | %.0f GB/s effective |\n", B, E, L, N, one, bytes / one / 1e3);
    std::printf("| selective scan fwd, both directions in one launch | %.1f us | %.1f us per direction |\n", two, two / 2);
    // The block's SGEMMs (strict fp32) at this batch, for scale.
    float *x, *w, *y;
    int64_t M = (int64_t)B * L;
    CHECK(vim_alloc(S, (size_t)M * 2 * E * 4, (void**)&x));
    CHECK(vim_alloc(S, (size_t)2 * E * E * 4, (void**)&w));
    CHECK(vim_alloc(S, (size_t)M * 2 * E * 4, (void**)&y));
    CHECK(vim_fill(S, x, M * 2 * E, 0.01f));
    CHECK(vim_fill(S, w, 2 * E * E, 0.01f));
    auto gemm = [&](int64_t m, int64_t n, int64_t k) {
        vim_linear_params lp{};
        lp.size = sizeof lp; lp.m = m; lp.n = n; lp.k = k; lp.x = x; lp.ldx = k; lp.w = w; lp.ldw = k; lp.y = y; lp.ldy = n;
        double us = time_us([&] { CHECK(vim_linear(S, &lp)); }, 20);
        std::printf("| sgemm %lldx%lldx%lld (fp32, TF32 off) | %.1f us | %.1f TFLOP/s |\n", (long long)m, (long long)n, (long long)k, us, 2.0 * m * n * k / us / 1e6);
    };
    gemm(M, 2 * E, D);  // in_proj
    gemm(M, W, E);      // x_proj
    gemm(M, D, E);      // out_proj
    CHECK(vim_stream_destroy(S));
    return 0;
}
