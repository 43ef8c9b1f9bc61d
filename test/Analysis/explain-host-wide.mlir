// RUN: recur-opt %s --split-input-file --recur-explain=host-wide-scan=16 -verify-diagnostics -o /dev/null
//
// --recur-explain with host-wide-scan=N: scalar and diagonal scans with at
// least N known state elements say that host targets run them sequentially
// in time (recur-compile passes its --host-wide-scan when a target is the
// host). Matrix structures and narrower states say nothing more.

func.func @wide_linear_scan(%a: tensor<6x2x8xf32>, %b: tensor<6x2x8xf32>) -> tensor<2x8xf32> {
  // expected-remark @below {{recurrence: linear, structure=diagonal, batch_dims=0, strategy=scan (already a linear scan; on the host sequential in time: 16 state elements >= --host-wide-scan=16)}}
  %hs, %hT = recur.linear_scan diagonal a(%a : tensor<6x2x8xf32>) b(%b : tensor<6x2x8xf32>) -> tensor<6x2x8xf32>, tensor<2x8xf32>
  return %hT : tensor<2x8xf32>
}

// -----

func.func @narrow_linear_scan(%a: tensor<6x2x4xf32>, %b: tensor<6x2x4xf32>) -> tensor<2x4xf32> {
  // expected-remark @below {{recurrence: linear, structure=diagonal, batch_dims=0, strategy=scan (already a linear scan)}}
  %hs, %hT = recur.linear_scan diagonal a(%a : tensor<6x2x4xf32>) b(%b : tensor<6x2x4xf32>) -> tensor<6x2x4xf32>, tensor<2x4xf32>
  return %hT : tensor<2x4xf32>
}

// -----

func.func @dense(%a: tensor<6x4x4xf32>, %b: tensor<6x4x4xf32>) -> tensor<4x4xf32> {
  // expected-remark @below {{recurrence: linear, structure=dense, batch_dims=0, strategy=scan (already a linear scan)}}
  %hs, %hT = recur.linear_scan dense a(%a : tensor<6x4x4xf32>) b(%b : tensor<6x4x4xf32>) -> tensor<6x4x4xf32>, tensor<4x4xf32>
  return %hT : tensor<4x4xf32>
}

// -----

// A recurrence the analysis finds diagonal: h = a_t * h + x_t.
func.func @wide_recurrence(%a: tensor<5x16xf32>, %x: tensor<5x16xf32>, %h0: tensor<16xf32>) -> tensor<16xf32> {
  // expected-remark @below {{recurrence: linear, structure=diagonal, batch_dims=0, strategy=scan (h_next = a(x_t) * h + b(x_t), elementwise; on the host sequential in time: 16 state elements >= --host-wide-scan=16)}}
  %hT, %hs = recur.recurrence init(%h0 : tensor<16xf32>) seq(%a, %x : tensor<5x16xf32>, tensor<5x16xf32>) -> tensor<16xf32>, tensor<5x16xf32> {
  ^bb0(%h: tensor<16xf32>, %at: tensor<16xf32>, %xt: tensor<16xf32>):
    %m = arith.mulf %at, %h : tensor<16xf32>
    %n = arith.addf %m, %xt : tensor<16xf32>
    recur.yield %n, %n : tensor<16xf32>, tensor<16xf32>
  }
  return %hT : tensor<16xf32>
}
