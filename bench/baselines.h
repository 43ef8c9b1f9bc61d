//===- baselines.h - hand-written sequential loops for recur-bench --------===//
//
// The baseline recur-bench compares compiled modules against: each model of
// bench/models written as the plain C++ loop a user would write by hand --
// one time step after the other, one thread, matmuls as three nested loops,
// libm's expf/tanhf. Layouts match the models' inputs and outputs (row-major,
// time-major: x[t][b][i]).
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_BENCH_BASELINES_H
#define RECUR_BENCH_BASELINES_H

#include <cstdint>

namespace bench {

/// minGRU (bench/models/mingru.mlir): x [T,B,I], h0 [B,H], wz/wh [I,H];
/// writes hT [B,H] and hs [T,B,H].
void minGRU(int64_t T, int64_t B, int64_t I, int64_t H, const float *x,
            const float *h0, const float *wz, const float *wh, float *hT,
            float *hs);

/// Mamba's selective scan (bench/models/mamba.mlir): x/dt [T,B,D],
/// bm/cm [T,B,N], a [D,N], h0 [B,D,N]; writes hT [B,D,N] and ys [T,B,D].
void mambaScan(int64_t T, int64_t B, int64_t D, int64_t N, const float *x,
               const float *dt, const float *bm, const float *cm,
               const float *a, const float *h0, float *hT, float *ys);

/// LSTM (bench/models/lstm.mlir): x [T,B,I], h0/c0 [B,H], w [I,4H],
/// r [H,4H], bias [4H], gate blocks i, f, o, c; writes hT, cT [B,H] and
/// hs [T,B,H].
void lstm(int64_t T, int64_t B, int64_t I, int64_t H, const float *x,
          const float *h0, const float *c0, const float *w, const float *r,
          const float *bias, float *hT, float *cT, float *hs);

/// GRU with diagonal recurrent weights (bench/models/gru_diag.mlir):
/// x [T,B,I], h0 [B,H], wz/wr/wn [I,H], uz/ur/un [H]; writes hT [B,H] and
/// hs [T,B,H].
void gruDiag(int64_t T, int64_t B, int64_t I, int64_t H, const float *x,
             const float *h0, const float *wz, const float *wr, const float *wn,
             const float *uz, const float *ur, const float *un, float *hT,
             float *hs);

} // namespace bench

#endif // RECUR_BENCH_BASELINES_H
