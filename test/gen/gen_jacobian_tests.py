"""Writes the tests of the Jacobian analysis (passes/Analysis/Jacobian.h):

- test/Analysis/jacobian-structure.mlir: the structure that
  --recur-test-jacobian reports for each model (remarks), and
- test/Analysis/jacobian-<model>.mlir: execution tests of
  --recur-materialize-jacobian: @main calls the materialized @<model>_jacobian
  at one (h_{t-1}, x_t, weights) and prints J_t in the structure's layout.

The reference J_t is independent of the compiler: central finite differences
in float64 of a numpy implementation of each cell (step 1e-5, truncation
error ~1e-10, far below the tolerance). The script also checks the
structure each test expects against the numbers: every entry outside the
claimed structure (off the diagonal, outside the 2x2 per-element blocks,
across batch rows) must be zero in the finite-difference Jacobian.

Tolerance 1e-5 (|got - want| <= 1e-5 (1 + |want|)): the compiled Jacobian is
float32 arithmetic of O(1) values through a handful of ops (a matmul of 3
terms, tanh/exp), so a few float32 ulps (~1e-7 each) of rounding and nothing
more; the inputs are float32 values, used exactly by the reference.

Run with /usr/bin/python3 (needs numpy).
"""

import os
import sys
import textwrap

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mlirgen  # noqa: E402

SCRIPT = "test/gen/gen_jacobian_tests.py"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "test", "Analysis")
B, H, X = 2, 3, 3


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


# ---------------------------------------------------------------------------
# Models: MLIR (the recurrence's function), numpy cell, argument shapes
# ---------------------------------------------------------------------------

# tanh RNN: h' = tanh(x W + h R^T + bias); h R^T as a linalg.generic
# contraction (R read transposed), x W as linalg.matmul. Jacobian dense.
TANH_RNN = """\
func.func @tanh_rnn(%x: tensor<4x2x3xf32>, %h0: tensor<2x3xf32>, %w: tensor<3x3xf32>, %r: tensor<3x3xf32>,
                    %bias: tensor<3xf32>) -> (tensor<2x3xf32>, tensor<4x2x3xf32>) {{
{remark}  %hT, %hs = recur.recurrence init(%h0 : tensor<2x3xf32>) seq(%x : tensor<4x2x3xf32>)
      captures(%w, %r, %bias : tensor<3x3xf32>, tensor<3x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>, tensor<4x2x3xf32> {{
  ^bb0(%h: tensor<2x3xf32>, %xt: tensor<2x3xf32>, %W: tensor<3x3xf32>, %R: tensor<3x3xf32>, %Bias: tensor<3xf32>):
    %zero = arith.constant 0.0 : f32
    %empty = tensor.empty() : tensor<2x3xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<2x3xf32>) -> tensor<2x3xf32>
    %xw = linalg.matmul ins(%xt, %W : tensor<2x3xf32>, tensor<3x3xf32>) outs(%acc : tensor<2x3xf32>) -> tensor<2x3xf32>
    %pre = linalg.generic {{
        indexing_maps = [affine_map<(b, i, j) -> (b, j)>, affine_map<(b, i, j) -> (i, j)>,
                         affine_map<(b, i, j) -> (b, i)>],
        iterator_types = ["parallel", "parallel", "reduction"]}}
        ins(%h, %R : tensor<2x3xf32>, tensor<3x3xf32>) outs(%xw : tensor<2x3xf32>) {{
      ^bb0(%hv: f32, %rv: f32, %a: f32):
        %m = arith.mulf %hv, %rv : f32
        %s = arith.addf %a, %m : f32
        linalg.yield %s : f32
    }} -> tensor<2x3xf32>
    %bb = linalg.broadcast ins(%Bias : tensor<3xf32>) outs(%empty : tensor<2x3xf32>) dimensions = [0]
    %pb = arith.addf %pre, %bb : tensor<2x3xf32>
    %hn = math.tanh %pb : tensor<2x3xf32>
    recur.yield %hn, %hn : tensor<2x3xf32>, tensor<2x3xf32>
  }}
  return %hT, %hs : tensor<2x3xf32>, tensor<4x2x3xf32>
}}
"""


def tanh_rnn_cell(states, x, w, r, bias):
    (h,) = states
    return [np.tanh(x @ w + h @ r.T + bias)]


# GRU with diagonal recurrent weights (h * u instead of h U), sigmoid as
# DecomposeCells spells it, 1 / (1 + exp(-v)). Jacobian diagonal.
GRU_DIAGONAL = """\
func.func @gru_diagonal(%x: tensor<4x2x3xf32>, %h0: tensor<2x3xf32>, %wz: tensor<3x3xf32>, %wr: tensor<3x3xf32>,
    %wn: tensor<3x3xf32>, %uz: tensor<3xf32>, %ur: tensor<3xf32>, %un: tensor<3xf32>) -> (tensor<2x3xf32>, tensor<4x2x3xf32>) {{
{remark}  %hT, %hs = recur.recurrence init(%h0 : tensor<2x3xf32>) seq(%x : tensor<4x2x3xf32>)
      captures(%wz, %wr, %wn, %uz, %ur, %un : tensor<3x3xf32>, tensor<3x3xf32>, tensor<3x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>)
      -> tensor<2x3xf32>, tensor<4x2x3xf32> {{
  ^bb0(%h: tensor<2x3xf32>, %xt: tensor<2x3xf32>, %Wz: tensor<3x3xf32>, %Wr: tensor<3x3xf32>, %Wn: tensor<3x3xf32>, %Uz: tensor<3xf32>,
       %Ur: tensor<3xf32>, %Un: tensor<3xf32>):
    %zero = arith.constant 0.0 : f32
    %one = arith.constant 1.0 : f32
    %empty = tensor.empty() : tensor<2x3xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<2x3xf32>) -> tensor<2x3xf32>
    %ones = linalg.fill ins(%one : f32) outs(%empty : tensor<2x3xf32>) -> tensor<2x3xf32>
    %xz = linalg.matmul ins(%xt, %Wz : tensor<2x3xf32>, tensor<3x3xf32>) outs(%acc : tensor<2x3xf32>) -> tensor<2x3xf32>
    %xr = linalg.matmul ins(%xt, %Wr : tensor<2x3xf32>, tensor<3x3xf32>) outs(%acc : tensor<2x3xf32>) -> tensor<2x3xf32>
    %xn = linalg.matmul ins(%xt, %Wn : tensor<2x3xf32>, tensor<3x3xf32>) outs(%acc : tensor<2x3xf32>) -> tensor<2x3xf32>
    %Uzb = linalg.broadcast ins(%Uz : tensor<3xf32>) outs(%empty : tensor<2x3xf32>) dimensions = [0]
    %zpre_r = arith.mulf %h, %Uzb : tensor<2x3xf32>
    %zpre = arith.addf %xz, %zpre_r : tensor<2x3xf32>
    %Urb = linalg.broadcast ins(%Ur : tensor<3xf32>) outs(%empty : tensor<2x3xf32>) dimensions = [0]
    %rpre_r = arith.mulf %h, %Urb : tensor<2x3xf32>
    %rpre = arith.addf %xr, %rpre_r : tensor<2x3xf32>
    %z_neg = arith.negf %zpre : tensor<2x3xf32>
    %z_exp = math.exp %z_neg : tensor<2x3xf32>
    %z_den = arith.addf %ones, %z_exp : tensor<2x3xf32>
    %z = arith.divf %ones, %z_den : tensor<2x3xf32>
    %r_neg = arith.negf %rpre : tensor<2x3xf32>
    %r_exp = math.exp %r_neg : tensor<2x3xf32>
    %r_den = arith.addf %ones, %r_exp : tensor<2x3xf32>
    %r = arith.divf %ones, %r_den : tensor<2x3xf32>
    %rh = arith.mulf %r, %h : tensor<2x3xf32>
    %Unb = linalg.broadcast ins(%Un : tensor<3xf32>) outs(%empty : tensor<2x3xf32>) dimensions = [0]
    %npre_r = arith.mulf %rh, %Unb : tensor<2x3xf32>
    %npre = arith.addf %xn, %npre_r : tensor<2x3xf32>
    %n = math.tanh %npre : tensor<2x3xf32>
    %keep = arith.subf %ones, %z : tensor<2x3xf32>
    %kn = arith.mulf %keep, %n : tensor<2x3xf32>
    %zh = arith.mulf %z, %h : tensor<2x3xf32>
    %hn = arith.addf %kn, %zh : tensor<2x3xf32>
    recur.yield %hn, %hn : tensor<2x3xf32>, tensor<2x3xf32>
  }}
  return %hT, %hs : tensor<2x3xf32>, tensor<4x2x3xf32>
}}
"""


