// RUN: recur-opt %s | recur-opt | FileCheck %s
// RUN: recur-opt %s --mlir-print-op-generic | recur-opt | FileCheck %s
//
// Every recur op in its custom assembly, with each optional operand and
// attribute, printed and parsed back (through the custom and the generic
// form). Default-valued attributes are elided when printed.

// CHECK-LABEL: func.func @recurrence_running_sum(
// CHECK:         %{{.*}}:2 = recur.recurrence init(%{{.*}} : tensor<4xf32>) seq(%{{.*}} : tensor<8x4xf32>) -> tensor<4xf32>, tensor<8x4xf32> {
// CHECK-NEXT:    ^bb0(%[[H:.*]]: tensor<4xf32>, %[[X:.*]]: tensor<4xf32>):
// CHECK-NEXT:      %[[N:.*]] = arith.addf %[[H]], %[[X]] : tensor<4xf32>
// CHECK-NEXT:      recur.yield %[[N]], %[[N]] : tensor<4xf32>, tensor<4xf32>
// CHECK-NEXT:    }
func.func @recurrence_running_sum(%h0: tensor<4xf32>, %x: tensor<8x4xf32>) -> (tensor<4xf32>, tensor<8x4xf32>) {
  %sum, %ys = recur.recurrence init(%h0 : tensor<4xf32>)
      seq(%x : tensor<8x4xf32>) -> tensor<4xf32>, tensor<8x4xf32> {
  ^bb0(%h: tensor<4xf32>, %xt: tensor<4xf32>):
    %n = arith.addf %h, %xt : tensor<4xf32>
    recur.yield %n, %n : tensor<4xf32>, tensor<4xf32>
  }
  return %sum, %ys : tensor<4xf32>, tensor<8x4xf32>
}

// No init: a map over the steps, every result a stacked step output.
// CHECK-LABEL: func.func @recurrence_no_init(
// CHECK:         recur.recurrence seq(%{{.*}} : tensor<8x4xf32>) -> tensor<8x4xf32> {
// CHECK:         ^bb0(%{{.*}}: tensor<4xf32>):
func.func @recurrence_no_init(%x: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %ys = recur.recurrence seq(%x : tensor<8x4xf32>) -> tensor<8x4xf32> {
  ^bb0(%xt: tensor<4xf32>):
    %n = math.tanh %xt : tensor<4xf32>
    recur.yield %n : tensor<4xf32>
  }
  return %ys : tensor<8x4xf32>
}

// No step outputs: only the final state.
// CHECK-LABEL: func.func @recurrence_no_outputs(
// CHECK:         recur.recurrence init(%{{.*}} : tensor<4xf32>) seq(%{{.*}} : tensor<8x4xf32>) -> tensor<4xf32> {
// CHECK:           recur.yield %{{.*}} : tensor<4xf32>
func.func @recurrence_no_outputs(%h0: tensor<4xf32>, %x: tensor<8x4xf32>) -> tensor<4xf32> {
  %sum = recur.recurrence init(%h0 : tensor<4xf32>) seq(%x : tensor<8x4xf32>) -> tensor<4xf32> {
  ^bb0(%h: tensor<4xf32>, %xt: tensor<4xf32>):
    %n = arith.addf %h, %xt : tensor<4xf32>
    recur.yield %n : tensor<4xf32>
  }
  return %sum : tensor<4xf32>
}

