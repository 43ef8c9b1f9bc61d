// RUN: recur-opt %s --split-input-file --recur-fuse-gates=fuse-elementwise=false | FileCheck %s
// RUN: recur-opt %s --split-input-file --recur-fuse-gates | FileCheck %s --check-prefix=GATES

// Outside recurrences: three matmuls of one operand become one matmul by the
// matrices side by side and three slices; the zero fills become one.

// CHECK-LABEL: func.func @siblings(
// CHECK-SAME: %[[X:[^:]*]]: tensor<?x3xf32>, %[[A:[^:]*]]: tensor<3x4xf32>, %[[B:[^:]*]]: tensor<3x2xf32>, %[[C:[^:]*]]: tensor<3x4xf32>
// CHECK: %[[W:.*]] = tensor.concat dim(1) %[[A]], %[[B]], %[[C]] : (tensor<3x4xf32>, tensor<3x2xf32>, tensor<3x4xf32>) -> tensor<3x10xf32>
// CHECK: %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x10xf32>)
// CHECK: %[[P:.*]] = linalg.matmul ins(%[[X]], %[[W]] : tensor<?x3xf32>, tensor<3x10xf32>) outs(%[[ACC]] : tensor<?x10xf32>)
// CHECK: %[[PA:.*]] = tensor.extract_slice %[[P]][0, 0] [%{{.*}}, 4] [1, 1]
// CHECK: %[[PB:.*]] = tensor.extract_slice %[[P]][0, 4] [%{{.*}}, 2] [1, 1]
// CHECK: %[[PC:.*]] = tensor.extract_slice %[[P]][0, 6] [%{{.*}}, 4] [1, 1]
// CHECK-NOT: linalg.matmul
// CHECK: return %[[PA]], %[[PB]], %[[PC]]
func.func @siblings(%x: tensor<?x3xf32>, %a: tensor<3x4xf32>, %b: tensor<3x2xf32>,
                    %c: tensor<3x4xf32>) -> (tensor<?x4xf32>, tensor<?x2xf32>, tensor<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %x, %c0 : tensor<?x3xf32>
  %e4 = tensor.empty(%m) : tensor<?x4xf32>
  %acc4 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<?x4xf32>) -> tensor<?x4xf32>
  %e2 = tensor.empty(%m) : tensor<?x2xf32>
  %acc2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x2xf32>) -> tensor<?x2xf32>
  %pa = linalg.matmul ins(%x, %a : tensor<?x3xf32>, tensor<3x4xf32>)
                      outs(%acc4 : tensor<?x4xf32>) -> tensor<?x4xf32>
  %pb = linalg.matmul ins(%x, %b : tensor<?x3xf32>, tensor<3x2xf32>)
                      outs(%acc2 : tensor<?x2xf32>) -> tensor<?x2xf32>
  %pc = linalg.matmul ins(%x, %c : tensor<?x3xf32>, tensor<3x4xf32>)
                      outs(%acc4 : tensor<?x4xf32>) -> tensor<?x4xf32>
  return %pa, %pb, %pc : tensor<?x4xf32>, tensor<?x2xf32>, tensor<?x4xf32>
}

// -----

// Accumulators that are not fills of one constant are concatenated too;
// matrices with dynamic widths give dynamic slice offsets.

