// selective_scan_fp32.cu — fp32 (and bf16 / fp16 input) instantiations and C entry point of the selective scan (see selective_scan_fwd.cuh).
#include "selective_scan_fwd.cuh"
#include "selective_scan_lane.cuh"
#include "selective_scan_chunked.cuh"

#include <cstdlib>
#include <cstring>

namespace {
// Two kernels: "lane" (selective_scan_lane.cuh: one thread per channel, d_state ≤ 16) and "split" (selective_scan_fwd.cuh:
// 2^k threads per channel holding NPT states each, any d_state ≤ 256). Tuning knobs for benchmarks (bench_scan sets them):
// VIM_SCAN_KERNEL = lane | split, VIM_SCAN_NPT = states per thread of split (2, 4, 8, 16), VIM_SCAN_CHUNK = time steps
// loaded ahead (lane: 4, 8; split: 2, 4). Defaults: lane with CHUNK 8 whenever d_state ≤ 16 (round 4 on the H200: 119.7 µs
// at B=128 against split's best 318 µs, and 77.8 µs at B=1 against split's best 85.6 µs); split NPT 8 / CHUNK 4 above.
// Third kernel, "chunked" (selective_scan_chunked.cuh: K time chunks per channel, d_state ≤ 16, any input type), the
// default when batch·d_inner < kChunkedMaxChannels (batch-1 latency); VIM_SCAN_KERNEL=chunked forces it (d_state ≤ 16),
// lane / split force the others, VIM_SCAN_CHUNKS = 8 | 16 | 32 picks K (default 32 up to 2048 channels, else 16).

int env_int(const char* name, int fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::atoi(v) : fallback;
}

constexpr long long kChunkedMaxChannels = 8192;

bool use_chunked(const vim_scan_params& p) {
    if (p.state > vim::kLaneMaxState) return false;
    const char* k = std::getenv("VIM_SCAN_KERNEL");
    if (k && std::strcmp(k, "chunked") == 0) return true;
    if (k && (std::strcmp(k, "lane") == 0 || std::strcmp(k, "split") == 0)) return false;
    return (long long)p.batch * p.channels < kChunkedMaxChannels;
}

template <typename T>
void launch_chunked(const vim_scan_params& p, cudaStream_t st) {
    const int chunks = env_int("VIM_SCAN_CHUNKS", (long long)p.batch * p.channels <= 2048 ? 32 : 16);
    if (chunks == 8) vim::launch_selective_scan_chunked<8, T>(p, st);
    else if (chunks == 32) vim::launch_selective_scan_chunked<32, T>(p, st);
    else vim::launch_selective_scan_chunked<16, T>(p, st);
}

bool use_lane(const vim_scan_params& p) {
    if (p.state > vim::kLaneMaxState) return false;
    const char* k = std::getenv("VIM_SCAN_KERNEL");
    if (k && std::strcmp(k, "lane") == 0) return true;
    if (k && std::strcmp(k, "split") == 0) return false;
    return true;
}

// Reduced-precision inputs (input_type bf16 / fp16): lane CHUNK 8 (or 4 by the knob), split NPT 8 / CHUNK 4 above d_state 16.
template <typename T>
void launch_typed(const vim_scan_params& p, cudaStream_t st) {
    if (use_chunked(p)) return launch_chunked<T>(p, st);
    if (use_lane(p)) {
        env_int("VIM_SCAN_CHUNK", 8) == 4 ? vim::launch_selective_scan_lane<4, T>(p, st) : vim::launch_selective_scan_lane<8, T>(p, st);
        return;
    }
    vim::launch_selective_scan_fwd<8, 4, T>(p, st);
}

void launch(const vim_scan_params& p, cudaStream_t st) {
    if (p.input_type == VIM_BF16) return launch_typed<vim::bf16_t>(p, st);
    if (p.input_type == VIM_F16) return launch_typed<vim::f16_t>(p, st);
    if (use_chunked(p)) return launch_chunked<float>(p, st);
    if (use_lane(p)) {
        env_int("VIM_SCAN_CHUNK", 8) == 4 ? vim::launch_selective_scan_lane<4>(p, st) : vim::launch_selective_scan_lane<8>(p, st);
        return;
    }
    int npt = env_int("VIM_SCAN_NPT", 8);
    int chunk = env_int("VIM_SCAN_CHUNK", 4);
    if (p.state > 32 * npt || (npt != 2 && npt != 4 && npt != 8 && npt != 16)) npt = 8;
    if (chunk != 2 && chunk != 4) chunk = 4;
    if (npt == 16) chunk == 2 ? vim::launch_selective_scan_fwd<16, 2>(p, st) : vim::launch_selective_scan_fwd<16, 4>(p, st);
    else if (npt == 2) chunk == 2 ? vim::launch_selective_scan_fwd<2, 2>(p, st) : vim::launch_selective_scan_fwd<2, 4>(p, st);
    else if (npt == 4) chunk == 2 ? vim::launch_selective_scan_fwd<4, 2>(p, st) : vim::launch_selective_scan_fwd<4, 4>(p, st);
    else chunk == 2 ? vim::launch_selective_scan_fwd<8, 2>(p, st) : vim::launch_selective_scan_fwd<8, 4>(p, st);
}
}  // namespace

using namespace vim;

extern "C" vim_status vim_selective_scan(vim_stream_t stream, const vim_scan_params* p) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_selective_scan");
        check_params(p, "vim_selective_scan");
        VIM_REQUIRE(p->batch >= 0 && p->length >= 0 && p->channels > 0 && p->state > 0,
                    "vim_selective_scan: bad sizes B=%d L=%d E=%d N=%d", p->batch, p->length, p->channels, p->state);
        VIM_REQUIRE(p->input_type == VIM_F32 || p->input_type == VIM_BF16 || p->input_type == VIM_F16,
                    "vim_selective_scan: input_type must be VIM_F32, VIM_BF16 or VIM_F16, got %d", p->input_type);
        VIM_REQUIRE(p->directions == 1 || p->directions == 2, "vim_selective_scan: directions must be 1 or 2, got %d", p->directions);
        if (p->state > 256) fail(VIM_ERROR_UNSUPPORTED, format("vim_selective_scan: d_state %d above the supported 256", p->state));
        if (p->batch == 0 || p->length == 0) return;
        VIM_REQUIRE(p->out != nullptr, "vim_selective_scan: out is NULL");
        for (int i = 0; i < p->directions; i++) {
            const vim_scan_direction& d = p->dir[i];
            VIM_REQUIRE(d.size == sizeof(vim_scan_direction), "vim_selective_scan: dir[%d].size is %zu, expected %zu", i, (size_t)d.size, sizeof(vim_scan_direction));
            VIM_REQUIRE(d.u && d.delta_raw && d.a && d.b && d.c, "vim_selective_scan: dir[%d] has a NULL u, delta_raw, a, b or c", i);
        }
        launch(*p, s->stream);
        VIM_CHECK_LAUNCH("selective_scan_fwd");
    });
}