def gru_diagonal_cell(states, x, wz, wr, wn, uz, ur, un):
    (h,) = states
    z = sigmoid(x @ wz + h * uz)
    r = sigmoid(x @ wr + h * ur)
    n = np.tanh(x @ wn + r * h * un)
    return [(1 - z) * n + z * h]


# LSTM with diagonal recurrent weights, states (h, c) of [B, H]: gates are
# slices of one input matmul plus h * u_k; the forget gate's sigmoid is a
# linalg.generic payload, the rest arith/math on tensors. h and c couple per
# element: 2x2 blocks.
LSTM_DIAGONAL = """\
func.func @lstm_diagonal(%x: tensor<4x2x3xf32>, %h0: tensor<2x3xf32>, %c0: tensor<2x3xf32>, %w: tensor<3x12xf32>,
    %u: tensor<4x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<4x2x3xf32>) {{
{remark}  %hT, %cT, %hs = recur.recurrence init(%h0, %c0 : tensor<2x3xf32>, tensor<2x3xf32>) seq(%x : tensor<4x2x3xf32>)
      captures(%w, %u : tensor<3x12xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>, tensor<2x3xf32>, tensor<4x2x3xf32> {{
  ^bb0(%h: tensor<2x3xf32>, %c: tensor<2x3xf32>, %xt: tensor<2x3xf32>, %W: tensor<3x12xf32>, %U: tensor<4x3xf32>):
    %zero = arith.constant 0.0 : f32
    %one = arith.constant 1.0 : f32
    %gempty = tensor.empty() : tensor<2x12xf32>
    %empty = tensor.empty() : tensor<2x3xf32>
    %gacc = linalg.fill ins(%zero : f32) outs(%gempty : tensor<2x12xf32>) -> tensor<2x12xf32>
    %ones = linalg.fill ins(%one : f32) outs(%empty : tensor<2x3xf32>) -> tensor<2x3xf32>
    %xw = linalg.matmul ins(%xt, %W : tensor<2x3xf32>, tensor<3x12xf32>) outs(%gacc : tensor<2x12xf32>) -> tensor<2x12xf32>
    %xi = tensor.extract_slice %xw[0, 0] [2, 3] [1, 1] : tensor<2x12xf32> to tensor<2x3xf32>
    %xf = tensor.extract_slice %xw[0, 3] [2, 3] [1, 1] : tensor<2x12xf32> to tensor<2x3xf32>
    %xo = tensor.extract_slice %xw[0, 6] [2, 3] [1, 1] : tensor<2x12xf32> to tensor<2x3xf32>
    %xg = tensor.extract_slice %xw[0, 9] [2, 3] [1, 1] : tensor<2x12xf32> to tensor<2x3xf32>
    %u_i = tensor.extract_slice %U[0, 0] [1, 3] [1, 1] : tensor<4x3xf32> to tensor<3xf32>
    %u_f = tensor.extract_slice %U[1, 0] [1, 3] [1, 1] : tensor<4x3xf32> to tensor<3xf32>
    %u_o = tensor.extract_slice %U[2, 0] [1, 3] [1, 1] : tensor<4x3xf32> to tensor<3xf32>
    %u_g = tensor.extract_slice %U[3, 0] [1, 3] [1, 1] : tensor<4x3xf32> to tensor<3xf32>
    %ui = linalg.broadcast ins(%u_i : tensor<3xf32>) outs(%empty : tensor<2x3xf32>) dimensions = [0]
    %uf = linalg.broadcast ins(%u_f : tensor<3xf32>) outs(%empty : tensor<2x3xf32>) dimensions = [0]
    %uo = linalg.broadcast ins(%u_o : tensor<3xf32>) outs(%empty : tensor<2x3xf32>) dimensions = [0]
    %ug = linalg.broadcast ins(%u_g : tensor<3xf32>) outs(%empty : tensor<2x3xf32>) dimensions = [0]
    %hi = arith.mulf %h, %ui : tensor<2x3xf32>
    %ipre = arith.addf %xi, %hi : tensor<2x3xf32>
    %hf = arith.mulf %h, %uf : tensor<2x3xf32>
    %fpre = arith.addf %xf, %hf : tensor<2x3xf32>
    %ho = arith.mulf %h, %uo : tensor<2x3xf32>
    %opre = arith.addf %xo, %ho : tensor<2x3xf32>
    %hg = arith.mulf %h, %ug : tensor<2x3xf32>
    %gpre = arith.addf %xg, %hg : tensor<2x3xf32>
    %i_neg = arith.negf %ipre : tensor<2x3xf32>
    %i_exp = math.exp %i_neg : tensor<2x3xf32>
    %i_den = arith.addf %ones, %i_exp : tensor<2x3xf32>
    %i = arith.divf %ones, %i_den : tensor<2x3xf32>
    %f = linalg.generic {{
        indexing_maps = [affine_map<(b, j) -> (b, j)>, affine_map<(b, j) -> (b, j)>],
        iterator_types = ["parallel", "parallel"]}}
        ins(%fpre : tensor<2x3xf32>) outs(%empty : tensor<2x3xf32>) {{
      ^bb0(%v: f32, %o: f32):
        %nv = arith.negf %v : f32
        %e = math.exp %nv : f32
        %d = arith.addf %one, %e : f32
        %s = arith.divf %one, %d : f32
        linalg.yield %s : f32
    }} -> tensor<2x3xf32>
    %o_neg = arith.negf %opre : tensor<2x3xf32>
    %o_exp = math.exp %o_neg : tensor<2x3xf32>
    %o_den = arith.addf %ones, %o_exp : tensor<2x3xf32>
    %o = arith.divf %ones, %o_den : tensor<2x3xf32>
    %g = math.tanh %gpre : tensor<2x3xf32>
    %fc = arith.mulf %f, %c : tensor<2x3xf32>
    %ig = arith.mulf %i, %g : tensor<2x3xf32>
    %cn = arith.addf %fc, %ig : tensor<2x3xf32>
    %tc = math.tanh %cn : tensor<2x3xf32>
    %hn = arith.mulf %o, %tc : tensor<2x3xf32>
    recur.yield %hn, %cn, %hn : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
  }}
  return %hT, %cT, %hs : tensor<2x3xf32>, tensor<2x3xf32>, tensor<4x2x3xf32>
}}
"""