// Captures of any type (a matrix and a scalar), two states, two sequences,
// three outputs, a batch with sequence lengths, reverse and time_axis = 1.
// CHECK-LABEL: func.func @recurrence_everything(
// CHECK:         %{{.*}}:5 = recur.recurrence init(%{{.*}}, %{{.*}} : tensor<2x4xf32>, tensor<2xf32>) seq(%{{.*}}, %{{.*}} : tensor<2x5x4xf32>, tensor<2x5xf32>) captures(%{{.*}}, %{{.*}} : tensor<4x4xf32>, f32) seq_lens(%{{.*}} : tensor<2xi32>) {reverse, time_axis = 1 : i64} -> tensor<2x4xf32>, tensor<2xf32>, tensor<2x5x4xf32>, tensor<2x5xf32>, tensor<2x5x4xf32> {
// CHECK-NEXT:    ^bb0(%{{.*}}: tensor<2x4xf32>, %{{.*}}: tensor<2xf32>, %{{.*}}: tensor<2x4xf32>, %{{.*}}: tensor<2xf32>, %{{.*}}: tensor<4x4xf32>, %{{.*}}: f32):
// CHECK:           linalg.matmul
// CHECK:           recur.yield %{{.*}} : tensor<2x4xf32>, tensor<2xf32>, tensor<2x4xf32>, tensor<2xf32>, tensor<2x4xf32>
func.func @recurrence_everything(%h0: tensor<2x4xf32>, %c0: tensor<2xf32>, %x: tensor<2x5x4xf32>, %z: tensor<2x5xf32>, %w: tensor<4x4xf32>, %a: f32, %lens: tensor<2xi32>) -> (tensor<2x4xf32>, tensor<2xf32>, tensor<2x5x4xf32>, tensor<2x5xf32>, tensor<2x5x4xf32>) {
  %r:5 = recur.recurrence init(%h0, %c0 : tensor<2x4xf32>, tensor<2xf32>)
      seq(%x, %z : tensor<2x5x4xf32>, tensor<2x5xf32>)
      captures(%w, %a : tensor<4x4xf32>, f32)
      seq_lens(%lens : tensor<2xi32>) {time_axis = 1, reverse}
      -> tensor<2x4xf32>, tensor<2xf32>, tensor<2x5x4xf32>, tensor<2x5xf32>, tensor<2x5x4xf32> {
  ^bb0(%h: tensor<2x4xf32>, %c: tensor<2xf32>, %xt: tensor<2x4xf32>, %zt: tensor<2xf32>, %wc: tensor<4x4xf32>, %ac: f32):
    %zero = arith.constant dense<0.0> : tensor<2x4xf32>
    %m = linalg.matmul ins(%h, %wc : tensor<2x4xf32>, tensor<4x4xf32>) outs(%zero : tensor<2x4xf32>) -> tensor<2x4xf32>
    %s = arith.addf %m, %xt : tensor<2x4xf32>
    %n = math.tanh %s : tensor<2x4xf32>
    %as = tensor.splat %ac : tensor<2xf32>
    %cz = arith.mulf %c, %as : tensor<2xf32>
    %cn = arith.addf %cz, %zt : tensor<2xf32>
    recur.yield %n, %cn, %n, %cn, %s : tensor<2x4xf32>, tensor<2xf32>, tensor<2x4xf32>, tensor<2xf32>, tensor<2x4xf32>
  }
  return %r#0, %r#1, %r#2, %r#3, %r#4 : tensor<2x4xf32>, tensor<2xf32>, tensor<2x5x4xf32>, tensor<2x5xf32>, tensor<2x5x4xf32>
}

// Dynamic sizes and i64 sequence lengths.
// CHECK-LABEL: func.func @recurrence_dynamic(
// CHECK:         recur.recurrence init(%{{.*}} : tensor<?x4xf32>) seq(%{{.*}} : tensor<?x?x4xf32>) seq_lens(%{{.*}} : tensor<?xi64>) -> tensor<?x4xf32>, tensor<?x?x4xf32> {
func.func @recurrence_dynamic(%h0: tensor<?x4xf32>, %x: tensor<?x?x4xf32>, %lens: tensor<?xi64>) -> (tensor<?x4xf32>, tensor<?x?x4xf32>) {
  %h, %ys = recur.recurrence init(%h0 : tensor<?x4xf32>) seq(%x : tensor<?x?x4xf32>)
      seq_lens(%lens : tensor<?xi64>) -> tensor<?x4xf32>, tensor<?x?x4xf32> {
  ^bb0(%s: tensor<?x4xf32>, %xt: tensor<?x4xf32>):
    %n = arith.addf %s, %xt : tensor<?x4xf32>
    recur.yield %n, %n : tensor<?x4xf32>, tensor<?x4xf32>
  }
  return %h, %ys : tensor<?x4xf32>, tensor<?x?x4xf32>
}

