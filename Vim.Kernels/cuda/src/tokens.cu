// tokens.cu — token assembly, elementwise ops, readouts and RoPE:
//   vim_insert_token   y (B, M+1, D) = tokens (B, M, D) with a (D) token at `position`
//   vim_add_broadcast  x (outer × inner) += addend (inner)          (pos_embed)
//   vim_add / vim_scale / vim_mul_last_axis                          (elementwise)
//   vim_pool           x (B, L, D) → (B, D): select, mean of two, mean (double sum), max (NaN propagates)
//   vim_rope           interleaved 2-D RoPE in place (odd L skips token 0)
// All grid-stride loops, one thread per element. Test: tests/test_kernels, cases "tokens", "pool", "rope".
#include "common.h"

namespace vim {

#define VIM_GRID_LOOP(i, n) for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (n); i += (int64_t)gridDim.x * blockDim.x)

__global__ void insert_token_kernel(const float* __restrict__ tok, const float* __restrict__ cls, float* __restrict__ y, int batch, int m, int d, int pos) {
    int64_t total = (int64_t)batch * (m + 1) * d;
    VIM_GRID_LOOP(i, total) {
        int c = (int)(i % d);
        int64_t bt = i / d;
        int t = (int)(bt % (m + 1));
        int64_t b = bt / (m + 1);
        y[i] = t == pos ? cls[c] : tok[(b * m + (t < pos ? t : t - 1)) * d + c];
    }
}

__global__ void add_broadcast_kernel(float* x, const float* __restrict__ add, int64_t outer, int64_t inner) {
    VIM_GRID_LOOP(i, outer * inner) x[i] += add[i % inner];
}

__global__ void add_kernel(float* a, const float* b, int64_t n) { VIM_GRID_LOOP(i, n) a[i] += b[i]; }
__global__ void scale_kernel(float* a, float s, int64_t n) { VIM_GRID_LOOP(i, n) a[i] *= s; }
__global__ void mul_last_axis_kernel(float* a, const float* __restrict__ v, int64_t rows, int d) {
    VIM_GRID_LOOP(i, rows * d) a[i] *= v[i % d];
}

__global__ void pool_kernel(int kind, const float* __restrict__ x, float* __restrict__ y, int batch, int length, int d, int pi, int pj) {
    VIM_GRID_LOOP(o, (int64_t)batch * d) {
        int c = (int)(o % d);
        int64_t b = o / d;
        const float* xb = x + b * length * d + c;
        float r;
        if (kind == VIM_POOL_SELECT) {
            r = xb[(int64_t)pi * d];
        } else if (kind == VIM_POOL_MEAN_TWO) {
            r = (xb[(int64_t)pi * d] + xb[(int64_t)pj * d]) / 2.0f;
        } else if (kind == VIM_POOL_MEAN) {
            double acc = 0;
            for (int t = 0; t < length; t++) acc += xb[(int64_t)t * d];
            r = (float)(acc / length);
        } else {
            r = xb[0];
            for (int t = 1; t < length; t++) {
                float v = xb[(int64_t)t * d];
                if (v > r || v != v) r = (r != r) ? r : v;  // keep the first NaN once seen
            }
        }
        y[o] = r;
    }
}

__global__ void rope_kernel(float* x, const float* __restrict__ cs, const float* __restrict__ sn, int batch, int length, int d) {
    int skip = length % 2;
    int half = d / 2;
    int64_t total = (int64_t)batch * (length - skip) * half;
    VIM_GRID_LOOP(i, total) {
        int m = (int)(i % half);
        int64_t bt = i / half;
        int r = (int)(bt % (length - skip));
        int64_t b = bt / (length - skip);
        float* px = x + (b * length + r + skip) * d + 2 * m;
        const float* pc = cs + (int64_t)r * d + 2 * m;
        const float* ps = sn + (int64_t)r * d + 2 * m;
        float a = px[0], bb = px[1];
        px[0] = a * pc[0] - bb * ps[0];
        px[1] = bb * pc[1] + a * ps[1];
    }
}

}  // namespace vim

using namespace vim;

extern "C" {

vim_status vim_insert_token(vim_stream_t stream, const float* tokens, const float* token, float* y, int batch, int m, int d, int position) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_insert_token");
        VIM_REQUIRE(batch >= 0 && m >= 0 && d > 0, "vim_insert_token: bad shape B=%d M=%d D=%d", batch, m, d);
        VIM_REQUIRE(position >= 0 && position <= m, "vim_insert_token: position %d outside 0..%d", position, m);
        int64_t total = (int64_t)batch * (m + 1) * d;
        if (total == 0) return;
        VIM_REQUIRE(token && y && (tokens || m == 0), "vim_insert_token: NULL pointer");
        insert_token_kernel<<<grid_for(total, 256), 256, 0, s->stream>>>(tokens, token, y, batch, m, d, position);
        VIM_CHECK_LAUNCH("insert_token");
    });
}