def lstm_diagonal_cell(states, x, w, u):
    h, c = states
    xw = x @ w
    i = sigmoid(xw[:, 0:3] + h * u[0])
    f = sigmoid(xw[:, 3:6] + h * u[1])
    o = sigmoid(xw[:, 6:9] + h * u[2])
    g = np.tanh(xw[:, 9:12] + h * u[3])
    cn = f * c + i * g
    return [o * np.tanh(cn), cn]


# A GRU with its gates packed: one recurrent matmul h R for z and r (sliced
# out), the candidate from a matmul of the concatenation [x_t, r * h]. Dense;
# exercises the tangents of slices and concats of state-dependent values.
GRU_PACKED = """\
func.func @gru_packed(%x: tensor<4x2x3xf32>, %h0: tensor<2x3xf32>, %w: tensor<3x6xf32>, %r: tensor<3x6xf32>,
    %wn: tensor<6x3xf32>) -> (tensor<2x3xf32>, tensor<4x2x3xf32>) {{
{remark}  %hT, %hs = recur.recurrence init(%h0 : tensor<2x3xf32>) seq(%x : tensor<4x2x3xf32>)
      captures(%w, %r, %wn : tensor<3x6xf32>, tensor<3x6xf32>, tensor<6x3xf32>) -> tensor<2x3xf32>, tensor<4x2x3xf32> {{
  ^bb0(%h: tensor<2x3xf32>, %xt: tensor<2x3xf32>, %W: tensor<3x6xf32>, %R: tensor<3x6xf32>, %Wn: tensor<6x3xf32>):
    %zero = arith.constant 0.0 : f32
    %one = arith.constant 1.0 : f32
    %gempty = tensor.empty() : tensor<2x6xf32>
    %empty = tensor.empty() : tensor<2x3xf32>
    %gacc = linalg.fill ins(%zero : f32) outs(%gempty : tensor<2x6xf32>) -> tensor<2x6xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<2x3xf32>) -> tensor<2x3xf32>
    %ones = linalg.fill ins(%one : f32) outs(%empty : tensor<2x3xf32>) -> tensor<2x3xf32>
    %xw = linalg.matmul ins(%xt, %W : tensor<2x3xf32>, tensor<3x6xf32>) outs(%gacc : tensor<2x6xf32>) -> tensor<2x6xf32>
    %g = linalg.matmul ins(%h, %R : tensor<2x3xf32>, tensor<3x6xf32>) outs(%xw : tensor<2x6xf32>) -> tensor<2x6xf32>
    %zpre = tensor.extract_slice %g[0, 0] [2, 3] [1, 1] : tensor<2x6xf32> to tensor<2x3xf32>
    %rpre = tensor.extract_slice %g[0, 3] [2, 3] [1, 1] : tensor<2x6xf32> to tensor<2x3xf32>
    %z_neg = arith.negf %zpre : tensor<2x3xf32>
    %z_exp = math.exp %z_neg : tensor<2x3xf32>
    %z_den = arith.addf %ones, %z_exp : tensor<2x3xf32>
    %z = arith.divf %ones, %z_den : tensor<2x3xf32>
    %r_neg = arith.negf %rpre : tensor<2x3xf32>
    %r_exp = math.exp %r_neg : tensor<2x3xf32>
    %r_den = arith.addf %ones, %r_exp : tensor<2x3xf32>
    %rg = arith.divf %ones, %r_den : tensor<2x3xf32>
    %rh = arith.mulf %rg, %h : tensor<2x3xf32>
    %cat = tensor.concat dim(1) %xt, %rh : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
    %npre = linalg.matmul ins(%cat, %Wn : tensor<2x6xf32>, tensor<6x3xf32>) outs(%acc : tensor<2x3xf32>) -> tensor<2x3xf32>
    %n = math.tanh %npre : tensor<2x3xf32>
    %keep = arith.subf %ones, %z : tensor<2x3xf32>
    %kn = arith.mulf %keep, %n : tensor<2x3xf32>
    %zh = arith.mulf %z, %h : tensor<2x3xf32>
    %hn = arith.addf %kn, %zh : tensor<2x3xf32>
    recur.yield %hn, %hn : tensor<2x3xf32>, tensor<2x3xf32>
  }}
  return %hT, %hs : tensor<2x3xf32>, tensor<4x2x3xf32>
}}
"""


def gru_packed_cell(states, x, w, r, wn):
    (h,) = states
    g = x @ w + h @ r
    z = sigmoid(g[:, 0:3])
    rg = sigmoid(g[:, 3:6])
    n = np.tanh(np.concatenate([x, rg * h], axis=1) @ wn)
    return [(1 - z) * n + z * h]