// CHECK-LABEL: func.func @scan_inclusive(
// CHECK:         recur.scan(%{{.*}} : tensor<8x4xf32>) -> tensor<8x4xf32> {
// CHECK-NEXT:    ^bb0(%[[A:.*]]: tensor<4xf32>, %[[E:.*]]: tensor<4xf32>):
// CHECK-NEXT:      %[[S:.*]] = arith.addf %[[A]], %[[E]] : tensor<4xf32>
// CHECK-NEXT:      recur.yield %[[S]] : tensor<4xf32>
func.func @scan_inclusive(%x: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %r = recur.scan(%x : tensor<8x4xf32>) -> tensor<8x4xf32> {
  ^bb0(%acc: tensor<4xf32>, %e: tensor<4xf32>):
    %s = arith.addf %acc, %e : tensor<4xf32>
    recur.yield %s : tensor<4xf32>
  }
  return %r : tensor<8x4xf32>
}

// CHECK-LABEL: func.func @scan_exclusive_init_reverse(
// CHECK:         recur.scan(%{{.*}} : tensor<4x8xf32>) init(%{{.*}} : tensor<4xf32>) {exclusive, reverse, time_axis = 1 : i64} -> tensor<4x8xf32> {
func.func @scan_exclusive_init_reverse(%x: tensor<4x8xf32>, %i: tensor<4xf32>) -> tensor<4x8xf32> {
  %r = recur.scan(%x : tensor<4x8xf32>) init(%i : tensor<4xf32>) {exclusive, reverse, time_axis = 1} -> tensor<4x8xf32> {
  ^bb0(%acc: tensor<4xf32>, %e: tensor<4xf32>):
    %s = arith.maximumf %acc, %e : tensor<4xf32>
    recur.yield %s : tensor<4xf32>
  }
  return %r : tensor<4x8xf32>
}

// A tuple scan (affine maps composed) with init.
// CHECK-LABEL: func.func @scan_tuple(
// CHECK:         %{{.*}}:2 = recur.scan(%{{.*}}, %{{.*}} : tensor<?x3xf32>, tensor<?x3xf32>) init(%{{.*}}, %{{.*}} : tensor<3xf32>, tensor<3xf32>) -> tensor<?x3xf32>, tensor<?x3xf32> {
// CHECK-NEXT:    ^bb0(%{{.*}}: tensor<3xf32>, %{{.*}}: tensor<3xf32>, %{{.*}}: tensor<3xf32>, %{{.*}}: tensor<3xf32>):
// CHECK:           recur.yield %{{.*}}, %{{.*}} : tensor<3xf32>, tensor<3xf32>
func.func @scan_tuple(%a: tensor<?x3xf32>, %b: tensor<?x3xf32>, %ia: tensor<3xf32>, %ib: tensor<3xf32>) -> (tensor<?x3xf32>, tensor<?x3xf32>) {
  %r:2 = recur.scan(%a, %b : tensor<?x3xf32>, tensor<?x3xf32>) init(%ia, %ib : tensor<3xf32>, tensor<3xf32>) -> tensor<?x3xf32>, tensor<?x3xf32> {
  ^bb0(%a1: tensor<3xf32>, %b1: tensor<3xf32>, %a2: tensor<3xf32>, %b2: tensor<3xf32>):
    %a12 = arith.mulf %a1, %a2 : tensor<3xf32>
    %m = arith.mulf %a2, %b1 : tensor<3xf32>
    %b12 = arith.addf %m, %b2 : tensor<3xf32>
    recur.yield %a12, %b12 : tensor<3xf32>, tensor<3xf32>
  }
  return %r#0, %r#1 : tensor<?x3xf32>, tensor<?x3xf32>
}

