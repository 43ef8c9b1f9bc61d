// RUN: recur-opt %s --split-input-file --recur-newton="force=1 report=1" | FileCheck %s
// RUN: recur-opt %s --split-input-file --recur-newton="force=1 jacobian=diagonal" | FileCheck %s --check-prefix=QUASI
// RUN: recur-opt %s --split-input-file --recur-newton | FileCheck %s --check-prefix=AUTO

// A diagonal Jacobian: the Newton loop, its fused map (F, J, F - J h, the
// outputs), the residual test, one diagonal scan per iteration, and the
// sequential fallback.
// CHECK-LABEL: func.func @diag(
// CHECK:         %[[GUESS:.*]] = linalg.broadcast ins(%arg0 : tensor<3xf32>)
// CHECK:         %[[LOOP:.*]]:6 = scf.while (%[[H:.*]] = %[[GUESS]], %[[K:.*]] = %{{.*}}) : (tensor<?x3xf32>, index)
// CHECK:           %[[PREV:.*]] = linalg.generic
// CHECK:           %[[MAP:.*]]:4 = recur.recurrence seq(%[[PREV]], %arg1 : tensor<?x3xf32>, tensor<?x3xf32>) captures(%arg2
// CHECK:             math.tanh
// CHECK:             recur.yield
// Every element against its own tolerance: max(|h - F| - rtol |F|) <= atol.
// CHECK:           linalg.reduce
// CHECK:           %[[OK:.*]] = arith.cmpf ole
// CHECK:           arith.cmpf uno
// CHECK:           %[[MORE:.*]] = arith.cmpi slt, %[[K]], %c32
// CHECK:           scf.condition(%{{.*}}) %[[MAP]]#0, %[[MAP]]#1, %[[MAP]]#2, %[[MAP]]#3, %[[K]], %[[OK]]
// CHECK:         } do {
// CHECK:           recur.linear_scan diagonal a(%{{.*}} : tensor<?x3xf32>) b(%{{.*}} : tensor<?x3xf32>) init(%arg0 : tensor<3xf32>)
// CHECK:           scf.yield
// CHECK:         %[[OUT:.*]]:2 = scf.if %[[LOOP]]#5 -> (tensor<3xf32>, tensor<?x3xf32>) {
// CHECK:           scf.yield %{{.*}}, %[[LOOP]]#3
// CHECK:         } else {
// CHECK:           recur.recurrence init(%arg0 : tensor<3xf32>) seq(%arg1 : tensor<?x3xf32>) captures(%arg2 : tensor<3xf32>) {recur.newton_fallback}
// CHECK:         call @__recur_newton_report(%c0_i64, %{{.*}}, %{{.*}}) : (i64, i64, i64) -> ()
// CHECK:         return %[[OUT]]#0, %[[OUT]]#1
// AUTO-LABEL: func.func @diag(
// AUTO-NOT:     scf.while
func.func @diag(%h0: tensor<3xf32>, %x: tensor<?x3xf32>, %w: tensor<3xf32>) -> (tensor<3xf32>, tensor<?x3xf32>) {
  %hT, %hs = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<?x3xf32>) captures(%w : tensor<3xf32>) -> tensor<3xf32>, tensor<?x3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>, %ww: tensor<3xf32>):
    %m = arith.mulf %ww, %h : tensor<3xf32>
    %s = arith.addf %m, %xt : tensor<3xf32>
    %n = math.tanh %s : tensor<3xf32>
    recur.yield %n, %n : tensor<3xf32>, tensor<3xf32>
  }
  return %hT, %hs : tensor<3xf32>, tensor<?x3xf32>
}

// -----