# The classic LSTM: states (h, c), gates i, f, o, c slices of x W + h R.
# Dense: h and c couple through R; printed as [B, 2H, 2H].
LSTM = """\
func.func @lstm(%x: tensor<4x2x3xf32>, %h0: tensor<2x3xf32>, %c0: tensor<2x3xf32>, %w: tensor<3x12xf32>, %r: tensor<3x12xf32>)
    -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<4x2x3xf32>) {{
{remark}  %hT, %cT, %hs = recur.recurrence init(%h0, %c0 : tensor<2x3xf32>, tensor<2x3xf32>) seq(%x : tensor<4x2x3xf32>)
      captures(%w, %r : tensor<3x12xf32>, tensor<3x12xf32>) -> tensor<2x3xf32>, tensor<2x3xf32>, tensor<4x2x3xf32> {{
  ^bb0(%h: tensor<2x3xf32>, %c: tensor<2x3xf32>, %xt: tensor<2x3xf32>, %W: tensor<3x12xf32>, %R: tensor<3x12xf32>):
    %zero = arith.constant 0.0 : f32
    %one = arith.constant 1.0 : f32
    %gempty = tensor.empty() : tensor<2x12xf32>
    %empty = tensor.empty() : tensor<2x3xf32>
    %gacc = linalg.fill ins(%zero : f32) outs(%gempty : tensor<2x12xf32>) -> tensor<2x12xf32>
    %ones = linalg.fill ins(%one : f32) outs(%empty : tensor<2x3xf32>) -> tensor<2x3xf32>
    %xw = linalg.matmul ins(%xt, %W : tensor<2x3xf32>, tensor<3x12xf32>) outs(%gacc : tensor<2x12xf32>) -> tensor<2x12xf32>
    %g = linalg.matmul ins(%h, %R : tensor<2x3xf32>, tensor<3x12xf32>) outs(%xw : tensor<2x12xf32>) -> tensor<2x12xf32>
    %ipre = tensor.extract_slice %g[0, 0] [2, 3] [1, 1] : tensor<2x12xf32> to tensor<2x3xf32>
    %fpre = tensor.extract_slice %g[0, 3] [2, 3] [1, 1] : tensor<2x12xf32> to tensor<2x3xf32>
    %opre = tensor.extract_slice %g[0, 6] [2, 3] [1, 1] : tensor<2x12xf32> to tensor<2x3xf32>
    %cpre = tensor.extract_slice %g[0, 9] [2, 3] [1, 1] : tensor<2x12xf32> to tensor<2x3xf32>
    %i_neg = arith.negf %ipre : tensor<2x3xf32>
    %i_exp = math.exp %i_neg : tensor<2x3xf32>
    %i_den = arith.addf %ones, %i_exp : tensor<2x3xf32>
    %i = arith.divf %ones, %i_den : tensor<2x3xf32>
    %f_neg = arith.negf %fpre : tensor<2x3xf32>
    %f_exp = math.exp %f_neg : tensor<2x3xf32>
    %f_den = arith.addf %ones, %f_exp : tensor<2x3xf32>
    %f = arith.divf %ones, %f_den : tensor<2x3xf32>
    %o_neg = arith.negf %opre : tensor<2x3xf32>
    %o_exp = math.exp %o_neg : tensor<2x3xf32>
    %o_den = arith.addf %ones, %o_exp : tensor<2x3xf32>
    %o = arith.divf %ones, %o_den : tensor<2x3xf32>
    %cand = math.tanh %cpre : tensor<2x3xf32>
    %fc = arith.mulf %f, %c : tensor<2x3xf32>
    %ic = arith.mulf %i, %cand : tensor<2x3xf32>
    %cn = arith.addf %fc, %ic : tensor<2x3xf32>
    %tc = math.tanh %cn : tensor<2x3xf32>
    %hn = arith.mulf %o, %tc : tensor<2x3xf32>
    recur.yield %hn, %cn, %hn : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
  }}
  return %hT, %cT, %hs : tensor<2x3xf32>, tensor<2x3xf32>, tensor<4x2x3xf32>
}}
"""


def lstm_cell(states, x, w, r):
    h, c = states
    g = x @ w + h @ r
    i = sigmoid(g[:, 0:3])
    f = sigmoid(g[:, 3:6])
    o = sigmoid(g[:, 6:9])
    cn = f * c + i * np.tanh(g[:, 9:12])
    return [o * np.tanh(cn), cn]


# State-dependent transpose, reduction and broadcast (linalg.transpose,
# linalg.reduce, linalg.broadcast, all generalized to be derived):
# s[b] = sum_j h[b, j], h' = tanh(h * s + x). Dense within each batch row.
REDUCE_BROADCAST = """\
func.func @reduce_broadcast(%x: tensor<4x2x3xf32>, %h0: tensor<2x3xf32>) -> tensor<2x3xf32> {{
{remark}  %hT = recur.recurrence init(%h0 : tensor<2x3xf32>) seq(%x : tensor<4x2x3xf32>) -> tensor<2x3xf32> {{
  ^bb0(%h: tensor<2x3xf32>, %xt: tensor<2x3xf32>):
    %zero = arith.constant 0.0 : f32
    %tempty = tensor.empty() : tensor<3x2xf32>
    %ht = linalg.transpose ins(%h : tensor<2x3xf32>) outs(%tempty : tensor<3x2xf32>) permutation = [1, 0]
    %sempty = tensor.empty() : tensor<2xf32>
    %sinit = linalg.fill ins(%zero : f32) outs(%sempty : tensor<2xf32>) -> tensor<2xf32>
    %s = linalg.reduce ins(%ht : tensor<3x2xf32>) outs(%sinit : tensor<2xf32>) dimensions = [0]
      (%in: f32, %acc: f32) {{
        %a = arith.addf %in, %acc : f32
        linalg.yield %a : f32
      }}
    %empty = tensor.empty() : tensor<2x3xf32>
    %sb = linalg.broadcast ins(%s : tensor<2xf32>) outs(%empty : tensor<2x3xf32>) dimensions = [1]
    %hs = arith.mulf %h, %sb : tensor<2x3xf32>
    %pre = arith.addf %hs, %xt : tensor<2x3xf32>
    %hn = math.tanh %pre : tensor<2x3xf32>
    recur.yield %hn : tensor<2x3xf32>
  }}
  return %hT : tensor<2x3xf32>
}}
"""


def reduce_broadcast_cell(states, x):
    (h,) = states
    return [np.tanh(h * h.sum(axis=1, keepdims=True) + x)]


# The other elementwise math rules (powf with an exponent that does not
# depend on the state, rsqrt, log1p, absf):
# h' = ((h^2 + 1)^1.5 + (h^2 + 1)^-1/2 + log1p(h^2)) |h| + x. Diagonal. The
# state is drawn away from absf's kink at 0 (the cell asserts it).
ELEMENTWISE_MATH = """\
func.func @elementwise_math(%x: tensor<4x2x3xf32>, %h0: tensor<2x3xf32>) -> tensor<2x3xf32> {{
{remark}  %hT = recur.recurrence init(%h0 : tensor<2x3xf32>) seq(%x : tensor<4x2x3xf32>) -> tensor<2x3xf32> {{
  ^bb0(%h: tensor<2x3xf32>, %xt: tensor<2x3xf32>):
    %one = arith.constant dense<1.0> : tensor<2x3xf32>
    %e = arith.constant dense<1.5> : tensor<2x3xf32>
    %hh = arith.mulf %h, %h : tensor<2x3xf32>
    %a = arith.addf %hh, %one : tensor<2x3xf32>
    %p = math.powf %a, %e : tensor<2x3xf32>
    %r = math.rsqrt %a : tensor<2x3xf32>
    %l = math.log1p %hh : tensor<2x3xf32>
    %s1 = arith.addf %p, %r : tensor<2x3xf32>
    %s2 = arith.addf %s1, %l : tensor<2x3xf32>
    %ab = math.absf %h : tensor<2x3xf32>
    %m = arith.mulf %s2, %ab : tensor<2x3xf32>
    %hn = arith.addf %m, %xt : tensor<2x3xf32>
    recur.yield %hn : tensor<2x3xf32>
  }}
  return %hT : tensor<2x3xf32>
}}
"""


def elementwise_math_cell(states, x):
    (h,) = states
    assert np.abs(h).min() > 0.04, "state too close to absf's kink"
    assert (h < 0).any() and (h > 0).any(), "one sign of absf untested"
    a = h * h + 1
    return [(a ** 1.5 + a ** -0.5 + np.log1p(h * h)) * np.abs(h) + x]