// CHECK-LABEL: func.func @accumulators_and_dynamic_widths(
// CHECK-SAME: %[[X:[^:]*]]: tensor<2x3xf32>, %[[A:[^:]*]]: tensor<3x?xf32>, %[[B:[^:]*]]: tensor<3x?xf32>, %[[CA:[^:]*]]: tensor<2x?xf32>, %[[CB:[^:]*]]: tensor<2x?xf32>
// CHECK: %[[W:.*]] = tensor.concat dim(1) %[[A]], %[[B]]
// CHECK: %[[ACC:.*]] = tensor.concat dim(1) %[[CA]], %[[CB]]
// CHECK: %[[P:.*]] = linalg.matmul ins(%[[X]], %[[W]] : tensor<2x3xf32>, tensor<3x?xf32>) outs(%[[ACC]] : tensor<2x?xf32>)
// CHECK: %[[NA:.*]] = tensor.dim %[[A]], %{{.*}}
// CHECK: tensor.extract_slice %[[P]][0, 0] [2, %[[NA]]] [1, 1]
// CHECK: tensor.extract_slice %[[P]][0, %[[NA]]] [2, %{{.*}}] [1, 1]
func.func @accumulators_and_dynamic_widths(%x: tensor<2x3xf32>, %a: tensor<3x?xf32>,
    %b: tensor<3x?xf32>, %ca: tensor<2x?xf32>, %cb: tensor<2x?xf32>)
    -> (tensor<2x?xf32>, tensor<2x?xf32>) {
  %pa = linalg.matmul ins(%x, %a : tensor<2x3xf32>, tensor<3x?xf32>)
                      outs(%ca : tensor<2x?xf32>) -> tensor<2x?xf32>
  %pb = linalg.matmul ins(%x, %b : tensor<2x3xf32>, tensor<3x?xf32>)
                      outs(%cb : tensor<2x?xf32>) -> tensor<2x?xf32>
  return %pa, %pb : tensor<2x?xf32>, tensor<2x?xf32>
}

// -----

// Different left-hand sides are not siblings; a matrix computed after the
// first sibling is left out (the fused matmul goes where the first was).