// CHECK-LABEL: func.func @linear_scan_scalar(
// CHECK:         recur.linear_scan scalar a(%{{.*}} : tensor<16x2x3xf32>) b(%{{.*}} : tensor<16x2x3x4x5xf32>) {batch_dims = 2 : i64} -> tensor<16x2x3x4x5xf32>, tensor<2x3x4x5xf32>
func.func @linear_scan_scalar(%a: tensor<16x2x3xf32>, %b: tensor<16x2x3x4x5xf32>) -> (tensor<16x2x3x4x5xf32>, tensor<2x3x4x5xf32>) {
  %hs, %last = recur.linear_scan scalar a(%a : tensor<16x2x3xf32>) b(%b : tensor<16x2x3x4x5xf32>) {batch_dims = 2} -> tensor<16x2x3x4x5xf32>, tensor<2x3x4x5xf32>
  return %hs, %last : tensor<16x2x3x4x5xf32>, tensor<2x3x4x5xf32>
}

// CHECK-LABEL: func.func @linear_scan_diagonal(
// CHECK:         recur.linear_scan diagonal a(%{{.*}} : tensor<16x4xf32>) b(%{{.*}} : tensor<16x4xf32>) init(%{{.*}} : tensor<4xf32>) -> tensor<16x4xf32>, tensor<4xf32>
func.func @linear_scan_diagonal(%a: tensor<16x4xf32>, %b: tensor<16x4xf32>, %h0: tensor<4xf32>) -> (tensor<16x4xf32>, tensor<4xf32>) {
  %hs, %last = recur.linear_scan diagonal a(%a : tensor<16x4xf32>) b(%b : tensor<16x4xf32>) init(%h0 : tensor<4xf32>) -> tensor<16x4xf32>, tensor<4xf32>
  return %hs, %last : tensor<16x4xf32>, tensor<4xf32>
}

// CHECK-LABEL: func.func @linear_scan_block_diagonal(
// CHECK:         recur.linear_scan block_diagonal a(%{{.*}} : tensor<3x8x2x2x2xf32>) b(%{{.*}} : tensor<3x8x4xf32>) seq_lens(%{{.*}} : tensor<3xi64>) {batch_dims = 1 : i64, reverse, time_axis = 1 : i64} -> tensor<3x8x4xf32>, tensor<3x4xf32>
func.func @linear_scan_block_diagonal(%a: tensor<3x8x2x2x2xf32>, %b: tensor<3x8x4xf32>, %lens: tensor<3xi64>) -> (tensor<3x8x4xf32>, tensor<3x4xf32>) {
  %hs, %last = recur.linear_scan block_diagonal a(%a : tensor<3x8x2x2x2xf32>) b(%b : tensor<3x8x4xf32>) seq_lens(%lens : tensor<3xi64>) {batch_dims = 1, time_axis = 1, reverse} -> tensor<3x8x4xf32>, tensor<3x4xf32>
  return %hs, %last : tensor<3x8x4xf32>, tensor<3x4xf32>
}

// The delta rule: A_t = I + u v^T, two coefficient operands.
// CHECK-LABEL: func.func @linear_scan_low_rank(
// CHECK:         recur.linear_scan identity_plus_low_rank a(%{{.*}}, %{{.*}} : tensor<10x2x6x1xf32>, tensor<10x2x6x1xf32>) b(%{{.*}} : tensor<10x2x6x3xf32>) init(%{{.*}} : tensor<2x6x3xf32>) seq_lens(%{{.*}} : tensor<2xi32>) {batch_dims = 1 : i64} -> tensor<10x2x6x3xf32>, tensor<2x6x3xf32>
func.func @linear_scan_low_rank(%u: tensor<10x2x6x1xf32>, %v: tensor<10x2x6x1xf32>, %b: tensor<10x2x6x3xf32>, %h0: tensor<2x6x3xf32>, %lens: tensor<2xi32>) -> (tensor<10x2x6x3xf32>, tensor<2x6x3xf32>) {
  %hs, %last = recur.linear_scan identity_plus_low_rank a(%u, %v : tensor<10x2x6x1xf32>, tensor<10x2x6x1xf32>) b(%b : tensor<10x2x6x3xf32>) init(%h0 : tensor<2x6x3xf32>) seq_lens(%lens : tensor<2xi32>) {batch_dims = 1} -> tensor<10x2x6x3xf32>, tensor<2x6x3xf32>
  return %hs, %last : tensor<10x2x6x3xf32>, tensor<2x6x3xf32>
}