# (name, mlir, cell, state shapes, step input shape, capture shapes,
#  structure, block, summary)
MODELS = [
    ("tanh_rnn", TANH_RNN, tanh_rnn_cell, [(B, H)], (B, X),
     [(X, H), (H, H), (H,)], "dense", 0,
     "tanh RNN, h_t = tanh(x_t W + h_{t-1} R^T + bias): a dense Jacobian, "
     "J[b] = diag(1 - h_t[b]^2) R, one [H, H] block per batch row."),
    ("gru_diagonal", GRU_DIAGONAL, gru_diagonal_cell, [(B, H)], (B, X),
     [(X, H), (X, H), (X, H), (H,), (H,), (H,)], "diagonal", 1,
     "GRU with diagonal recurrent weights: a diagonal Jacobian, one value "
     "per state element."),
    ("lstm_diagonal", LSTM_DIAGONAL, lstm_diagonal_cell, [(B, H), (B, H)],
     (B, X), [(X, 4 * H), (4, H)], "block_diagonal", 2,
     "LSTM with diagonal recurrent weights, states (h, c): a block-diagonal "
     "Jacobian, per element the 2x2 block [[dh'/dh, dh'/dc], [dc'/dh, "
     "dc'/dc]], printed as [B, H, 2, 2]."),
    ("gru_packed", GRU_PACKED, gru_packed_cell, [(B, H)], (B, X),
     [(X, 2 * H), (H, 2 * H), (X + H, H)], "dense", 0,
     "GRU with packed gates (slices of one recurrent matmul, the candidate "
     "from a concat [x_t, r * h]): a dense Jacobian, one [H, H] block per "
     "batch row."),
    ("lstm", LSTM, lstm_cell, [(B, H), (B, H)], (B, X),
     [(X, 4 * H), (H, 4 * H)], "dense", 0,
     "Classic LSTM, states (h, c), gates sliced from x W + h R: a dense "
     "Jacobian over the stacked state [h; c], one [2H, 2H] block per batch "
     "row, [b, i H + e, j H + f] = d next_i[b, e] / d state_j[b, f]."),
    ("reduce_broadcast", REDUCE_BROADCAST, reduce_broadcast_cell, [(B, H)],
     (B, X), [], "dense", 0,
     "A body that transposes, reduces and broadcasts the state, "
     "h_t = tanh(h * sum_j h[:, j] + x_t): a dense Jacobian, one [H, H] "
     "block per batch row."),
    ("elementwise_math", ELEMENTWISE_MATH, elementwise_math_cell, [(B, H)],
     (B, X), [], "diagonal", 1,
     "h_t = ((h^2 + 1)^1.5 + (h^2 + 1)^(-1/2) + log1p(h^2)) |h| + x_t "
     "(math.powf with a constant exponent, rsqrt, log1p, absf): a diagonal "
     "Jacobian. The state is away from absf's kink at 0 and has both "
     "signs."),
]


def full_jacobian(cell, states, x, caps, eps=1e-5):
    """J[(i, e), (j, f)] = d next_i[e] / d state_j[f], central differences
    in float64."""
    sizes = [s.size for s in states]
    n = sum(sizes)
    flat = np.concatenate([s.ravel() for s in states])

    def f(v):
        parts, k = [], 0
        for s in states:
            parts.append(v[k:k + s.size].reshape(s.shape))
            k += s.size
        return np.concatenate([o.ravel() for o in cell(parts, x, *caps)])

    jac = np.zeros((n, n))
    for k in range(n):
        d = np.zeros(n)
        d[k] = eps
        jac[:, k] = (f(flat + d) - f(flat - d)) / (2 * eps)
    return jac


def structured(jac, state_shapes, structure):
    """The materialized layout of `jac`, after checking that everything
    outside the structure is zero."""
    shape = state_shapes[0]
    size = int(np.prod(shape))
    k = len(state_shapes)
    mask = np.zeros_like(jac, dtype=bool)
    if structure == "dense":
        # [b, i H + e, j H + f] = d next_i[b, e] / d state_j[b, f]
        b, h = shape
        out = np.zeros((b, k * h, k * h))
        for r in range(b):
            rows = [i * size + r * h + e for i in range(k) for e in range(h)]
            mask[np.ix_(rows, rows)] = True
            out[r] = jac[np.ix_(rows, rows)]
    else:
        out = np.zeros(shape + (k, k))
        for i in range(k):
            for j in range(k):
                for e in range(size):
                    mask[i * size + e, j * size + e] = True
                out[..., i, j] = np.diagonal(
                    jac[i * size:(i + 1) * size,
                        j * size:(j + 1) * size]).reshape(shape)
        if k == 1:
            out = out[..., 0, 0]
    leak = np.abs(jac[~mask]).max() if (~mask).any() else 0.0
    assert leak < 1e-9, "structure %s violated by %g" % (structure, leak)
    return out


def write_execution_test(name, mlir, cell, state_shapes, x_shape, cap_shapes,
                         structure, block, summary, rng):
    f32 = lambda a: np.asarray(a, dtype=np.float32)  # noqa: E731
    draw = lambda s: f32(np.round(rng.uniform(-1, 1, s), 2))  # noqa: E731
    states = [draw(s) for s in state_shapes]
    x = draw(x_shape)
    caps = [draw(s) for s in cap_shapes]
    as64 = lambda a: a.astype(np.float64)  # noqa: E731
    jac = full_jacobian(cell, [as64(s) for s in states], as64(x),
                        [as64(c) for c in caps])
    want = structured(jac, state_shapes, structure)

    args = states + [x] + caps
    arg_types = [mlirgen.tensor_type(a.shape) for a in args]
    if structure == "dense":
        result_types = [mlirgen.tensor_type(want.shape)]
    elif structure == "diagonal":
        result_types = [mlirgen.tensor_type(s) for s in state_shapes]
    else:
        result_types = [mlirgen.tensor_type(want.shape)]
    lines = mlirgen.header(
        SCRIPT, "central finite differences of the numpy cell",
        textwrap.fill(summary + " The reference checks that every entry "
                      "outside that structure is zero.", 76),
        runs=["// RUN: recur-opt %s --recur-materialize-jacobian "
              "--recur-reference-to-llvm | %recur-runner | %numcheck",
              "// RUN: recur-opt %s --recur-test-jacobian -o /dev/null 2>&1 "
              "| FileCheck %s --check-prefix=STRUCT"])
    desc = "structure=" + structure
    if structure == "block_diagonal":
        desc += ", block=%d" % block
    lines += ["//", "// STRUCT: jacobian: " + desc,
              "// DIFFERENTIAL-PRE-PASSES: --recur-materialize-jacobian",
              "// TOLERANCE: 1e-5  (see " + SCRIPT + ")",
              mlirgen.expect_line(want), ""]
    lines.append(mlir.format(remark=""))
    lines.append("func.func private @%s_jacobian(%s) -> %s" % (
        name, ", ".join(arg_types), ", ".join(result_types)))
    lines.append("")
    lines.append(mlirgen.PRINT_DECL)
    lines.append("")
    lines.append("func.func @main() {")
    names = []
    for k, a in enumerate(args):
        lines.append("  %%in%d = arith.constant dense<%s> : %s" % (
            k, mlirgen.literal(a), arg_types[k]))
        names.append("%%in%d" % k)
    lines.append("  %%j = call @%s_jacobian(%s) : (%s) -> %s" % (
        name, ", ".join(names), ", ".join(arg_types), result_types[0]))
    lines.append("  %%p = tensor.cast %%j : %s to tensor<*xf32>" %
                 result_types[0])
    lines.append("  call @printMemrefF32(%p) : (tensor<*xf32>) -> ()")
    lines.append("  return")
    lines.append("}")
    path = os.path.join(OUT, "jacobian-%s.mlir" % name.replace("_", "-"))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return np.abs(want).max()