vim_status vim_add_broadcast(vim_stream_t stream, float* x, const float* addend, int64_t outer, int64_t inner) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_add_broadcast");
        VIM_REQUIRE(outer >= 0 && inner > 0, "vim_add_broadcast: bad shape outer=%lld inner=%lld", (long long)outer, (long long)inner);
        if (outer == 0) return;
        VIM_REQUIRE(x && addend, "vim_add_broadcast: NULL pointer");
        add_broadcast_kernel<<<grid_for(outer * inner, 256), 256, 0, s->stream>>>(x, addend, outer, inner);
        VIM_CHECK_LAUNCH("add_broadcast");
    });
}

vim_status vim_add(vim_stream_t stream, float* a, const float* b, int64_t count) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_add");
        VIM_REQUIRE(count >= 0, "vim_add: negative count");
        if (count == 0) return;
        VIM_REQUIRE(a && b, "vim_add: NULL pointer");
        add_kernel<<<grid_for(count, 256), 256, 0, s->stream>>>(a, b, count);
        VIM_CHECK_LAUNCH("add");
    });
}

vim_status vim_scale(vim_stream_t stream, float* a, float scale, int64_t count) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_scale");
        VIM_REQUIRE(count >= 0, "vim_scale: negative count");
        if (count == 0) return;
        VIM_REQUIRE(a != nullptr, "vim_scale: NULL pointer");
        scale_kernel<<<grid_for(count, 256), 256, 0, s->stream>>>(a, scale, count);
        VIM_CHECK_LAUNCH("scale");
    });
}

vim_status vim_mul_last_axis(vim_stream_t stream, float* a, const float* v, int64_t rows, int d) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_mul_last_axis");
        VIM_REQUIRE(rows >= 0 && d > 0, "vim_mul_last_axis: bad shape rows=%lld d=%d", (long long)rows, d);
        if (rows == 0) return;
        VIM_REQUIRE(a && v, "vim_mul_last_axis: NULL pointer");
        mul_last_axis_kernel<<<grid_for(rows * d, 256), 256, 0, s->stream>>>(a, v, rows, d);
        VIM_CHECK_LAUNCH("mul_last_axis");
    });
}

vim_status vim_pool(vim_stream_t stream, int kind, const float* x, float* y, int batch, int length, int d, int i, int j) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_pool");
        VIM_REQUIRE(kind >= VIM_POOL_SELECT && kind <= VIM_POOL_MAX, "vim_pool: unknown kind %d", kind);
        VIM_REQUIRE(batch >= 0 && length > 0 && d > 0, "vim_pool: bad shape B=%d L=%d D=%d", batch, length, d);
        if (kind == VIM_POOL_SELECT || kind == VIM_POOL_MEAN_TWO) VIM_REQUIRE(i >= 0 && i < length, "vim_pool: token %d outside 0..%d", i, length - 1);
        if (kind == VIM_POOL_MEAN_TWO) VIM_REQUIRE(j >= 0 && j < length, "vim_pool: token %d outside 0..%d", j, length - 1);
        if (batch == 0) return;
        VIM_REQUIRE(x && y, "vim_pool: NULL pointer");
        pool_kernel<<<grid_for((int64_t)batch * d, 128), 128, 0, s->stream>>>(kind, x, y, batch, length, d, i, j);
        VIM_CHECK_LAUNCH("pool");
    });
}

vim_status vim_rope(vim_stream_t stream, float* x, const float* cos_table, const float* sin_table, int batch, int length, int d, int table_rows) {
    return guard([&] {
        auto* s = check_stream(stream, "vim_rope");
        VIM_REQUIRE(batch >= 0 && length >= 0 && d > 0 && d % 2 == 0, "vim_rope: bad shape B=%d L=%d D=%d (D must be even)", batch, length, d);
        VIM_REQUIRE(length - length % 2 <= table_rows, "vim_rope: %d tokens to rotate but the tables have %d rows", length - length % 2, table_rows);
        int64_t total = (int64_t)batch * (length - length % 2) * (d / 2);
        if (total == 0) return;
        VIM_REQUIRE(x && cos_table && sin_table, "vim_rope: NULL pointer");
        rope_kernel<<<grid_for(total, 256), 256, 0, s->stream>>>(x, cos_table, sin_table, batch, length, d);
        VIM_CHECK_LAUNCH("rope");
    });
}

}  // extern "C"
