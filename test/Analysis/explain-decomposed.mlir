// RUN: recur-opt %s --recur-decompose-cells --recur-explain -verify-diagnostics -o /dev/null
//
// Named cells decomposed into recur.recurrence (--recur-decompose-cells)
// are classified like any user-written recurrence: the tanh RNN is
// nonlinear at its tanh, the RNN with the Affine activation is a dense
// linear recurrence. The decomposed ops keep the cell's location.

func.func @rnn(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) -> (tensor<1x2x4xf32>, tensor<1x2x4xf32>) {
  // expected-remark-re @below {{recurrence: nonlinear (math.tanh at {{.*}}explain-decomposed.mlir:10:13 depends on state #0), strategy=sequential (cost model: T=5 is too short for Newton to pay off)}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) {hidden_size = 4} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  // expected-remark @below {{recurrence: linear, structure=dense, batch_dims=1, strategy=scan (h_next = A(x_t) h + b(x_t), A dense)}}
  %y2, %yh2 = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) {hidden_size = 4, activations = ["Affine"], activation_alpha = [0.5 : f32], activation_beta = [0.1 : f32]} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  return %yh, %yh2 : tensor<1x2x4xf32>, tensor<1x2x4xf32>
}