# Only in the structure test.
STRUCTURE_ONLY = """\
// A minGRU-like cell with a nonlinear, elementwise use of the state:
// h' = (1 - z) h + z tanh(x Wh + h u), z = sigmoid(x Wz + h v). Diagonal.
func.func @elementwise_cell(%x: tensor<4x2x3xf32>, %h0: tensor<2x3xf32>, %wz: tensor<3x3xf32>, %wh: tensor<3x3xf32>,
    %u: tensor<2x3xf32>, %v: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<4x2x3xf32>) {
  // expected-remark @below {{jacobian: structure=diagonal}}
  %hT, %hs = recur.recurrence init(%h0 : tensor<2x3xf32>) seq(%x : tensor<4x2x3xf32>)
      captures(%wz, %wh, %u, %v : tensor<3x3xf32>, tensor<3x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>)
      -> tensor<2x3xf32>, tensor<4x2x3xf32> {
  ^bb0(%h: tensor<2x3xf32>, %xt: tensor<2x3xf32>, %Wz: tensor<3x3xf32>, %Wh: tensor<3x3xf32>, %U: tensor<2x3xf32>, %V: tensor<2x3xf32>):
    %zero = arith.constant 0.0 : f32
    %one = arith.constant 1.0 : f32
    %empty = tensor.empty() : tensor<2x3xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<2x3xf32>) -> tensor<2x3xf32>
    %ones = linalg.fill ins(%one : f32) outs(%empty : tensor<2x3xf32>) -> tensor<2x3xf32>
    %xz = linalg.matmul ins(%xt, %Wz : tensor<2x3xf32>, tensor<3x3xf32>) outs(%acc : tensor<2x3xf32>) -> tensor<2x3xf32>
    %xh = linalg.matmul ins(%xt, %Wh : tensor<2x3xf32>, tensor<3x3xf32>) outs(%acc : tensor<2x3xf32>) -> tensor<2x3xf32>
    %hv = arith.mulf %h, %V : tensor<2x3xf32>
    %zpre = arith.addf %xz, %hv : tensor<2x3xf32>
    %zn = arith.negf %zpre : tensor<2x3xf32>
    %ze = math.exp %zn : tensor<2x3xf32>
    %zd = arith.addf %ones, %ze : tensor<2x3xf32>
    %z = arith.divf %ones, %zd : tensor<2x3xf32>
    %hu = arith.mulf %h, %U : tensor<2x3xf32>
    %cpre = arith.addf %xh, %hu : tensor<2x3xf32>
    %cand = math.tanh %cpre : tensor<2x3xf32>
    %keep = arith.subf %ones, %z : tensor<2x3xf32>
    %kh = arith.mulf %keep, %h : tensor<2x3xf32>
    %zc = arith.mulf %z, %cand : tensor<2x3xf32>
    %hn = arith.addf %kh, %zc : tensor<2x3xf32>
    recur.yield %hn, %hn : tensor<2x3xf32>, tensor<2x3xf32>
  }
  return %hT, %hs : tensor<2x3xf32>, tensor<4x2x3xf32>
}

// ONNX GRU and LSTM cells, decomposed by --recur-decompose-cells: their
// recurrent weights are dense matmuls. Dense (the LSTM's c and h couple
// through them too).
func.func @onnx_gru(%x: tensor<4x2x3xf32>, %w: tensor<1x6x3xf32>, %r: tensor<1x6x2xf32>)
    -> (tensor<4x1x2x2xf32>, tensor<1x2x2xf32>) {
  // expected-remark @below {{jacobian: structure=dense}}
  %y, %yh = recur.gru(%x, %w, %r : tensor<4x2x3xf32>, tensor<1x6x3xf32>, tensor<1x6x2xf32>)
      {hidden_size = 2 : i64} -> tensor<4x1x2x2xf32>, tensor<1x2x2xf32>
  return %y, %yh : tensor<4x1x2x2xf32>, tensor<1x2x2xf32>
}

func.func @onnx_lstm(%x: tensor<4x2x3xf32>, %w: tensor<1x8x3xf32>, %r: tensor<1x8x2xf32>)
    -> (tensor<4x1x2x2xf32>, tensor<1x2x2xf32>, tensor<1x2x2xf32>) {
  // expected-remark @below {{jacobian: structure=dense}}
  %y, %yh, %yc = recur.lstm(%x, %w, %r : tensor<4x2x3xf32>, tensor<1x8x3xf32>, tensor<1x8x2xf32>)
      {hidden_size = 2 : i64} -> tensor<4x1x2x2xf32>, tensor<1x2x2xf32>, tensor<1x2x2xf32>
  return %y, %yh, %yc : tensor<4x1x2x2xf32>, tensor<1x2x2xf32>, tensor<1x2x2xf32>
}

// Two states of different shapes, each updated from itself elementwise:
// diagonal (two groups of one).
func.func @two_independent(%x: tensor<4x3xf32>, %a0: tensor<3xf32>, %b0: tensor<2x3xf32>)
    -> (tensor<3xf32>, tensor<2x3xf32>) {
  // expected-remark @below {{jacobian: structure=diagonal}}
  %aT, %bT = recur.recurrence init(%a0, %b0 : tensor<3xf32>, tensor<2x3xf32>) seq(%x : tensor<4x3xf32>)
      -> tensor<3xf32>, tensor<2x3xf32> {
  ^bb0(%a: tensor<3xf32>, %b: tensor<2x3xf32>, %xt: tensor<3xf32>):
    %an = math.tanh %a : tensor<3xf32>
    %a2 = arith.addf %an, %xt : tensor<3xf32>
    %bn = math.exp %b : tensor<2x3xf32>
    recur.yield %a2, %bn : tensor<3xf32>, tensor<2x3xf32>
  }
  return %aT, %bT : tensor<3xf32>, tensor<2x3xf32>
}

// Two states coupled through a matmul: dense.
func.func @coupled_dense(%x: tensor<4x2x3xf32>, %a0: tensor<2x3xf32>, %b0: tensor<2x3xf32>, %m: tensor<3x3xf32>)
    -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  // expected-remark @below {{jacobian: structure=dense}}
  %aT, %bT = recur.recurrence init(%a0, %b0 : tensor<2x3xf32>, tensor<2x3xf32>) seq(%x : tensor<4x2x3xf32>)
      captures(%m : tensor<3x3xf32>) -> tensor<2x3xf32>, tensor<2x3xf32> {
  ^bb0(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>, %xt: tensor<2x3xf32>, %M: tensor<3x3xf32>):
    %zero = arith.constant 0.0 : f32
    %empty = tensor.empty() : tensor<2x3xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<2x3xf32>) -> tensor<2x3xf32>
    %bm = linalg.matmul ins(%b, %M : tensor<2x3xf32>, tensor<3x3xf32>) outs(%acc : tensor<2x3xf32>) -> tensor<2x3xf32>
    %an = math.tanh %bm : tensor<2x3xf32>
    %bn = arith.mulf %a, %xt : tensor<2x3xf32>
    recur.yield %an, %bn : tensor<2x3xf32>, tensor<2x3xf32>
  }
  return %aT, %bT : tensor<2x3xf32>, tensor<2x3xf32>
}

// The detection is conservative: the state taken apart by slices and put
// back together by a concat has an elementwise Jacobian, but is reported
// dense (slices and concats are not tracked element by element).
func.func @slice_concat(%x: tensor<4x2x3xf32>, %h0: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-remark @below {{jacobian: structure=dense}}
  %hT = recur.recurrence init(%h0 : tensor<2x3xf32>) seq(%x : tensor<4x2x3xf32>) -> tensor<2x3xf32> {
  ^bb0(%h: tensor<2x3xf32>, %xt: tensor<2x3xf32>):
    %l = tensor.extract_slice %h[0, 0] [2, 1] [1, 1] : tensor<2x3xf32> to tensor<2x1xf32>
    %r = tensor.extract_slice %h[0, 1] [2, 2] [1, 1] : tensor<2x3xf32> to tensor<2x2xf32>
    %c = tensor.concat dim(1) %l, %r : (tensor<2x1xf32>, tensor<2x2xf32>) -> tensor<2x3xf32>
    %t = math.tanh %c : tensor<2x3xf32>
    %hn = arith.addf %t, %xt : tensor<2x3xf32>
    recur.yield %hn : tensor<2x3xf32>
  }
  return %hT : tensor<2x3xf32>
}

// Ops without a derivative rule on the state's path: the analysis names the
// first one and where it is.
func.func @no_rule(%x: tensor<4x3xf32>, %h0: tensor<3xf32>) -> tensor<3xf32> {
  // expected-remark-re @below {{jacobian: unsupported (math.sin at {{.*}}jacobian-structure.mlir:{{[0-9]+}}:10: no derivative rule for it)}}
  %hT = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4x3xf32>) -> tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>):
    %a = arith.addf %h, %xt : tensor<3xf32>
    // expected-note @below {{no derivative here}}
    %s = math.sin %a : tensor<3xf32>
    recur.yield %s : tensor<3xf32>
  }
  return %hT : tensor<3xf32>
}

// math.powf's rule needs an exponent that does not depend on the state.
func.func @pow_state_exponent(%x: tensor<4x3xf32>, %h0: tensor<3xf32>) -> tensor<3xf32> {
  // expected-remark-re @below {{jacobian: unsupported (math.powf at {{.*}}jacobian-structure.mlir:{{[0-9]+}}:10: its exponent depends on the state)}}
  %hT = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4x3xf32>) -> tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>):
    // expected-note @below {{no derivative here}}
    %p = math.powf %xt, %h : tensor<3xf32>
    recur.yield %p : tensor<3xf32>
  }
  return %hT : tensor<3xf32>
}

func.func @region_op(%x: tensor<4xf32>, %h0: tensor<f32>, %flag: i1) -> tensor<f32> {
  // expected-remark-re @below {{jacobian: unsupported (scf.if at {{.*}}jacobian-structure.mlir:{{[0-9]+}}:10: no derivative rule for an op with regions)}}
  %hT = recur.recurrence init(%h0 : tensor<f32>) seq(%x : tensor<4xf32>) captures(%flag : i1) -> tensor<f32> {
  ^bb0(%h: tensor<f32>, %xt: tensor<f32>, %f: i1):
    // expected-note @below {{no derivative here}}
    %n = scf.if %f -> tensor<f32> {
      scf.yield %h : tensor<f32>
    } else {
      %t = math.tanh %h : tensor<f32>
      scf.yield %t : tensor<f32>
    }
    recur.yield %n : tensor<f32>
  }
  return %hT : tensor<f32>
}
"""