// A dense Jacobian (h W): exact Newton scans with dense blocks over the
// stacked state; quasi-Newton takes J's diagonal and scans diagonally.
// CHECK-LABEL: func.func @dense(
// CHECK:         scf.while
// CHECK:           recur.recurrence seq
// CHECK:             scf.for
// CHECK:           recur.yield %{{.*}} : tensor<2x4xf32>, tensor<2x4x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
// CHECK:         recur.linear_scan dense a(%{{.*}} : tensor<8x2x4x4xf32>) b(%{{.*}} : tensor<8x2x4xf32>) init(%arg0 : tensor<2x4xf32>) {batch_dims = 1 : i64}
// QUASI-LABEL: func.func @dense(
// QUASI:         recur.yield %{{.*}} : tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
// QUASI:         recur.linear_scan diagonal a(%{{.*}} : tensor<8x2x4xf32>)
// QUASI-NOT:     call @__recur_newton_report
func.func @dense(%h0: tensor<2x4xf32>, %x: tensor<8x2x4xf32>, %w: tensor<4x4xf32>) -> (tensor<2x4xf32>, tensor<8x2x4xf32>) {
  %hT, %hs = recur.recurrence init(%h0 : tensor<2x4xf32>) seq(%x : tensor<8x2x4xf32>) captures(%w : tensor<4x4xf32>) -> tensor<2x4xf32>, tensor<8x2x4xf32> {
  ^bb0(%h: tensor<2x4xf32>, %xt: tensor<2x4xf32>, %ww: tensor<4x4xf32>):
    %e = tensor.empty() : tensor<2x4xf32>
    %z = arith.constant 0.0 : f32
    %f = linalg.fill ins(%z : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
    %m = linalg.matmul ins(%h, %ww : tensor<2x4xf32>, tensor<4x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
    %s = arith.addf %m, %xt : tensor<2x4xf32>
    %n = math.tanh %s : tensor<2x4xf32>
    recur.yield %n, %n : tensor<2x4xf32>, tensor<2x4xf32>
  }
  return %hT, %hs : tensor<2x4xf32>, tensor<8x2x4xf32>
}

// -----

// h and c coupled element by element: stacked along a new last dimension,
// scanned with 2x2 blocks.
// CHECK-LABEL: func.func @coupled(
// CHECK:         recur.linear_scan dense a(%{{.*}} : tensor<?x4x2x2xf32>) b(%{{.*}} : tensor<?x4x2xf32>) init(%{{.*}} : tensor<4x2xf32>) {batch_dims = 1 : i64}
func.func @coupled(%h0: tensor<4xf32>, %c0: tensor<4xf32>, %x: tensor<?x4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %hT, %cT = recur.recurrence init(%h0, %c0 : tensor<4xf32>, tensor<4xf32>) seq(%x : tensor<?x4xf32>) -> tensor<4xf32>, tensor<4xf32> {
  ^bb0(%h: tensor<4xf32>, %c: tensor<4xf32>, %xt: tensor<4xf32>):
    %g = arith.addf %h, %xt : tensor<4xf32>
    %t = math.tanh %g : tensor<4xf32>
    %c2 = arith.mulf %t, %c : tensor<4xf32>
    %h2 = math.tanh %c2 : tensor<4xf32>
    recur.yield %h2, %c2 : tensor<4xf32>, tensor<4xf32>
  }
  return %hT, %cT : tensor<4xf32>, tensor<4xf32>
}

// -----

// Integer states (no derivative): not Newton's; even forced, left as they
// are (sequential).
// CHECK-LABEL: func.func @counter(
// CHECK-NOT:     scf.while
// CHECK:         recur.recurrence
func.func @counter(%h0: tensor<3xi32>, %x: tensor<5x3xi32>) -> tensor<3xi32> {
  %hT, %hs = recur.recurrence init(%h0 : tensor<3xi32>) seq(%x : tensor<5x3xi32>) -> tensor<3xi32>, tensor<5x3xi32> {
  ^bb0(%h: tensor<3xi32>, %xt: tensor<3xi32>):
    %s = arith.addi %h, %xt : tensor<3xi32>
    recur.yield %s, %s : tensor<3xi32>, tensor<3xi32>
  }
  return %hT : tensor<3xi32>
}
