// vmamba_reference.cpp — see vmamba_reference.h.
#include "vmamba_reference.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace vref {

void conv2d(int batch, int c, int h, int w, int o, int kh, int kw, int stride, int padding, bool channel_first, const float* x,
            const float* weight, const float* bias, float* y) {
    int ho = (h + 2 * padding - kh) / stride + 1, wo = (w + 2 * padding - kw) / stride + 1;
    for (int b = 0; b < batch; b++)
        for (int oy = 0; oy < ho; oy++)
            for (int ox = 0; ox < wo; ox++)
                for (int oc = 0; oc < o; oc++) {
                    double acc = bias ? bias[oc] : 0.0;
                    for (int ci = 0; ci < c; ci++)
                        for (int ky = 0; ky < kh; ky++)
                            for (int kx = 0; kx < kw; kx++) {
                                int iy = oy * stride - padding + ky, ix = ox * stride - padding + kx;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                int64_t at = channel_first ? (((int64_t)b * c + ci) * h + iy) * w + ix : (((int64_t)b * h + iy) * w + ix) * c + ci;
                                acc += (double)x[at] * weight[(((int64_t)oc * c + ci) * kh + ky) * kw + kx];
                            }
                    y[(((int64_t)b * ho + oy) * wo + ox) * o + oc] = (float)acc;
                }
}

void depthwise_conv2d(int batch, int h, int w, int c, int k, const float* x, int64_t ldx, const float* weight, const float* bias, float* y) {
    int pad = (k - 1) / 2;
    for (int b = 0; b < batch; b++)
        for (int py = 0; py < h; py++)
            for (int px = 0; px < w; px++)
                for (int ch = 0; ch < c; ch++) {
                    double acc = bias ? bias[ch] : 0.0;
                    for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++) {
                            int yy = py + ky - pad, xx = px + kx - pad;
                            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                            acc += (double)x[(((int64_t)b * h + yy) * w + xx) * ldx + ch] * weight[((int64_t)ch * k + ky) * k + kx];
                        }
                    y[(((int64_t)b * h + py) * w + px) * c + ch] = (float)acc;
                }
}

double act(double v, int kind) {
    switch (kind) {
        case 0: return v / (1.0 + std::exp(-v));
        case 1: return 0.5 * v * std::erfc(-v / std::sqrt(2.0));
        case 2: return std::max(v, 0.0);
        case 3: return 1.0 / (1.0 + std::exp(-v));
        default: return v;
    }
}

void activation(float* x, int64_t n, int kind) {
    for (int64_t i = 0; i < n; i++) x[i] = (float)act(x[i], kind);
}

void slice_channels(const float* x, int64_t ldx, float* y, int64_t rows, int start, int width) {
    for (int64_t r = 0; r < rows; r++)
        for (int i = 0; i < width; i++) y[r * width + i] = x[r * ldx + start + i];
}

void gate(float* y, const float* x, int64_t ldx, int64_t rows, int d, int start, int kind) {
    for (int64_t r = 0; r < rows; r++)
        for (int i = 0; i < d; i++) y[r * d + i] = (float)((double)y[r * d + i] * act(x[r * ldx + start + i], kind));
}

static int position(int traversal, int step, int h, int w) {
    int l = traversal >= 2 ? h * w - 1 - step : step;
    return (traversal & 1) == 0 ? l : (l % h) * w + l / h;
}

void cross_scan(int batch, int h, int w, int d, int n, int r, const int traversals[4], const float* u, const float* proj, const float* delta_raw,
                const float* dt_bias, const float* a, const float* d_skip, float* out) {
    int64_t length = (int64_t)h * w, pw = 4 * (r + 2 * n);
    std::vector<double> acc(batch * length * d, 0.0), state(n);
    for (int b = 0; b < batch; b++)
        for (int k = 0; k < 4; k++)
            for (int ch = 0; ch < d; ch++) {
                int c = k * d + ch;
                std::fill(state.begin(), state.end(), 0.0);
                for (int l = 0; l < length; l++) {
                    int64_t row = (int64_t)b * length + position(traversals[k], l, h, w);
                    double x = (double)delta_raw[row * 4 * d + c] + dt_bias[c];
                    double delta = x > 20.0 ? x : std::log1p(std::exp(x));
                    double uv = u[row * d + ch];
                    const float* bk = proj + row * pw + k * (r + 2 * n) + r;
                    const float* ck = bk + n;
                    double y = 0;
                    for (int j = 0; j < n; j++) {
                        state[j] = std::exp(delta * a[(int64_t)c * n + j]) * state[j] + delta * bk[j] * uv;
                        y += ck[j] * state[j];
                    }
                    acc[row * d + ch] += y + d_skip[c] * uv;
                }
            }
    for (size_t i = 0; i < acc.size(); i++) out[i] = (float)acc[i];
}

void patch_merge(const float* x, float* y, int batch, int h, int w, int c) {
    int ho = (h + 1) / 2, wo = (w + 1) / 2;
    for (int b = 0; b < batch; b++)
        for (int i = 0; i < ho; i++)
            for (int j = 0; j < wo; j++)
                for (int q = 0; q < 4; q++) {
                    int yy = 2 * i + (q & 1), xx = 2 * j + (q >> 1);
                    float* o = y + ((((int64_t)b * ho + i) * wo + j) * 4 + q) * c;
                    for (int ch = 0; ch < c; ch++) o[ch] = (yy < h && xx < w) ? x[(((int64_t)b * h + yy) * w + xx) * c + ch] : 0.0f;
                }
}

void add_channel_first(float* x, const float* pos, int batch, int h, int w, int c) {
    int64_t l = (int64_t)h * w;
    for (int b = 0; b < batch; b++)
        for (int64_t p = 0; p < l; p++)
            for (int ch = 0; ch < c; ch++) x[((int64_t)b * l + p) * c + ch] += pos[ch * l + p];
}

void to_channel_first(const float* x, float* y, int batch, int64_t l, int c) {
    for (int b = 0; b < batch; b++)
        for (int64_t p = 0; p < l; p++)
            for (int ch = 0; ch < c; ch++) y[((int64_t)b * c + ch) * l + p] = x[((int64_t)b * l + p) * c + ch];
}

void spatial_softmax(float* x, int batch, int64_t l, int c) {
    for (int b = 0; b < batch; b++)
        for (int ch = 0; ch < c; ch++) {
            float* xb = x + (int64_t)b * l * c + ch;
            double mx = -INFINITY, sum = 0;
            for (int64_t p = 0; p < l; p++) mx = std::max(mx, (double)xb[p * c]);
            std::vector<double> e(l);
            for (int64_t p = 0; p < l; p++) sum += (e[p] = std::exp(xb[p * c] - mx));
            for (int64_t p = 0; p < l; p++) xb[p * c] = (float)(e[p] / sum);
        }
}

}  // namespace vref