def write_structure_test(models):
    lines = [
        "// RUN: recur-opt %s --recur-decompose-cells --recur-test-jacobian "
        "-verify-diagnostics -o /dev/null",
        "//",
        "// Generated by %s; do not edit. Regenerate with" % SCRIPT,
        "//   /usr/bin/python3 %s" % SCRIPT,
        "//",
        "// The Jacobian structure --recur-test-jacobian reports per "
        "recurrence. The",
        "// models of the execution tests (jacobian-*.mlir) first; there "
        "the numbers",
        "// of J_t confirm each structure.",
        "",
    ]
    for (name, mlir, _, _, _, _, structure, block, summary) in models:
        desc = "structure=" + structure
        if structure == "block_diagonal":
            desc += ", block=%d" % block
        lines += mlirgen.comment_lines(textwrap.fill(summary, 76))
        lines.append(mlir.format(
            remark="  // expected-remark @below {{jacobian: %s}}\n" % desc))
    lines.append(STRUCTURE_ONLY)
    with open(os.path.join(OUT, "jacobian-structure.mlir"), "w") as f:
        f.write("\n".join(lines))


# ---------------------------------------------------------------------------
# ONNX RNN, decomposed, once per activation
# ---------------------------------------------------------------------------

# (name, alpha, beta, numpy activation from ONNX's definitions, kinks):
# alpha/beta given where the activation takes them (not the defaults, so
# that they reach the derivative); kinks are the pre-activation values where
# the activation's derivative jumps.
RNN_ACTIVATIONS = [
    ("Relu", None, None, lambda v: np.maximum(v, 0.0), [0.0]),
    ("LeakyRelu", 0.1, None, lambda v: np.where(v >= 0, v, 0.1 * v), [0.0]),
    ("Elu", 0.8, None,
     lambda v: np.where(v >= 0, v, 0.8 * (np.exp(np.minimum(v, 0)) - 1)),
     [0.0]),
    ("Softsign", None, None, lambda v: v / (1 + np.abs(v)), [0.0]),
    ("Softplus", None, None, lambda v: np.log1p(np.exp(v)), []),
    ("HardSigmoid", 0.5, 0.5, lambda v: np.clip(0.5 * v + 0.5, 0.0, 1.0),
     [-1.0, 1.0]),
    ("ThresholdedRelu", 0.2, None, lambda v: np.where(v > 0.2, v, 0.0),
     [0.2]),
    ("ScaledTanh", 1.5, 0.8, lambda v: 1.5 * np.tanh(0.8 * v), []),
    ("Affine", 0.7, 0.2, lambda v: 0.7 * v + 0.2, []),
]

# Pre-activations at least this far from every kink: central differences
# (step 1e-5) then never straddle one, and float32 rounding (~1e-7) cannot
# move a value across one, so both sides agree on the branch. The
# derivative AT a kink (the one-sided one the compiled select/max picks) is
# deliberately not tested against finite differences.
KINK_MARGIN = 0.05