// CHECK-LABEL: func.func @linear_scan_dense(
// CHECK:         recur.linear_scan dense a(%{{.*}} : tensor<?x3x3xf32>) b(%{{.*}} : tensor<?x3xf32>) -> tensor<?x3xf32>, tensor<3xf32>
func.func @linear_scan_dense(%a: tensor<?x3x3xf32>, %b: tensor<?x3xf32>) -> (tensor<?x3xf32>, tensor<3xf32>) {
  %hs, %last = recur.linear_scan dense a(%a : tensor<?x3x3xf32>) b(%b : tensor<?x3xf32>) -> tensor<?x3xf32>, tensor<3xf32>
  return %hs, %last : tensor<?x3xf32>, tensor<3xf32>
}

// CHECK-LABEL: func.func @lstm_minimal(
// CHECK:         recur.lstm(%{{.*}}, %{{.*}}, %{{.*}} : tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) {hidden_size = 4 : i64} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>
func.func @lstm_minimal(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>) -> tensor<5x1x2x4xf32> {
  %y, %yh, %yc = recur.lstm(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) {hidden_size = 4} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>
  return %y : tensor<5x1x2x4xf32>
}

// Every optional operand and attribute of the LSTM, batch-first.
// CHECK-LABEL: func.func @lstm_everything(
// CHECK:         recur.lstm(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x5x3xf32>, tensor<2x16x3xf32>, tensor<2x16x4xf32>) bias(%{{.*}} : tensor<2x32xf32>) seq_lens(%{{.*}} : tensor<2xi32>) initial_h(%{{.*}} : tensor<2x2x4xf32>) initial_c(%{{.*}} : tensor<2x2x4xf32>) peepholes(%{{.*}} : tensor<2x12xf32>) {activation_alpha = [2.000000e-01 : f32, 1.000000e+00 : f32], activation_beta = [5.000000e-01 : f32], activations = ["HardSigmoid", "Tanh", "Tanh", "Sigmoid", "LeakyRelu", "Tanh"], clip = 3.000000e+00 : f32, direction = #recur<direction bidirectional>, hidden_size = 4 : i64, input_forget = true, layout = 1 : i64} -> tensor<2x5x2x4xf32>, tensor<2x2x4xf32>, tensor<2x2x4xf32>
func.func @lstm_everything(%x: tensor<2x5x3xf32>, %w: tensor<2x16x3xf32>, %r: tensor<2x16x4xf32>, %b: tensor<2x32xf32>, %lens: tensor<2xi32>, %h0: tensor<2x2x4xf32>, %c0: tensor<2x2x4xf32>, %p: tensor<2x12xf32>) -> (tensor<2x5x2x4xf32>, tensor<2x2x4xf32>, tensor<2x2x4xf32>) {
  %y, %yh, %yc = recur.lstm(%x, %w, %r : tensor<2x5x3xf32>, tensor<2x16x3xf32>, tensor<2x16x4xf32>)
      bias(%b : tensor<2x32xf32>) seq_lens(%lens : tensor<2xi32>)
      initial_h(%h0 : tensor<2x2x4xf32>) initial_c(%c0 : tensor<2x2x4xf32>)
      peepholes(%p : tensor<2x12xf32>)
      {hidden_size = 4, direction = #recur<direction bidirectional>,
       activations = ["HardSigmoid", "Tanh", "Tanh", "Sigmoid", "LeakyRelu", "Tanh"],
       activation_alpha = [0.2 : f32, 1.0 : f32], activation_beta = [0.5 : f32],
       clip = 3.0 : f32, input_forget = true, layout = 1}
      -> tensor<2x5x2x4xf32>, tensor<2x2x4xf32>, tensor<2x2x4xf32>
  return %y, %yh, %yc : tensor<2x5x2x4xf32>, tensor<2x2x4xf32>, tensor<2x2x4xf32>
}