// CHECK-LABEL: func.func @not_siblings(
// CHECK-NOT: tensor.concat
// CHECK-COUNT-3: linalg.matmul
// CHECK-NOT: tensor.concat
// CHECK: return
func.func @not_siblings(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>, %a: tensor<3x4xf32>,
                        %b: tensor<3x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %pa = linalg.matmul ins(%x, %a : tensor<2x3xf32>, tensor<3x4xf32>)
                      outs(%acc : tensor<2x4xf32>) -> tensor<2x4xf32>
  %pb = linalg.matmul ins(%y, %b : tensor<2x3xf32>, tensor<3x4xf32>)
                      outs(%acc : tensor<2x4xf32>) -> tensor<2x4xf32>
  %et = tensor.empty() : tensor<3x4xf32>
  %late = linalg.copy ins(%b : tensor<3x4xf32>) outs(%et : tensor<3x4xf32>) -> tensor<3x4xf32>
  %pc = linalg.matmul ins(%x, %late : tensor<2x3xf32>, tensor<3x4xf32>)
                      outs(%acc : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %pa, %pb, %pc : tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
}

// -----

// In a body: h R_z and h R_r share the state h and multiply captures, so the
// captures are concatenated outside and the concatenation captured (the
// originals are no longer captured); x_t W and x_t h have different
// right-hand sides but h is a state, so they stay apart.

// CHECK-LABEL: func.func @in_body(
// CHECK-SAME: %{{[^:]*}}: tensor<5x4x4xf32>, %{{[^:]*}}: tensor<4x4xf32>, %[[RZ:[^:]*]]: tensor<4x4xf32>, %[[RR:[^:]*]]: tensor<4x4xf32>, %[[W:[^:]*]]: tensor<4x4xf32>
// CHECK: %[[R:.*]] = tensor.concat dim(1) %[[RZ]], %[[RR]] : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x8xf32>
// CHECK: recur.recurrence init({{.*}}) seq({{.*}}) captures(%[[W]], %[[R]] : tensor<4x4xf32>, tensor<4x8xf32>)
// CHECK-NEXT: ^bb0(%[[H:[^:]*]]: tensor<4x4xf32>, %[[XT:[^:]*]]: tensor<4x4xf32>, %[[WC:[^:]*]]: tensor<4x4xf32>, %[[RC:[^:]*]]: tensor<4x8xf32>):
// CHECK-DAG: linalg.matmul ins(%[[XT]], %[[WC]] : tensor<4x4xf32>, tensor<4x4xf32>)
// CHECK-DAG: linalg.matmul ins(%[[XT]], %[[H]] : tensor<4x4xf32>, tensor<4x4xf32>)
// CHECK-DAG: %[[P:.*]] = linalg.matmul ins(%[[H]], %[[RC]] : tensor<4x4xf32>, tensor<4x8xf32>)
// CHECK-DAG: tensor.extract_slice %[[P]][0, 0] [4, 4] [1, 1]
// CHECK-DAG: tensor.extract_slice %[[P]][0, 4] [4, 4] [1, 1]
// CHECK: recur.yield
func.func @in_body(%x: tensor<5x4x4xf32>, %h0: tensor<4x4xf32>, %rz: tensor<4x4xf32>,
                   %rr: tensor<4x4xf32>, %w: tensor<4x4xf32>) -> (tensor<4x4xf32>, tensor<5x4x4xf32>) {
  %hT, %hs = recur.recurrence init(%h0 : tensor<4x4xf32>) seq(%x : tensor<5x4x4xf32>)
      captures(%rz, %rr, %w : tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>)
      -> tensor<4x4xf32>, tensor<5x4x4xf32> {
  ^bb0(%h: tensor<4x4xf32>, %xt: tensor<4x4xf32>, %rzc: tensor<4x4xf32>,
       %rrc: tensor<4x4xf32>, %wc: tensor<4x4xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<4x4xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>
    %z = linalg.matmul ins(%h, %rzc : tensor<4x4xf32>, tensor<4x4xf32>)
                       outs(%acc : tensor<4x4xf32>) -> tensor<4x4xf32>
    %r = linalg.matmul ins(%h, %rrc : tensor<4x4xf32>, tensor<4x4xf32>)
                       outs(%acc : tensor<4x4xf32>) -> tensor<4x4xf32>
    %u = linalg.matmul ins(%xt, %wc : tensor<4x4xf32>, tensor<4x4xf32>)
                       outs(%acc : tensor<4x4xf32>) -> tensor<4x4xf32>
    %v = linalg.matmul ins(%xt, %h : tensor<4x4xf32>, tensor<4x4xf32>)
                       outs(%acc : tensor<4x4xf32>) -> tensor<4x4xf32>
    %a = arith.addf %z, %r : tensor<4x4xf32>
    %b = arith.addf %u, %v : tensor<4x4xf32>
    %hn = arith.mulf %a, %b : tensor<4x4xf32>
    recur.yield %hn, %hn : tensor<4x4xf32>, tensor<4x4xf32>
  }
  return %hT, %hs : tensor<4x4xf32>, tensor<5x4x4xf32>
}

// -----

// The gate math: the sigmoid and the update reading it twice become one
// linalg.generic, and exp is still computed once per element.

// GATES-LABEL: func.func @gate_math(
// GATES: recur.recurrence
// GATES: %[[HN:.*]] = linalg.generic
// GATES: math.exp
// GATES-NOT: math.exp
// GATES: linalg.yield
// GATES-NEXT: } -> tensor<2x4xf32>
// GATES-NEXT: recur.yield %[[HN]], %[[HN]]
func.func @gate_math(%x: tensor<5x2x4xf32>, %h0: tensor<2x4xf32>)
    -> (tensor<2x4xf32>, tensor<5x2x4xf32>) {
  %hT, %hs = recur.recurrence init(%h0 : tensor<2x4xf32>) seq(%x : tensor<5x2x4xf32>)
      -> tensor<2x4xf32>, tensor<5x2x4xf32> {
  ^bb0(%h: tensor<2x4xf32>, %xt: tensor<2x4xf32>):
    %ones = arith.constant dense<1.0> : tensor<2x4xf32>
    %pre = arith.addf %xt, %h : tensor<2x4xf32>
    %neg = arith.negf %pre : tensor<2x4xf32>
    %e = math.exp %neg : tensor<2x4xf32>
    %den = arith.addf %ones, %e : tensor<2x4xf32>
    %z = arith.divf %ones, %den : tensor<2x4xf32>
    %keep = arith.subf %ones, %z : tensor<2x4xf32>
    %old = arith.mulf %keep, %h : tensor<2x4xf32>
    %new = arith.mulf %z, %xt : tensor<2x4xf32>
    %hn = arith.addf %old, %new : tensor<2x4xf32>
    recur.yield %hn, %hn : tensor<2x4xf32>, tensor<2x4xf32>
  }
  return %hT, %hs : tensor<2x4xf32>, tensor<5x2x4xf32>
}