RNN_FUNC = """\
func.func @rnn_{lower}(%x: tensor<1x{B}x{X}xf32>, %w: tensor<1x{H}x{X}xf32>, %r: tensor<1x{H}x{H}xf32>, %b: tensor<1x{H2}xf32>,
    %h0: tensor<1x{B}x{H}xf32>) -> tensor<1x{B}x{H}xf32> {{
  %y, %yh = recur.rnn(%x, %w, %r : tensor<1x{B}x{X}xf32>, tensor<1x{H}x{X}xf32>, tensor<1x{H}x{H}xf32>) bias(%b : tensor<1x{H2}xf32>)
      initial_h(%h0 : tensor<1x{B}x{H}xf32>) {{hidden_size = {H} : i64, activations = ["{act}"]{attrs}}}
      -> tensor<1x1x{B}x{H}xf32>, tensor<1x{B}x{H}xf32>
  return %yh : tensor<1x{B}x{H}xf32>
}}
"""


def rnn_cell(act):
    """ONNX's RNN step, h' = f(x W^T + h R^T + Wb + Rb), with W, R in
    ONNX's [H, X] and [H, H] layouts (no clip)."""
    def cell(states, x, w, r, wb, rb):
        (h,) = states
        return [act(x @ w.T + h @ r.T + wb + rb)]
    return cell


def draw_rnn_inputs(rng, kinks):
    """Inputs whose pre-activations are KINK_MARGIN or more from every kink
    and fall on every side of every kink (both branches derived), redrawn
    until they do (the rng is seeded: the same inputs every run)."""
    f32 = lambda a: np.asarray(a, dtype=np.float32)  # noqa: E731
    draw = lambda s, lim=1.0: f32(np.round(rng.uniform(-lim, lim, s), 2))  # noqa: E731,E501
    for _ in range(10000):
        h, x = draw((B, H)), draw((B, X))
        w, r = draw((H, X)), draw((H, H))
        wb, rb = draw((H,), 0.5), draw((H,), 0.5)
        pre = (x.astype(np.float64) @ w.T.astype(np.float64) +
               h.astype(np.float64) @ r.T.astype(np.float64) + wb + rb)
        if any(np.abs(pre - k).min() < KINK_MARGIN for k in kinks):
            continue
        sides = np.searchsorted(np.array(kinks), pre.ravel())
        if len(set(sides.tolist())) != len(kinks) + 1:
            continue
        return h, x, w, r, wb, rb, pre
    raise RuntimeError("no inputs away from the kinks %s" % kinks)


def write_rnn_activations_test(rng):
    """test/Analysis/jacobian-rnn-activations.mlir: recur.rnn decomposed by
    --recur-decompose-cells, one function per activation; J_t (dense,
    [B, H, H]) of each against finite differences of rnn_cell."""
    as64 = lambda a: a.astype(np.float64)  # noqa: E731
    funcs, decls, calls, expects = [], [], [], []
    max_abs = 0.0
    for k, (act, alpha, beta, fn, kinks) in enumerate(RNN_ACTIVATIONS):
        lower = act.lower()
        h, x, w, r, wb, rb, pre = draw_rnn_inputs(rng, kinks)
        jac = full_jacobian(rnn_cell(fn), [as64(h)], as64(x),
                            [as64(w), as64(r), as64(wb), as64(rb)])
        want = structured(jac, [(B, H)], "dense")
        max_abs = max(max_abs, np.abs(want).max())
        attrs = ""
        if alpha is not None:
            attrs += ", activation_alpha = [%s : f32]" % alpha
        if beta is not None:
            attrs += ", activation_beta = [%s : f32]" % beta
        funcs.append(RNN_FUNC.format(lower=lower, act=act, attrs=attrs, B=B,
                                     H=H, X=X, H2=2 * H))
        # The decomposed recurrence's body arguments, in its order: the
        # state, the step's input, then the captures DecomposeCells makes
        # (W^T, R^T for [B, K] x [K, N] matmuls, the two biases).
        args = [h, x, np.ascontiguousarray(w.T), np.ascontiguousarray(r.T),
                wb, rb]
        types = [mlirgen.tensor_type(a.shape) for a in args]
        result = mlirgen.tensor_type(want.shape)
        decls.append("func.func private @rnn_%s_jacobian(%s) -> %s" % (
            lower, ", ".join(types), result))
        where = ", ".join("%.2f" % v for v in sorted(pre.ravel()))
        expects += ["// %s%s: pre-activations %s" % (
            act, " (kinks at %s)" % ", ".join(str(v) for v in kinks)
            if kinks else "", where),
            mlirgen.expect_line(want)]
        names = []
        calls.append("  // %s." % act)
        for n, (a, t) in enumerate(zip(args, types)):
            calls.append("  %%a%d_%d = arith.constant dense<%s> : %s" % (
                k, n, mlirgen.literal(a), t))
            names.append("%%a%d_%d" % (k, n))
        calls.append("  %%j%d = call @rnn_%s_jacobian(%s) : (%s) -> %s" % (
            k, lower, ", ".join(names), ", ".join(types), result))
        calls.append("  %%p%d = tensor.cast %%j%d : %s to tensor<*xf32>" % (
            k, k, result))
        calls.append("  call @printMemrefF32(%%p%d) : (tensor<*xf32>) -> ()"
                     % k)

    summary = (
        "recur.rnn (ONNX RNN, h_t = f(x_t W^T + h_{t-1} R^T + Wb + Rb)) "
        "decomposed by --recur-decompose-cells, once per activation f: "
        "the forward-mode rules of the ops DecomposeCells writes for them "
        "(maximumf/minimumf, cmpf + select, absf, log1p, exp, tanh). A "
        "dense Jacobian, J[b] = diag(f'(v[b])) R, one [H, H] block per "
        "batch row. Each function's inputs are drawn so that every "
        "pre-activation v is %g or more from the activation's kinks and "
        "falls on every side of them (the derivative at a kink itself is "
        "not compared: finite differences have no single value there). "
        "The reference checks that everything outside the structure is "
        "zero." % KINK_MARGIN)
    lines = mlirgen.header(
        SCRIPT, "central finite differences of the numpy cell",
        textwrap.fill(summary, 76),
        runs=["// RUN: recur-opt %s --recur-decompose-cells "
              "--recur-materialize-jacobian --recur-reference-to-llvm "
              "| %recur-runner | %numcheck",
              "// RUN: recur-opt %s --recur-decompose-cells "
              "--recur-test-jacobian -o /dev/null 2>&1 "
              "| FileCheck %s --check-prefix=STRUCT"])
    lines += ["//",
              "// STRUCT-COUNT-%d: remark: jacobian: structure=dense" %
              len(RNN_ACTIVATIONS),
              "// STRUCT-NOT: jacobian:",
              "// DIFFERENTIAL-PRE-PASSES: --recur-decompose-cells "
              "--recur-materialize-jacobian",
              "// TOLERANCE: 1e-5  (see " + SCRIPT + ")", ""]
    lines += expects + [""]
    lines += funcs + decls + ["", mlirgen.PRINT_DECL, "",
                              "func.func @main() {"] + calls
    lines += ["  return", "}"]
    path = os.path.join(OUT, "jacobian-rnn-activations.mlir")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return max_abs


def main():
    rng = np.random.default_rng(7)
    for m in MODELS:
        write_execution_test(*m, rng=rng)
    write_structure_test(MODELS)
    write_rnn_activations_test(np.random.default_rng(11))


if __name__ == "__main__":
    main()