// CHECK-LABEL: func.func @gru_minimal(
// CHECK:         recur.gru(%{{.*}}, %{{.*}}, %{{.*}} : tensor<?x?x3xf32>, tensor<1x12x3xf32>, tensor<1x12x4xf32>) {hidden_size = 4 : i64} -> tensor<?x1x?x4xf32>, tensor<1x?x4xf32>
func.func @gru_minimal(%x: tensor<?x?x3xf32>, %w: tensor<1x12x3xf32>, %r: tensor<1x12x4xf32>) -> tensor<?x1x?x4xf32> {
  %y, %yh = recur.gru(%x, %w, %r : tensor<?x?x3xf32>, tensor<1x12x3xf32>, tensor<1x12x4xf32>) {hidden_size = 4} -> tensor<?x1x?x4xf32>, tensor<1x?x4xf32>
  return %y : tensor<?x1x?x4xf32>
}

// CHECK-LABEL: func.func @gru_everything(
// CHECK:         recur.gru(%{{.*}}, %{{.*}}, %{{.*}} : tensor<5x2x3xf32>, tensor<1x12x3xf32>, tensor<1x12x4xf32>) bias(%{{.*}} : tensor<1x24xf32>) seq_lens(%{{.*}} : tensor<2xi64>) initial_h(%{{.*}} : tensor<1x2x4xf32>) {activation_alpha = [2.000000e+00 : f32], activation_beta = [5.000000e-01 : f32], activations = ["sigmoid", "ScaledTanh"], clip = 1.000000e+01 : f32, direction = #recur<direction reverse>, hidden_size = 4 : i64, linear_before_reset = true} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
func.func @gru_everything(%x: tensor<5x2x3xf32>, %w: tensor<1x12x3xf32>, %r: tensor<1x12x4xf32>, %b: tensor<1x24xf32>, %lens: tensor<2xi64>, %h0: tensor<1x2x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>) {
  %y, %yh = recur.gru(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x12x3xf32>, tensor<1x12x4xf32>)
      bias(%b : tensor<1x24xf32>) seq_lens(%lens : tensor<2xi64>)
      initial_h(%h0 : tensor<1x2x4xf32>)
      {hidden_size = 4, direction = #recur<direction reverse>,
       activations = ["sigmoid", "ScaledTanh"], activation_alpha = [2.0 : f32],
       activation_beta = [0.5 : f32], clip = 10.0 : f32,
       linear_before_reset = true, layout = 0}
      -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  return %y, %yh : tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
}

// CHECK-LABEL: func.func @rnn_minimal(
// CHECK:         recur.rnn(%{{.*}}, %{{.*}}, %{{.*}} : tensor<5x2x3xf64>, tensor<1x4x3xf64>, tensor<1x4x4xf64>) {hidden_size = 4 : i64} -> tensor<5x1x2x4xf64>, tensor<1x2x4xf64>
func.func @rnn_minimal(%x: tensor<5x2x3xf64>, %w: tensor<1x4x3xf64>, %r: tensor<1x4x4xf64>) -> tensor<1x2x4xf64> {
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf64>, tensor<1x4x3xf64>, tensor<1x4x4xf64>) {hidden_size = 4} -> tensor<5x1x2x4xf64>, tensor<1x2x4xf64>
  return %yh : tensor<1x2x4xf64>
}

