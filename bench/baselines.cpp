//===- baselines.cpp - hand-written sequential loops for recur-bench ------===//
//
// Deliberately plain: what a user writes before reaching for a compiler.
// The matmuls are vector-matrix products in the k-outer order (the inner
// loop walks a row of the row-major weight, so clang -O3 vectorizes it);
// the dot-product order would be several times slower and flatter the
// ratios. No threads, no blocking, no intrinsics, no fast-math.
//
//===----------------------------------------------------------------------===//

#include "bench/baselines.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace bench {

static float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }

void minGRU(int64_t T, int64_t B, int64_t I, int64_t H, const float *x,
            const float *h0, const float *wz, const float *wh, float *hT,
            float *hs) {
  std::vector<float> h(h0, h0 + B * H);
  std::vector<float> zpre(H), cand(H);
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t b = 0; b < B; ++b) {
      const float *xt = x + (t * B + b) * I;
      std::fill(zpre.begin(), zpre.end(), 0.0f);
      std::fill(cand.begin(), cand.end(), 0.0f);
      for (int64_t k = 0; k < I; ++k)
        for (int64_t j = 0; j < H; ++j) {
          zpre[j] += xt[k] * wz[k * H + j];
          cand[j] += xt[k] * wh[k * H + j];
        }
      float *hb = h.data() + b * H;
      for (int64_t j = 0; j < H; ++j) {
        float z = sigmoid(zpre[j]);
        hb[j] = (1.0f - z) * hb[j] + z * cand[j];
      }
      std::memcpy(hs + (t * B + b) * H, hb, H * sizeof(float));
    }
  }
  std::memcpy(hT, h.data(), B * H * sizeof(float));
}

void mambaScan(int64_t T, int64_t B, int64_t D, int64_t N, const float *x,
               const float *dt, const float *bm, const float *cm,
               const float *a, const float *h0, float *hT, float *ys) {
  std::vector<float> h(h0, h0 + B * D * N);
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t b = 0; b < B; ++b) {
      const float *xt = x + (t * B + b) * D;
      const float *dtt = dt + (t * B + b) * D;
      const float *Bt = bm + (t * B + b) * N;
      const float *Ct = cm + (t * B + b) * N;
      for (int64_t d = 0; d < D; ++d) {
        float *hd = h.data() + (b * D + d) * N;
        float dx = dtt[d] * xt[d];
        float y = 0.0f;
        for (int64_t n = 0; n < N; ++n) {
          hd[n] = std::exp(dtt[d] * a[d * N + n]) * hd[n] + dx * Bt[n];
          y += hd[n] * Ct[n];
        }
        ys[(t * B + b) * D + d] = y;
      }
    }
  }
  std::memcpy(hT, h.data(), B * D * N * sizeof(float));
}

void lstm(int64_t T, int64_t B, int64_t I, int64_t H, const float *x,
          const float *h0, const float *c0, const float *w, const float *r,
          const float *bias, float *hT, float *cT, float *hs) {
  const int64_t G = 4 * H;
  std::vector<float> h(h0, h0 + B * H), c(c0, c0 + B * H);
  std::vector<float> g(G);
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t b = 0; b < B; ++b) {
      const float *xt = x + (t * B + b) * I;
      float *hb = h.data() + b * H;
      float *cb = c.data() + b * H;
      std::memcpy(g.data(), bias, G * sizeof(float));
      for (int64_t k = 0; k < I; ++k)
        for (int64_t j = 0; j < G; ++j)
          g[j] += xt[k] * w[k * G + j];
      for (int64_t k = 0; k < H; ++k)
        for (int64_t j = 0; j < G; ++j)
          g[j] += hb[k] * r[k * G + j];
      for (int64_t j = 0; j < H; ++j) {
        float i = sigmoid(g[j]);
        float f = sigmoid(g[H + j]);
        float o = sigmoid(g[2 * H + j]);
        float cand = std::tanh(g[3 * H + j]);
        cb[j] = f * cb[j] + i * cand;
        hb[j] = o * std::tanh(cb[j]);
      }
      std::memcpy(hs + (t * B + b) * H, hb, H * sizeof(float));
    }
  }
  std::memcpy(hT, h.data(), B * H * sizeof(float));
  std::memcpy(cT, c.data(), B * H * sizeof(float));
}

void gruDiag(int64_t T, int64_t B, int64_t I, int64_t H, const float *x,
             const float *h0, const float *wz, const float *wr, const float *wn,
             const float *uz, const float *ur, const float *un, float *hT,
             float *hs) {
  std::vector<float> h(h0, h0 + B * H), pz(H), pr(H), pn(H);
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t b = 0; b < B; ++b) {
      const float *xt = x + (t * B + b) * I;
      float *hb = h.data() + b * H;
      std::fill(pz.begin(), pz.end(), 0.0f);
      std::fill(pr.begin(), pr.end(), 0.0f);
      std::fill(pn.begin(), pn.end(), 0.0f);
      for (int64_t k = 0; k < I; ++k)
        for (int64_t j = 0; j < H; ++j) {
          pz[j] += xt[k] * wz[k * H + j];
          pr[j] += xt[k] * wr[k * H + j];
          pn[j] += xt[k] * wn[k * H + j];
        }
      for (int64_t j = 0; j < H; ++j) {
        float z = sigmoid(pz[j] + uz[j] * hb[j]);
        float r = sigmoid(pr[j] + ur[j] * hb[j]);
        float n = std::tanh(pn[j] + r * (un[j] * hb[j]));
        hb[j] = (1.0f - z) * n + z * hb[j];
      }
      std::memcpy(hs + (t * B + b) * H, hb, H * sizeof(float));
    }
  }
  std::memcpy(hT, h.data(), B * H * sizeof(float));
}

} // namespace bench
