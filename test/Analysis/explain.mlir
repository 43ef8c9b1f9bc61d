// RUN: recur-opt %s --split-input-file --recur-explain -verify-diagnostics -o /dev/null
//
// --recur-explain on every kind of recurrence-like op. (The families of
// test/Analysis/<family>.mlir check it on user-written recurrences.)

func.func @linear_scan(%a: tensor<6x2x4xf32>, %b: tensor<6x2x4x3xf32>, %h0: tensor<2x4x3xf32>) -> tensor<2x4x3xf32> {
  // expected-remark @below {{recurrence: linear, structure=scalar, batch_dims=2, strategy=scan (already a linear scan)}}
  %hs, %hT = recur.linear_scan scalar a(%a : tensor<6x2x4xf32>) b(%b : tensor<6x2x4x3xf32>) init(%h0 : tensor<2x4x3xf32>) {batch_dims = 2 : i64} -> tensor<6x2x4x3xf32>, tensor<2x4x3xf32>
  return %hT : tensor<2x4x3xf32>
}

// -----

func.func @map(%x: tensor<6x4xf32>) -> tensor<6x4xf32> {
  // expected-remark @below {{recurrence: stateless, strategy=map (no state carried between steps)}}
  %ys = recur.recurrence seq(%x : tensor<6x4xf32>) -> tensor<6x4xf32> {
  ^bb0(%xt: tensor<4xf32>):
    %y = math.tanh %xt : tensor<4xf32>
    recur.yield %y : tensor<4xf32>
  }
  return %ys : tensor<6x4xf32>
}

// -----

func.func @lstm(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>) -> tensor<1x2x4xf32> {
  // expected-remark @below {{recurrence: nonlinear (recur.lstm: activation Sigmoid of a gate that depends on the hidden state), strategy=sequential (cost model: T=5 is too short for Newton to pay off)}}
  %y, %yh, %yc = recur.lstm(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) {hidden_size = 4} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>
  return %yh : tensor<1x2x4xf32>
}

// -----

func.func @gru(%x: tensor<5x2x3xf32>, %w: tensor<1x12x3xf32>, %r: tensor<1x12x4xf32>) -> tensor<1x2x4xf32> {
  // expected-remark @below {{recurrence: nonlinear (recur.gru: activation HardSigmoid of a gate that depends on the hidden state), strategy=sequential}}
  %y, %yh = recur.gru(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x12x3xf32>, tensor<1x12x4xf32>) {hidden_size = 4, activations = ["HardSigmoid", "Tanh"]} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  return %yh : tensor<1x2x4xf32>
}

// -----

func.func @rnn(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) -> (tensor<1x2x4xf32>, tensor<1x2x4xf32>) {
  // expected-remark @below {{recurrence: nonlinear (recur.rnn: activation Tanh of a gate that depends on the hidden state), strategy=sequential}}
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) {hidden_size = 4} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  // An RNN with the Affine activation is linear in its state.
  // expected-remark @below {{recurrence: linear (recur.rnn with Affine activations), strategy=sequential (run --recur-decompose-cells, then --recur-linearize)}}
  %y2, %yh2 = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) {hidden_size = 4, activations = ["Affine"], activation_alpha = [0.5 : f32], activation_beta = [0.1 : f32]} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  return %yh, %yh2 : tensor<1x2x4xf32>, tensor<1x2x4xf32>
}

// -----

// Affine, but recur.linear_scan has no structure for it.
func.func @unsupported(%x: tensor<4x2x2xf32>, %h0: tensor<2x2xf32>) -> tensor<2x2xf32> {
  // expected-remark @below {{recurrence: linear, structure=unsupported, strategy=sequential (a term reads the state at an index the transition structures cannot express)}}
  %hT = recur.recurrence init(%h0 : tensor<2x2xf32>) seq(%x : tensor<4x2x2xf32>) -> tensor<2x2xf32> {
  ^bb0(%h: tensor<2x2xf32>, %xt: tensor<2x2xf32>):
    %e = tensor.empty() : tensor<2x2xf32>
    %t = linalg.transpose ins(%h : tensor<2x2xf32>) outs(%e : tensor<2x2xf32>) permutation = [1, 0]
    %hn = arith.addf %t, %xt : tensor<2x2xf32>
    recur.yield %hn : tensor<2x2xf32>
  }
  return %hT : tensor<2x2xf32>
}

// -----

// Affine, but the body has side effects: it stays sequential.
func.func @side_effects(%x: tensor<4x3xf32>, %h0: tensor<3xf32>, %log: memref<1xf32>) -> tensor<3xf32> {
  // expected-remark @below {{recurrence: linear, strategy=sequential (the body has side effects)}}
  %hT = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4x3xf32>) captures(%log : memref<1xf32>) -> tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>, %l: memref<1xf32>):
    %c0 = arith.constant 0 : index
    %one = arith.constant 1.0 : f32
    memref.store %one, %l[%c0] : memref<1xf32>
    %hn = arith.addf %h, %xt : tensor<3xf32>
    recur.yield %hn : tensor<3xf32>
  }
  return %hT : tensor<3xf32>
}
