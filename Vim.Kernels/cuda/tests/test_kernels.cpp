// test_kernels.cpp — every CUDA kernel of libvimkernels against its plain C++ reference (reference/).
// Fresh random inputs over many shapes (odd sizes included); outputs are poisoned with NaN before each
// launch so an unwritten element fails; |a − r| ≤ atol + rtol·|r| element-wise; the first pairs and the
// first mismatches (at most ten) are printed with their indices.
// Run: ctest --test-dir build --output-on-failure   or   build/test_kernels <case>   (cases: see main).
#include "reference.h"
#include "vim_kernels.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <algorithm>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "test_support.h"

using namespace vimtest;

namespace {

int g_failures = 0;

// Tolerances per kernel (fp32 against a double reference).
struct Tol { const char* kernel; double atol, rtol; };
const Tol kTol[] = {
    {"linear", 1e-5, 1e-4}, {"patch_embed", 1e-5, 1e-4}, {"norm", 1e-5, 1e-5}, {"conv1d", 1e-6, 1e-5},
    {"scan", 2e-5, 2e-4},   {"linear_bf16_out", 1e-4, 8e-3},   {"tokens", 0, 0},            {"pool", 1e-6, 1e-6}, {"rope", 1e-6, 1e-5},
};
Tol tol(const char* k) {
    for (auto& t : kTol) if (std::strcmp(t.kernel, k) == 0) return t;
    return {k, 1e-5, 1e-4};
}

bool compare(const std::string& what, const char* kernel, const std::vector<float>& got, const std::vector<float>& want) {
    Tol t = tol(kernel);
    int bad = 0;
    double worst = 0;
    for (size_t i = 0; i < want.size(); i++) {
        double r = want[i], a = got[i];
        bool ok = (std::isnan(r) && std::isnan(a)) || std::fabs(a - r) <= t.atol + t.rtol * std::fabs(r);
        if (!std::isnan(r) && !std::isnan(a)) worst = std::max(worst, std::fabs(a - r) / (t.atol + t.rtol * std::fabs(r) + 1e-30));
        if (!ok) {
            if (bad == 0) {
                std::printf("  MISMATCH %s (atol %g, rtol %g); first pairs:", what.c_str(), t.atol, t.rtol);
                for (size_t k = 0; k < std::min<size_t>(3, want.size()); k++) std::printf(" [%zu] %.8g vs %.8g", k, got[k], want[k]);
                std::printf("\n");
            }
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

// ---- cases ----------------------------------------------------------------------------------------------
void test_runtime() {
    int count = 0;
    CHECK(vim_device_count(&count));
    char name[256];
    CHECK(vim_device_name(0, name, sizeof name));
    size_t fr = 0, tot = 0;
    CHECK(vim_device_memory(0, &fr, &tot));
    std::printf("  %d device(s); device 0: %s, %.1f of %.1f GiB free\n", count, name, fr / 1073741824.0, tot / 1073741824.0);
    // Reuse: a freed block comes back for the same size class without another cudaMalloc.
    vim_memory_stats s0{sizeof(vim_memory_stats)}, s1{sizeof(vim_memory_stats)};
    void* p = nullptr;
    CHECK(vim_alloc(S, 1000, &p));
    CHECK(vim_free(S, p));
    CHECK(vim_memory_get_stats(S, &s0));
    void* q = nullptr;
    CHECK(vim_alloc(S, 900, &q));
    CHECK(vim_memory_get_stats(S, &s1));
    if (q != p || s1.cuda_mallocs != s0.cuda_mallocs) { std::printf("  FAIL allocator did not reuse the cached block\n"); g_failures++; }
    else std::printf("  ok   allocator reuses a cached block\n");
    CHECK(vim_free(S, q));
    // Out of memory: typed status and a message, then the stream still works.
    void* huge = nullptr;
    vim_status st = vim_alloc(S, (size_t)1 << 50, &huge);
    if (st != VIM_ERROR_OUT_OF_MEMORY || std::strlen(vim_last_error()) == 0) { std::printf("  FAIL 1 PiB alloc gave %s\n", vim_status_string(st)); g_failures++; }
    else std::printf("  ok   1 PiB alloc -> %s: %s\n", vim_status_string(st), vim_last_error());
    Dev after(rand_vec(17));
    (void)after.down();
    // ABI guard: a params struct of the wrong size is refused.
    vim_norm_params np{};
    np.size = sizeof(np) - 8;
    st = vim_norm(S, &np);
    if (st != VIM_ERROR_INVALID_ARGUMENT) { std::printf("  FAIL wrong params size gave %s\n", vim_status_string(st)); g_failures++; }
    else std::printf("  ok   wrong params size -> %s: %s\n", vim_status_string(st), vim_last_error());
    if (vim_fill(nullptr, nullptr, 1, 0) != VIM_ERROR_INVALID_ARGUMENT) { std::printf("  FAIL NULL stream accepted\n"); g_failures++; }
    if (vim_device_name(count + 3, name, sizeof name) != VIM_ERROR_NO_DEVICE) { std::printf("  FAIL bad device index accepted\n"); g_failures++; }
    else std::printf("  ok   bad device index -> %s\n", vim_last_error());
}

void test_linear() {
    struct C { int m, n, k, ldx_extra; bool bias, acc; };
    for (C c : {C{1, 1, 1, 0, false, false}, C{7, 13, 5, 0, true, false}, C{197, 768, 192, 0, false, false}, C{33, 384, 12, 32, false, false},
                C{250, 44, 384, 0, false, true}, C{3, 1000, 192, 0, true, false}, C{129, 65, 67, 3, true, true}}) {
        int ldx = c.k + c.ldx_extra, ldw = c.k, ldy = c.n;
        auto x = rand_vec((size_t)c.m * ldx), w = rand_vec((size_t)c.n * ldw), b = rand_vec(c.n), y0 = rand_vec((size_t)c.m * ldy);
        Dev dx(x), dw(w), db(b), dy((size_t)c.m * ldy);
        if (c.acc) dy.up(y0); else dy.poison();
        vim_linear_params p{};
        p.size = sizeof p;
        p.m = c.m; p.n = c.n; p.k = c.k; p.x = dx.p; p.ldx = ldx; p.w = dw.p; p.ldw = ldw; p.bias = c.bias ? db.p : nullptr;
        p.y = dy.p; p.ldy = ldy; p.accumulate = c.acc;
        CHECK(vim_linear(S, &p));
        std::vector<float> r = c.acc ? y0 : std::vector<float>((size_t)c.m * ldy);
        ref::linear(c.m, c.n, c.k, x.data(), ldx, w.data(), ldw, c.bias ? b.data() : nullptr, r.data(), ldy, c.acc);
        compare("linear m=" + std::to_string(c.m) + " n=" + std::to_string(c.n) + " k=" + std::to_string(c.k) + " ldx=" + std::to_string(ldx) +
                    (c.acc ? " acc" : "") + (c.bias ? " bias" : ""), "linear", dy.down(), r);
    }
}

void test_patch_embed() {
    struct C { int b, c, h, w, d, ph, pw, s; };
    for (C c : {C{1, 3, 16, 16, 8, 4, 4, 4}, C{2, 3, 32, 48, 24, 8, 8, 8}, C{3, 2, 17, 13, 5, 4, 3, 2}, C{2, 3, 224, 224, 192, 16, 16, 16}}) {
        int gh = (c.h - c.ph) / c.s + 1, gw = (c.w - c.pw) / c.s + 1;
        auto img = rand_vec((size_t)c.b * c.c * c.h * c.w), w = rand_vec((size_t)c.d * c.c * c.ph * c.pw), bias = rand_vec(c.d);
        Dev di(img), dw(w), db(bias), dy((size_t)c.b * gh * gw * c.d);
        dy.poison();
        vim_patch_embed_params p{};
        p.size = sizeof p;
        p.batch = c.b; p.channels = c.c; p.height = c.h; p.width = c.w; p.dim = c.d; p.patch_h = c.ph; p.patch_w = c.pw; p.stride = c.s;
        p.images = di.p; p.weight = dw.p; p.bias = db.p; p.y = dy.p;
        CHECK(vim_patch_embed(S, &p));
        std::vector<float> r(dy.n);
        ref::patch_embed(c.b, c.c, c.h, c.w, c.d, c.ph, c.pw, c.s, img.data(), w.data(), bias.data(), r.data());
        compare("patch_embed " + std::to_string(c.b) + "x" + std::to_string(c.c) + "x" + std::to_string(c.h) + "x" + std::to_string(c.w) +
                    " D=" + std::to_string(c.d) + " p=" + std::to_string(c.ph) + "x" + std::to_string(c.pw) + " s=" + std::to_string(c.s),
                "patch_embed", dy.down(), r);
    }
}

void test_norm() {
    for (int layer = 0; layer < 2; layer++)
        for (int with_res = 0; with_res < 2; with_res++)
            for (int width : {1, 7, 192, 385, 1000}) {
                int rows = width == 1000 ? 5 : 37;
                auto x = rand_vec((size_t)rows * width, -2, 3), res = rand_vec((size_t)rows * width), w = rand_vec(width, 0.5f, 1.5f), b = rand_vec(width);
                Dev dx(x), dr(res), dw(w), db(b), dy((size_t)rows * width);
                dy.poison();
                vim_norm_params p{};
                p.size = sizeof p;
                p.rows = rows; p.width = width; p.kind = layer ? VIM_NORM_LAYER : VIM_NORM_RMS; p.x = dx.p; p.residual = with_res ? dr.p : nullptr;
                p.weight = dw.p; p.bias = layer ? db.p : nullptr; p.epsilon = 1e-5f; p.y = dy.p;
                CHECK(vim_norm(S, &p));
                std::vector<float> r(dy.n), rres = res;
                ref::norm(rows, width, layer, x.data(), with_res ? rres.data() : nullptr, w.data(), layer ? b.data() : nullptr, 1e-5f, r.data());
                std::string what = std::string(layer ? "layernorm" : "rmsnorm") + (with_res ? "+residual" : "") + " rows=" + std::to_string(rows) + " D=" + std::to_string(width);
                compare(what, "norm", dy.down(), r);
                if (with_res) compare(what + " (residual)", "norm", dr.down(), rres);
            }
}

void test_conv1d() {
    struct C { int b, l, e, k; bool bias; };
    for (C c : {C{1, 1, 1, 4, true}, C{2, 197, 384, 4, true}, C{3, 5, 7, 4, false}, C{2, 33, 13, 3, true}, C{1, 2, 9, 4, true}}) {
        for (int rev = 0; rev < 2; rev++) {
            int ldx = 2 * c.e;  // the first E columns of the (B, L, 2E) in_proj output
            auto xz = rand_vec((size_t)c.b * c.l * ldx), w = rand_vec((size_t)c.e * c.k), bias = rand_vec(c.e);
            Dev dx(xz), dw(w), db(bias), du((size_t)c.b * c.l * c.e);
            du.poison();
            vim_conv1d_params p{};
            p.size = sizeof p;
            p.batch = c.b; p.length = c.l; p.channels = c.e; p.kernel_size = c.k; p.x = dx.p; p.ldx = ldx; p.batch_stride_x = (int64_t)c.l * ldx;
            p.weight = dw.p; p.bias = c.bias ? db.p : nullptr; p.u = du.p; p.reverse = rev;
            CHECK(vim_causal_conv1d_silu(S, &p));
            std::vector<float> r(du.n);
            ref::conv1d_silu(c.b, c.l, c.e, c.k, xz.data(), ldx, (int64_t)c.l * ldx, w.data(), c.bias ? bias.data() : nullptr, r.data(), rev);
            compare("conv1d B=" + std::to_string(c.b) + " L=" + std::to_string(c.l) + " E=" + std::to_string(c.e) + " K=" + std::to_string(c.k) +
                        (rev ? " reverse" : "") + (c.bias ? "" : " nobias"), "conv1d", du.down(), r);
        }
    }
}

// Reduced-precision inputs (bf16 / fp16, fp32 state): device buffers converted by vim_convert (also under test); the
// values the kernel actually reads come back through a round trip to fp32.
struct Typed {
    void* p = nullptr;
    explicit Typed(const Dev& src, int type) {
        CHECK(vim_alloc(S, std::max<size_t>(src.n, 1) * 2, &p));
        CHECK(vim_convert(S, src.p, VIM_F32, (int64_t)src.n, p, type, (int64_t)src.n, 1, (int64_t)src.n));
    }
    ~Typed() { vim_free(S, p); }
    Typed(const Typed&) = delete;
    std::vector<float> rounded(size_t n, int type) const {
        Dev back(n);
        CHECK(vim_convert(S, p, type, (int64_t)n, back.p, VIM_F32, (int64_t)n, 1, (int64_t)n));
        return back.down();
    }
    const float* at(int64_t offset) const { return reinterpret_cast<const float*>(static_cast<const uint16_t*>(p) + offset); }
};

const char* type_name(int type) { return type == VIM_BF16 ? "bf16" : type == VIM_F16 ? "f16" : "f32"; }

double rel_l2(const std::vector<float>& a, const std::vector<float>& r) {
    double num = 0, den = 0;
    for (size_t i = 0; i < r.size(); i++) { num += ((double)a[i] - r[i]) * ((double)a[i] - r[i]); den += (double)r[i] * r[i]; }
    return std::sqrt(num / (den > 0 ? den : 1));
}

// Relative L2 bounds of a reduced-precision result against the fp32 computation on the unrounded inputs.
double reduced_bound(const char* kernel, int type) {
    if (std::strcmp(kernel, "scan") == 0) return type == VIM_BF16 ? 3e-2 : 5e-3;
    return type == VIM_BF16 ? 1.5e-2 : 2e-3;  // linear
}

bool check_reduced(const std::string& what, const char* kernel, int type, const std::vector<float>& got, const std::vector<float>& exact) {
    double e = rel_l2(got, exact), bound = reduced_bound(kernel, type);
    if (!(e <= bound)) {
        std::printf("  FAIL %s: %.3g from the fp32 result on unrounded inputs (bound %.1g)\n", what.c_str(), e, bound);
        g_failures++;
        return false;
    }
    std::printf("  ok   %s: %.3g from the fp32 result on unrounded inputs (bound %.1g)\n", what.c_str(), e, bound);
    return true;
}

void test_scan_types(const std::vector<int>& types) {
    struct C { int b, l, e, n, r; bool z, dskip, softplus, acc; int dirs; };
    const C cases[] = {
        {1, 1, 1, 1, 1, true, true, true, false, 1},     {2, 197, 384, 16, 12, true, true, true, false, 1},
        {3, 17, 37, 16, 3, true, true, true, true, 1},   {2, 65, 50, 5, 4, false, true, true, false, 1},
        {1, 40, 33, 33, 2, true, false, true, true, 1},  {2, 9, 20, 130, 7, true, true, false, false, 1},
        {2, 197, 384, 16, 12, true, true, true, false, 2}, {3, 31, 45, 16, 5, true, true, true, true, 2},
        {1, 300, 8, 64, 6, true, true, true, false, 2},  {2, 70, 130, 8, 4, true, true, false, true, 1},
        {2, 131, 200, 16, 6, true, true, true, true, 2},
        // Short and odd lengths (L below the chunked kernel's K, chunks left empty), batch-1 model shape.
        {1, 3, 19, 16, 2, true, true, true, true, 2},    {2, 5, 24, 7, 3, false, false, true, false, 1},
        {1, 2, 9, 16, 1, true, true, true, false, 1},    {1, 197, 384, 16, 12, true, true, true, true, 2},
        {1, 33, 40, 12, 4, false, true, false, true, 2},
    };
    // Every kernel on every case: "split", "lane" (one thread per channel, d_state ≤ 16; falls back to split above) and
    // "chunked" (K time chunks per channel, d_state ≤ 16, else split) at K = 8, 16, 32.
    struct K { const char* kernel; const char* chunks; };
    const K kernels[] = {{"split", ""}, {"lane", ""}, {"chunked", "8"}, {"chunked", "16"}, {"chunked", "32"}};
    for (int type : types)
    for (const K& kk : kernels)
    for (const C& c : cases) {
        const char* kernel = kk.kernel;
        setenv("VIM_SCAN_KERNEL", kernel, 1);
        if (*kk.chunks) setenv("VIM_SCAN_CHUNKS", kk.chunks, 1); else unsetenv("VIM_SCAN_CHUNKS");
        for (int rev = 0; rev < (c.dirs == 2 ? 1 : 2); rev++) {
            int width = c.r + 2 * c.n;  // x_dbl (B, L, R+2N)
            std::vector<float> xz[2], xdbl[2], u[2], dt[2], dtb[2], a[2], dsk[2];
            std::vector<std::unique_ptr<Dev>> keep;
            std::vector<std::unique_ptr<Typed>> keep_typed;
            std::vector<float> exact_xz[2], exact_xdbl[2], exact_u[2], exact_dt[2];
            ref::ScanDir exact_rd[2];
            vim_scan_params p{};
            p.size = sizeof p;
            p.batch = c.b; p.length = c.l; p.channels = c.e; p.state = c.n; p.softplus = c.softplus; p.directions = c.dirs;
            p.out_batch_stride = (int64_t)c.l * c.e; p.out_row_stride = c.e; p.accumulate = c.acc;
            ref::ScanDir rd[2];
            for (int d = 0; d < c.dirs; d++) {
                xz[d] = rand_vec((size_t)c.b * c.l * 2 * c.e, -2, 2);
                xdbl[d] = rand_vec((size_t)c.b * c.l * width);
                u[d] = rand_vec((size_t)c.b * c.l * c.e, -2, 2);
                // Without softplus Δ must already be a positive step (as Mamba's callers guarantee); negative Δ
                // makes exp(Δ·A) grow without bound and the comparison meaningless.
                dt[d] = c.softplus ? rand_vec((size_t)c.b * c.l * c.e, -4, 1) : rand_vec((size_t)c.b * c.l * c.e, 0.001f, 0.2f);
                dtb[d] = c.softplus ? rand_vec(c.e, -3, 0) : rand_vec(c.e, 0, 0.05f);
                a[d] = rand_vec((size_t)c.e * c.n, -1, 2);
                for (auto& v : a[d]) v = -std::exp(v);
                dsk[d] = rand_vec(c.e);
                auto dxz = std::make_unique<Dev>(xz[d]), dx = std::make_unique<Dev>(xdbl[d]), du = std::make_unique<Dev>(u[d]), ddt = std::make_unique<Dev>(dt[d]),
                     ddb = std::make_unique<Dev>(dtb[d]), da = std::make_unique<Dev>(a[d]), dd = std::make_unique<Dev>(dsk[d]);
                vim_scan_direction& s = p.dir[d];
                p.input_type = type;
                const float *pu = du->p, *pdt = ddt->p, *pxz = dxz->p, *pxd = dx->p;
                if (type != VIM_F32) {
                    // The kernel reads the typed copies; the tight reference runs on the values they hold.
                    exact_xz[d] = xz[d]; exact_xdbl[d] = xdbl[d]; exact_u[d] = u[d]; exact_dt[d] = dt[d];
                    auto txz = std::make_unique<Typed>(*dxz, type), tx = std::make_unique<Typed>(*dx, type), tu = std::make_unique<Typed>(*du, type),
                         tdt = std::make_unique<Typed>(*ddt, type);
                    xz[d] = txz->rounded(xz[d].size(), type); xdbl[d] = tx->rounded(xdbl[d].size(), type);
                    u[d] = tu->rounded(u[d].size(), type); dt[d] = tdt->rounded(dt[d].size(), type);
                    pu = tu->at(0); pdt = tdt->at(0); pxz = txz->at(0); pxd = tx->at(0);
                    for (auto* k : {&txz, &tx, &tu, &tdt}) keep_typed.push_back(std::move(*k));
                }
                auto off = [&](const float* base, int64_t n) { return type == VIM_F32 ? base + n : reinterpret_cast<const float*>(reinterpret_cast<const uint16_t*>(base) + n); };
                s.size = sizeof s;
                s.u = pu; s.u_batch_stride = (int64_t)c.l * c.e; s.u_row_stride = c.e;
                s.delta_raw = pdt; s.delta_batch_stride = (int64_t)c.l * c.e; s.delta_row_stride = c.e;
                s.delta_bias = ddb->p; s.a = da->p;
                s.b = off(pxd, c.r); s.b_batch_stride = (int64_t)c.l * width; s.b_row_stride = width;
                s.c = off(pxd, c.r + c.n); s.c_batch_stride = (int64_t)c.l * width; s.c_row_stride = width;
                s.d_skip = c.dskip ? dd->p : nullptr;
                s.z = c.z ? off(pxz, c.e) : nullptr; s.z_batch_stride = (int64_t)c.l * 2 * c.e; s.z_row_stride = 2 * c.e;
                s.scale = d == 0 ? 0.5f : 0.75f;
                s.reverse = c.dirs == 2 ? d : rev;
                ref::ScanDir& q = rd[d];
                q.u = u[d].data(); q.u_bs = (int64_t)c.l * c.e; q.u_rs = c.e;
                q.delta_raw = dt[d].data(); q.dt_bs = (int64_t)c.l * c.e; q.dt_rs = c.e; q.delta_bias = dtb[d].data(); q.a = a[d].data();
                q.b = xdbl[d].data() + c.r; q.b_bs = (int64_t)c.l * width; q.b_rs = width;
                q.c = xdbl[d].data() + c.r + c.n; q.c_bs = (int64_t)c.l * width; q.c_rs = width;
                q.d_skip = c.dskip ? dsk[d].data() : nullptr;
                q.z = c.z ? xz[d].data() + c.e : nullptr; q.z_bs = (int64_t)c.l * 2 * c.e; q.z_rs = 2 * c.e;
                q.scale = s.scale; q.reverse = s.reverse;
                if (type != VIM_F32) {
                    ref::ScanDir& x = exact_rd[d];
                    x = q;
                    x.u = exact_u[d].data(); x.delta_raw = exact_dt[d].data();
                    x.b = exact_xdbl[d].data() + c.r; x.c = exact_xdbl[d].data() + c.r + c.n;
                    x.z = c.z ? exact_xz[d].data() + c.e : nullptr;
                }
                for (auto* k : {&dxz, &dx, &du, &ddt, &ddb, &da, &dd}) keep.push_back(std::move(*k));
            }
            auto out0 = rand_vec((size_t)c.b * c.l * c.e);
            Dev dout((size_t)c.b * c.l * c.e);
            if (c.acc) dout.up(out0); else dout.poison();
            p.out = dout.p;
            CHECK(vim_selective_scan(S, &p));
            std::vector<float> r = c.acc ? out0 : std::vector<float>(dout.n);
            for (int d = 0; d < c.dirs; d++)
                ref::selective_scan(c.b, c.l, c.e, c.n, c.softplus, rd[d], r.data(), (int64_t)c.l * c.e, c.e, d == 0 ? c.acc : true);
            char what[256];
            std::snprintf(what, sizeof what, "scan[%s%s%s%s%s] B=%d L=%d E=%d N=%d R=%d%s%s%s%s%s%s", kernel, *kk.chunks ? " K=" : "", kk.chunks, type == VIM_F32 ? "" : " ", type == VIM_F32 ? "" : type_name(type), c.b, c.l, c.e, c.n, c.r, c.z ? " z" : "", c.dskip ? " D" : "",
                          c.softplus ? " softplus" : "", c.acc ? " acc" : "", c.dirs == 2 ? " bidirectional" : "", rev ? " reverse" : "");
            auto got = dout.down();
            compare(what, "scan", got, r);
            if (type != VIM_F32) {
                std::vector<float> exact = c.acc ? out0 : std::vector<float>(dout.n);
                for (int d = 0; d < c.dirs; d++)
                    ref::selective_scan(c.b, c.l, c.e, c.n, c.softplus, exact_rd[d], exact.data(), (int64_t)c.l * c.e, c.e, d == 0 ? c.acc : true);
                check_reduced(what, "scan", type, got, exact);
            }
        }
    }
    unsetenv("VIM_SCAN_KERNEL");
    unsetenv("VIM_SCAN_CHUNKS");
}

void test_scan() { test_scan_types({VIM_F32}); }
void test_scan_reduced() { test_scan_types({VIM_BF16, VIM_F16}); }

// bf16 GEMM (fp32 accumulation): tight against the double reference on the bf16-rounded operands (fp32 y; a bf16 y
// adds one rounding, 2^-8 relative), and within the bf16 bound of the fp32 product of the unrounded operands.
void test_linear_bf16() {
    struct C { int m, n, k, ldx_extra; bool bias, acc, x_bf16, y_bf16; };
    for (C c : {C{1, 1, 1, 0, false, false, false, false}, C{7, 13, 5, 0, true, false, false, false}, C{197, 768, 192, 0, false, false, false, false},
                C{33, 384, 12, 32, false, false, true, true}, C{250, 44, 384, 0, false, true, false, false}, C{3, 1000, 192, 0, true, false, false, false},
                C{129, 65, 67, 3, true, true, true, false}, C{250, 44, 384, 0, false, false, true, true}}) {
        int ldx = c.k + c.ldx_extra, ldw = c.k, ldy = c.n;
        auto x = rand_vec((size_t)c.m * ldx), w = rand_vec((size_t)c.n * ldw), b = rand_vec(c.n), y0 = rand_vec((size_t)c.m * ldy);
        Dev dx(x), dw(w), db(b), dy((size_t)c.m * ldy);
        Typed tw(dw, VIM_BF16), tx(dx, VIM_BF16);
        auto xr = tx.rounded(x.size(), VIM_BF16), wr = tw.rounded(w.size(), VIM_BF16);
        void* ybf = nullptr;
        CHECK(vim_alloc(S, std::max<size_t>((size_t)c.m * ldy, 1) * 2, &ybf));
        if (c.acc) dy.up(y0); else dy.poison();
        vim_linear_bf16_params p{};
        p.size = sizeof p;
        p.m = c.m; p.n = c.n; p.k = c.k; p.x = c.x_bf16 ? tx.p : (const void*)dx.p; p.ldx = ldx; p.w = tw.p; p.ldw = ldw;
        p.bias = c.bias ? db.p : nullptr; p.y = c.y_bf16 ? ybf : (void*)dy.p; p.ldy = ldy; p.accumulate = c.acc;
        p.x_type = c.x_bf16 ? VIM_BF16 : VIM_F32; p.y_type = c.y_bf16 ? VIM_BF16 : VIM_F32;
        CHECK(vim_linear_bf16(S, &p));
        if (c.y_bf16) CHECK(vim_convert(S, ybf, VIM_BF16, ldy, dy.p, VIM_F32, ldy, c.m, c.n));
        std::vector<float> r = c.acc ? y0 : std::vector<float>((size_t)c.m * ldy), exact = r;
        ref::linear(c.m, c.n, c.k, xr.data(), ldx, wr.data(), ldw, c.bias ? b.data() : nullptr, r.data(), ldy, c.acc);
        ref::linear(c.m, c.n, c.k, x.data(), ldx, w.data(), ldw, c.bias ? b.data() : nullptr, exact.data(), ldy, c.acc);
        std::string what = "linear_bf16 m=" + std::to_string(c.m) + " n=" + std::to_string(c.n) + " k=" + std::to_string(c.k) + " ldx=" + std::to_string(ldx) +
                           (c.acc ? " acc" : "") + (c.bias ? " bias" : "") + (c.x_bf16 ? " x:bf16" : " x:f32") + (c.y_bf16 ? " y:bf16" : " y:f32");
        auto got = dy.down();
        compare(what, c.y_bf16 ? "linear_bf16_out" : "linear", got, r);
        check_reduced(what, "linear", VIM_BF16, got, exact);
        vim_free(S, ybf);
    }
    // A bad type is refused with a message.
    vim_linear_bf16_params bad{};
    bad.size = sizeof bad; bad.m = bad.n = bad.k = 1; bad.x = bad.w = bad.y = (void*)1; bad.ldx = bad.ldw = bad.ldy = 1; bad.x_type = 7;
    vim_status st = vim_linear_bf16(S, &bad);
    if (st != VIM_ERROR_INVALID_ARGUMENT) { std::printf("  FAIL x_type 7 gave %s\n", vim_status_string(st)); g_failures++; }
    else std::printf("  ok   x_type 7 -> %s: %s\n", vim_status_string(st), vim_last_error());
}

void test_tokens() {
    for (int m : {1, 16, 196, 7}) {
        for (int pos : {0, m / 2, m}) {
            int b = 3, d = 5 + m % 4;
            auto tok = rand_vec((size_t)b * m * d), cls = rand_vec(d);
            Dev dt(tok), dc(cls), dy((size_t)b * (m + 1) * d);
            dy.poison();
            CHECK(vim_insert_token(S, dt.p, dc.p, dy.p, b, m, d, pos));
            std::vector<float> r(dy.n);
            ref::insert_token(tok.data(), cls.data(), r.data(), b, m, d, pos);
            compare("insert_token M=" + std::to_string(m) + " pos=" + std::to_string(pos), "tokens", dy.down(), r);
        }
    }
    {
        int outer = 3 * 17, inner = 19 * 5;
        auto x = rand_vec((size_t)outer * inner), a = rand_vec(inner), bb = rand_vec((size_t)outer * inner), v = rand_vec(5);
        Dev dx(x), da(a), db(bb), dv(v);
        CHECK(vim_add_broadcast(S, dx.p, da.p, outer, inner));
        std::vector<float> r = x;
        for (size_t i = 0; i < r.size(); i++) r[i] += a[i % inner];
        compare("add_broadcast", "tokens", dx.down(), r);
        CHECK(vim_add(S, dx.p, db.p, (int64_t)r.size()));
        for (size_t i = 0; i < r.size(); i++) r[i] += bb[i];
        compare("add", "tokens", dx.down(), r);
        CHECK(vim_scale(S, dx.p, 0.37f, (int64_t)r.size()));
        for (auto& q : r) q *= 0.37f;
        compare("scale", "tokens", dx.down(), r);
        CHECK(vim_mul_last_axis(S, dx.p, dv.p, (int64_t)r.size() / 5, 5));
        for (size_t i = 0; i < r.size(); i++) r[i] *= v[i % 5];
        compare("mul_last_axis", "tokens", dx.down(), r);
    }
}

void test_pool() {
    for (int kind = 0; kind < 4; kind++)
        for (int l : {1, 2, 197, 64}) {
            int b = 3, d = 13;
            auto x = rand_vec((size_t)b * l * d);
            if (kind == 3 && l > 2) x[(size_t)1 * l * d + 2 * d + 4] = std::numeric_limits<float>::quiet_NaN();  // NaN propagates
            Dev dx(x), dy((size_t)b * d);
            dy.poison();
            int i = l / 2, j = l - 1;
            CHECK(vim_pool(S, kind, dx.p, dy.p, b, l, d, i, j));
            std::vector<float> r(dy.n);
            ref::pool(kind, x.data(), r.data(), b, l, d, i, j);
            const char* names[] = {"select", "mean_two", "mean", "max"};
            compare(std::string("pool ") + names[kind] + " L=" + std::to_string(l), "pool", dy.down(), r);
        }
}

void test_rope() {
    for (int l : {197, 196, 5, 1}) {
        int b = 2, d = 12, rows = l - l % 2 + 3;
        auto x = rand_vec((size_t)b * l * d), cs = rand_vec((size_t)rows * d), sn = rand_vec((size_t)rows * d);
        Dev dx(x), dc(cs), ds(sn);
        CHECK(vim_rope(S, dx.p, dc.p, ds.p, b, l, d, rows));
        std::vector<float> r = x;
        ref::rope(r.data(), cs.data(), sn.data(), b, l, d);
        compare("rope L=" + std::to_string(l), "rope", dx.down(), r);
    }
}

}  // namespace

int main(int argc, char** argv) {
    int count = 0;
    if (vim_device_count(&count) != VIM_SUCCESS) {
        std::printf("no CUDA device: %s\n", vim_last_error());
        return 1;
    }
    rng.seed(1234);
    CHECK(vim_stream_create(0, &S));
    const std::pair<const char*, std::function<void()>> cases[] = {
        {"runtime", test_runtime}, {"linear", test_linear}, {"patch_embed", test_patch_embed}, {"norm", test_norm}, {"conv1d", test_conv1d},
        {"scan", test_scan},       {"scan_reduced", test_scan_reduced}, {"linear_bf16", test_linear_bf16}, {"tokens", test_tokens}, {"pool", test_pool},               {"rope", test_rope},
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