// CHECK-LABEL: func.func @rnn_everything(
// CHECK:         recur.rnn(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x5x3xf32>, tensor<2x4x3xf32>, tensor<2x4x4xf32>) bias(%{{.*}} : tensor<2x8xf32>) seq_lens(%{{.*}} : tensor<2xi32>) initial_h(%{{.*}} : tensor<2x2x4xf32>) {activation_alpha = [5.000000e-01 : f32, 2.000000e+00 : f32], activation_beta = [1.000000e+00 : f32], activations = ["Affine", "Elu"], clip = 2.500000e+00 : f32, direction = #recur<direction bidirectional>, hidden_size = 4 : i64, layout = 1 : i64} -> tensor<2x5x2x4xf32>, tensor<2x2x4xf32>
func.func @rnn_everything(%x: tensor<2x5x3xf32>, %w: tensor<2x4x3xf32>, %r: tensor<2x4x4xf32>, %b: tensor<2x8xf32>, %lens: tensor<2xi32>, %h0: tensor<2x2x4xf32>) -> (tensor<2x5x2x4xf32>, tensor<2x2x4xf32>) {
  %y, %yh = recur.rnn(%x, %w, %r : tensor<2x5x3xf32>, tensor<2x4x3xf32>, tensor<2x4x4xf32>)
      bias(%b : tensor<2x8xf32>) seq_lens(%lens : tensor<2xi32>)
      initial_h(%h0 : tensor<2x2x4xf32>)
      {hidden_size = 4, direction = #recur<direction bidirectional>,
       activations = ["Affine", "Elu"], activation_alpha = [0.5 : f32, 2.0 : f32],
       activation_beta = [1.0 : f32], clip = 2.5 : f32, layout = 1}
      -> tensor<2x5x2x4xf32>, tensor<2x2x4xf32>
  return %y, %yh : tensor<2x5x2x4xf32>, tensor<2x2x4xf32>
}

// Attributes spelled out at their defaults are not printed.
// CHECK-LABEL: func.func @defaults_elided(
// CHECK:         recur.recurrence seq(%{{.*}} : tensor<8x4xf32>) -> tensor<8x4xf32> {
// CHECK:         recur.scan(%{{.*}} : tensor<8x4xf32>) -> tensor<8x4xf32> {
// CHECK:         recur.linear_scan diagonal a(%{{.*}} : tensor<8x4xf32>) b(%{{.*}} : tensor<8x4xf32>) -> tensor<8x4xf32>, tensor<4xf32>
// CHECK:         recur.gru(%{{.*}}, %{{.*}}, %{{.*}} : tensor<8x2x4xf32>, tensor<1x12x4xf32>, tensor<1x12x4xf32>) {hidden_size = 4 : i64} -> tensor<8x1x2x4xf32>, tensor<1x2x4xf32>
func.func @defaults_elided(%x: tensor<8x4xf32>, %cx: tensor<8x2x4xf32>, %w: tensor<1x12x4xf32>) -> (tensor<8x4xf32>, tensor<8x4xf32>, tensor<4xf32>, tensor<8x1x2x4xf32>) {
  %ys = recur.recurrence seq(%x : tensor<8x4xf32>) {time_axis = 0} -> tensor<8x4xf32> {
  ^bb0(%xt: tensor<4xf32>):
    recur.yield %xt : tensor<4xf32>
  }
  %s = recur.scan(%x : tensor<8x4xf32>) {time_axis = 0 : i64} -> tensor<8x4xf32> {
  ^bb0(%acc: tensor<4xf32>, %e: tensor<4xf32>):
    %n = arith.addf %acc, %e : tensor<4xf32>
    recur.yield %n : tensor<4xf32>
  }
  %hs, %last = recur.linear_scan diagonal a(%x : tensor<8x4xf32>) b(%x : tensor<8x4xf32>) {time_axis = 0, batch_dims = 0} -> tensor<8x4xf32>, tensor<4xf32>
  %y, %yh = recur.gru(%cx, %w, %w : tensor<8x2x4xf32>, tensor<1x12x4xf32>, tensor<1x12x4xf32>) {hidden_size = 4, direction = #recur<direction forward>, layout = 0, linear_before_reset = false} -> tensor<8x1x2x4xf32>, tensor<1x2x4xf32>
  return %ys, %s, %last, %y : tensor<8x4xf32>, tensor<8x4xf32>, tensor<4xf32>, tensor<8x1x2x4xf32>
}
