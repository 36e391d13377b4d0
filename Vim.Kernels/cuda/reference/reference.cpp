// reference.cpp — the plain C++ references (see reference.h). Loops in the order the formulas read.
#include "reference.h"

#include <cmath>

namespace ref {

static double silu(double x) { return x / (1.0 + std::exp(-x)); }
static double softplus(double x) { return x > 20.0 ? x : std::log1p(std::exp(x)); }

void linear(int64_t m, int64_t n, int64_t k, const float* x, int64_t ldx, const float* w, int64_t ldw, const float* bias,
            float* y, int64_t ldy, bool accumulate) {
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double acc = accumulate ? y[i * ldy + j] : 0.0;
            for (int64_t q = 0; q < k; q++) acc += (double)x[i * ldx + q] * w[j * ldw + q];
            if (bias) acc += bias[j];
            y[i * ldy + j] = (float)acc;
        }
}

void patch_embed(int batch, int c, int h, int w, int d, int ph, int pw, int stride, const float* images, const float* weight,
                 const float* bias, float* y) {
    int gh = (h - ph) / stride + 1, gw = (w - pw) / stride + 1;
    for (int b = 0; b < batch; b++)
        for (int gy = 0; gy < gh; gy++)
            for (int gx = 0; gx < gw; gx++)
                for (int o = 0; o < d; o++) {
                    double acc = bias ? bias[o] : 0.0;
                    for (int ci = 0; ci < c; ci++)
                        for (int ky = 0; ky < ph; ky++)
                            for (int kx = 0; kx < pw; kx++)
                                acc += (double)weight[((o * c + ci) * ph + ky) * pw + kx] *
                                       images[(((int64_t)b * c + ci) * h + gy * stride + ky) * w + gx * stride + kx];
                    y[(((int64_t)b * gh + gy) * gw + gx) * d + o] = (float)acc;
                }
}

void norm(int64_t rows, int width, bool layer, const float* x, float* residual, const float* weight, const float* bias, float eps, float* y) {
    std::vector<float> s(width);
    for (int64_t r = 0; r < rows; r++) {
        for (int i = 0; i < width; i++) {
            float v = x[r * width + i];
            if (residual) {
                v = v + residual[r * width + i];
                residual[r * width + i] = v;
            }
            s[i] = v;
        }
        double mean = 0;
        if (layer) {
            for (int i = 0; i < width; i++) mean += s[i];
            mean /= width;
        }
        double var = 0;
        for (int i = 0; i < width; i++) var += (s[i] - mean) * (s[i] - mean);
        var /= width;
        double inv = 1.0 / std::sqrt(var + eps);
        for (int i = 0; i < width; i++) {
            double v = (s[i] - mean) * inv * weight[i];
            if (layer && bias) v += bias[i];
            y[r * width + i] = (float)v;
        }
    }
}

void conv1d_silu(int batch, int length, int channels, int k, const float* x, int64_t ldx, int64_t batch_stride_x, const float* weight,
                 const float* bias, float* u, bool reverse) {
    for (int b = 0; b < batch; b++)
        for (int t = 0; t < length; t++)
            for (int c = 0; c < channels; c++) {
                double acc = bias ? bias[c] : 0.0;
                for (int q = 0; q < k; q++) {
                    int src = reverse ? t + (k - 1) - q : t - (k - 1) + q;
                    if (src >= 0 && src < length) acc += (double)weight[c * k + q] * x[b * batch_stride_x + (int64_t)src * ldx + c];
                }
                u[((int64_t)b * length + t) * channels + c] = (float)silu(acc);
            }
}

void selective_scan(int batch, int length, int channels, int state, bool sp, const ScanDir& d, float* out, int64_t out_bs, int64_t out_rs,
                    bool accumulate) {
    std::vector<double> h(state);
    for (int b = 0; b < batch; b++)
        for (int c = 0; c < channels; c++) {
            for (auto& v : h) v = 0;
            for (int step = 0; step < length; step++) {
                int t = d.reverse ? length - 1 - step : step;
                double delta = (double)d.delta_raw[b * d.dt_bs + t * d.dt_rs + c] + (d.delta_bias ? d.delta_bias[c] : 0.0f);
                if (sp) delta = softplus(delta);
                double uv = d.u[b * d.u_bs + t * d.u_rs + c];
                double y = 0;
                for (int n = 0; n < state; n++) {
                    h[n] = std::exp(delta * d.a[c * state + n]) * h[n] + delta * d.b[b * d.b_bs + t * d.b_rs + n] * uv;
                    y += d.c[b * d.c_bs + t * d.c_rs + n] * h[n];
                }
                if (d.d_skip) y += d.d_skip[c] * uv;
                if (d.z) y *= silu(d.z[b * d.z_bs + t * d.z_rs + c]);
                float* o = out + b * out_bs + t * out_rs + c;
                *o = (float)((accumulate ? (double)*o : 0.0) + d.scale * y);
            }
        }
}

void insert_token(const float* tokens, const float* token, float* y, int batch, int m, int d, int position) {
    for (int b = 0; b < batch; b++)
        for (int t = 0; t <= m; t++)
            for (int c = 0; c < d; c++)
                y[((int64_t)b * (m + 1) + t) * d + c] =
                    t == position ? token[c] : tokens[((int64_t)b * m + (t < position ? t : t - 1)) * d + c];
}

void pool(int kind, const float* x, float* y, int batch, int length, int d, int i, int j) {
    for (int b = 0; b < batch; b++)
        for (int c = 0; c < d; c++) {
            const float* col = x + (int64_t)b * length * d + c;
            double r = 0;
            if (kind == 0) r = col[(int64_t)i * d];
            else if (kind == 1) r = ((double)col[(int64_t)i * d] + col[(int64_t)j * d]) / 2;
            else if (kind == 2) {
                for (int t = 0; t < length; t++) r += col[(int64_t)t * d];
                r /= length;
            } else {
                r = col[0];
                for (int t = 1; t < length; t++) {
                    double v = col[(int64_t)t * d];
                    if (std::isnan(r)) break;
                    if (std::isnan(v) || v > r) r = v;
                }
            }
            y[(int64_t)b * d + c] = (float)r;
        }
}

void rope(float* x, const float* cs, const float* sn, int batch, int length, int d) {
    int skip = length % 2;
    for (int b = 0; b < batch; b++)
        for (int t = skip; t < length; t++) {
            int r = t - skip;
            float* px = x + ((int64_t)b * length + t) * d;
            for (int m = 0; m < d; m += 2) {
                double a = px[m], bb = px[m + 1];
                px[m] = (float)(a * cs[r * d + m] - bb * sn[r * d + m]);
                px[m + 1] = (float)(bb * cs[r * d + m + 1] + a * sn[r * d + m + 1]);
            }
        }
}

}  // namespace ref
