// RUN: recur-opt %s --recur-lower-to-loops --split-input-file | FileCheck %s
//
// The shape of the sequential lowering of recur.scan and recur.linear_scan:
// one scf.for over time on tensors, the step's math inlined, no recur op
// left. (The values are checked by the scan-*/linear-scan-* execution tests.)

// An inclusive scan without init: the first element is the first output, so
// the accumulator starts at x_0 (read only when T > 0) and the loop at 1.
// The results are written into the input itself.
// CHECK-LABEL: func.func @inclusive_no_init(
// CHECK-SAME:    %[[X:.*]]: tensor<?x4xf32>)
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK:         %[[T:.*]] = tensor.dim %[[X]], %[[C0]]
// CHECK:         %[[NONEMPTY:.*]] = arith.cmpi sgt, %[[T]], %[[C0]]
// CHECK:         %[[X0:.*]] = scf.if %[[NONEMPTY]]
// CHECK:           tensor.extract_slice %[[X]][%[[C0]], 0] [1, 4] [1, 1]
// CHECK:         } else {
// CHECK:           linalg.fill
// CHECK:         %[[R:.*]]:2 = scf.for %[[I:.*]] = %[[C1]] to %[[T]] step %[[C1]] iter_args(%[[ACC:.*]] = %[[X0]], %[[OUT:.*]] = %[[X]])
// CHECK:           %[[E:.*]] = tensor.extract_slice %[[X]][%[[I]], 0] [1, 4] [1, 1]
// CHECK:           %[[S:.*]] = arith.addf %[[ACC]], %[[E]]
// CHECK:           %[[W:.*]] = tensor.insert_slice %[[S]] into %[[OUT]][%[[I]], 0] [1, 4] [1, 1]
// CHECK:           scf.yield %[[S]], %[[W]]
// CHECK:         return %[[R]]#1
// CHECK-NOT:     recur.
func.func @inclusive_no_init(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %r = recur.scan(%x : tensor<?x4xf32>) -> tensor<?x4xf32> {
  ^bb0(%acc: tensor<4xf32>, %e: tensor<4xf32>):
    %s = arith.addf %acc, %e : tensor<4xf32>
    recur.yield %s : tensor<4xf32>
  }
  return %r : tensor<?x4xf32>
}

// -----

// An exclusive scan stores the accumulated value from before the step's
// element; reverse runs t = T-1-i. The combiner's first argument is always
// the accumulated value.
// CHECK-LABEL: func.func @exclusive_reverse(
// CHECK-SAME:    %[[X:.*]]: tensor<8x4xf32>, %[[INIT:.*]]: tensor<4xf32>)
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C7:.*]] = arith.constant 7 : index
// CHECK-DAG:     %[[C8:.*]] = arith.constant 8 : index
// CHECK-NOT:     scf.if
// CHECK:         %[[R:.*]]:2 = scf.for %[[I:.*]] = %[[C0]] to %[[C8]] step %[[C1]] iter_args(%[[ACC:.*]] = %[[INIT]], %[[OUT:.*]] = %[[X]])
// CHECK:           %[[T:.*]] = arith.subi %[[C7]], %[[I]]
// CHECK:           %[[E:.*]] = tensor.extract_slice %[[X]][%[[T]], 0]
// CHECK:           %[[S:.*]] = arith.subf %[[ACC]], %[[E]]
// CHECK:           %[[W:.*]] = tensor.insert_slice %[[ACC]] into %[[OUT]][%[[T]], 0]
// CHECK:           scf.yield %[[S]], %[[W]]
// CHECK:         return %[[R]]#1
// CHECK-NOT:     recur.
func.func @exclusive_reverse(%x: tensor<8x4xf32>, %init: tensor<4xf32>) -> tensor<8x4xf32> {
  %r = recur.scan(%x : tensor<8x4xf32>) init(%init : tensor<4xf32>) {exclusive, reverse} -> tensor<8x4xf32> {
  ^bb0(%acc: tensor<4xf32>, %e: tensor<4xf32>):
    %s = arith.subf %acc, %e : tensor<4xf32>
    recur.yield %s : tensor<4xf32>
  }
  return %r : tensor<8x4xf32>
}

// -----

// A diagonal linear scan: one elementwise linalg.generic per step that
// accumulates a_t * h into b_t; the state starts at zero without init, and
// the stacked states start empty (every step writes its slice).
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @diagonal(
// CHECK-SAME:    %[[A:.*]]: tensor<6x2x3xf32>, %[[B:.*]]: tensor<6x2x3xf32>)
// CHECK:         %[[H0:.*]] = linalg.fill {{.*}} -> tensor<2x3xf32>
// CHECK:         %[[HS0:.*]] = tensor.empty() : tensor<6x2x3xf32>
// CHECK:         %[[R:.*]]:2 = scf.for %[[T:.*]] = {{.*}} iter_args(%[[H:.*]] = %[[H0]], %[[HS:.*]] = %[[HS0]])
// CHECK:           %[[AT:.*]] = tensor.extract_slice %[[A]][%[[T]], 0, 0]
// CHECK:           %[[BT:.*]] = tensor.extract_slice %[[B]][%[[T]], 0, 0]
// Elementwise and without sequence lengths, the step updates the carried
// state in place (its init is h): a * h + b.
// CHECK:           %[[NEXT:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[AT]], %[[BT]] : {{.*}}) outs(%[[H]] : {{.*}})
// CHECK:           ^bb0(%[[EA:.*]]: f32, %[[EB:.*]]: f32, %[[EH:.*]]: f32):
// CHECK:             %[[PROD:.*]] = arith.mulf %[[EA]], %[[EH]]
// CHECK:             arith.addf %[[EB]], %[[PROD]]
// CHECK:           %[[W:.*]] = tensor.insert_slice %[[NEXT]] into %[[HS]][%[[T]], 0, 0]
// CHECK:           scf.yield %[[NEXT]], %[[W]]
// CHECK:         return %[[R]]#1, %[[R]]#0
// CHECK-NOT:     recur.
func.func @diagonal(%a: tensor<6x2x3xf32>, %b: tensor<6x2x3xf32>) -> (tensor<6x2x3xf32>, tensor<2x3xf32>) {
  %hs, %last = recur.linear_scan diagonal a(%a : tensor<6x2x3xf32>) b(%b : tensor<6x2x3xf32>) -> tensor<6x2x3xf32>, tensor<2x3xf32>
  return %hs, %last : tensor<6x2x3xf32>, tensor<2x3xf32>
}

// -----

// A scalar transition with batch_dims = 1 reads a per batch entry only.
// CHECK-DAG:   #[[BATCH:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @scalar(
// CHECK:         scf.for
// CHECK:           linalg.generic {indexing_maps = [#[[BATCH]], {{.*}}], iterator_types = ["parallel", "parallel"]}
// CHECK-NOT:     recur.
func.func @scalar(%a: tensor<5x2xf32>, %b: tensor<5x2x3xf32>, %h0: tensor<2x3xf32>) -> (tensor<5x2x3xf32>, tensor<2x3xf32>) {
  %hs, %last = recur.linear_scan scalar a(%a : tensor<5x2xf32>) b(%b : tensor<5x2x3xf32>) init(%h0 : tensor<2x3xf32>) {batch_dims = 1 : i64} -> tensor<5x2x3xf32>, tensor<2x3xf32>
  return %hs, %last : tensor<5x2x3xf32>, tensor<2x3xf32>
}

// -----

// A dense transition contracts A[.., i, j] with h[.., j, rest]: a reduction
// over j, accumulated into b_t.
// CHECK-DAG:   #[[AMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG:   #[[HMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG:   #[[OMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @dense(
// CHECK-SAME:    %[[H0:[^:]*]]: tensor<2x3x4xf32>
// CHECK:         scf.for {{.*}} iter_args(%[[H:.*]] = %[[H0]],
// CHECK:           %[[AT:.*]] = tensor.extract_slice
// CHECK:           %[[BT:.*]] = tensor.extract_slice
// CHECK:           linalg.generic {indexing_maps = [#[[AMAP]], #[[HMAP]], #[[OMAP]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[AT]], %[[H]] : {{.*}}) outs(%[[BT]] : {{.*}})
// CHECK-NOT:     recur.
func.func @dense(%a: tensor<7x2x3x3xf32>, %b: tensor<7x2x3x4xf32>, %h0: tensor<2x3x4xf32>) -> (tensor<7x2x3x4xf32>, tensor<2x3x4xf32>) {
  %hs, %last = recur.linear_scan dense a(%a : tensor<7x2x3x3xf32>) b(%b : tensor<7x2x3x4xf32>) init(%h0 : tensor<2x3x4xf32>) {batch_dims = 1 : i64} -> tensor<7x2x3x4xf32>, tensor<2x3x4xf32>
  return %hs, %last : tensor<7x2x3x4xf32>, tensor<2x3x4xf32>
}

// -----

// Block-diagonal: an inner loop over the blocks, each a dense product on its
// k rows.
// CHECK-LABEL: func.func @block_diagonal(
// CHECK-SAME:    %[[A:.*]]: tensor<4x3x2x2xf32>, %[[B:.*]]: tensor<4x6x5xf32>)
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK:         scf.for {{.*}} iter_args(%[[H:[^ ]*]] =
// CHECK:           %[[AT:.*]] = tensor.extract_slice %[[A]]
// CHECK:           %[[BT:.*]] = tensor.extract_slice %[[B]]
// CHECK:           scf.for %[[G:.*]] = {{.*}} to %[[C3]] {{.*}} iter_args(%[[ACC:.*]] = %[[BT]])
// CHECK:             %[[ROW:.*]] = arith.muli %[[G]], %[[C2]]
// CHECK:             %[[BLOCK:.*]] = tensor.extract_slice %[[AT]][%[[G]], 0, 0] [1, 2, 2]
// CHECK:             %[[ROWS:.*]] = tensor.extract_slice %[[H]][%[[ROW]], 0] [2, 5]
// CHECK:             %[[ACCROWS:.*]] = tensor.extract_slice %[[ACC]][%[[ROW]], 0] [2, 5]
// CHECK:             %[[P:.*]] = linalg.generic {{.*}} ins(%[[BLOCK]], %[[ROWS]] : {{.*}}) outs(%[[ACCROWS]] : {{.*}})
// CHECK:             tensor.insert_slice %[[P]] into %[[ACC]][%[[ROW]], 0] [2, 5]
// CHECK-NOT:     recur.
func.func @block_diagonal(%a: tensor<4x3x2x2xf32>, %b: tensor<4x6x5xf32>) -> (tensor<4x6x5xf32>, tensor<6x5xf32>) {
  %hs, %last = recur.linear_scan block_diagonal a(%a : tensor<4x3x2x2xf32>) b(%b : tensor<4x6x5xf32>) -> tensor<4x6x5xf32>, tensor<6x5xf32>
  return %hs, %last : tensor<4x6x5xf32>, tensor<6x5xf32>
}

// -----

// I + u v^T: w = v^T h (a [r, rest] projection), then (h + b) + u w.
// CHECK-DAG:   #[[VT:.*]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG:   #[[U:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @low_rank(
// CHECK:         scf.for {{.*}} iter_args(%[[H:[^ ]*]] =
// CHECK:           %[[UT:.*]] = tensor.extract_slice
// CHECK:           %[[VT_:.*]] = tensor.extract_slice
// CHECK:           %[[BT:.*]] = tensor.extract_slice
// CHECK:           %[[Z:.*]] = linalg.fill {{.*}} -> tensor<1x3xf32>
// CHECK:           %[[W:.*]] = linalg.generic {indexing_maps = [#[[VT]], {{.*}}]{{.*}} ins(%[[VT_]], %[[H]] : {{.*}}) outs(%[[Z]] : tensor<1x3xf32>)
// CHECK:           %[[HB:.*]] = arith.addf %[[H]], %[[BT]]
// CHECK:           linalg.generic {indexing_maps = [#[[U]], {{.*}}]{{.*}} ins(%[[UT]], %[[W]] : {{.*}}) outs(%[[HB]] : tensor<4x3xf32>)
// CHECK-NOT:     recur.
func.func @low_rank(%u: tensor<6x4x1xf32>, %v: tensor<6x4x1xf32>, %b: tensor<6x4x3xf32>) -> (tensor<6x4x3xf32>, tensor<4x3xf32>) {
  %hs, %last = recur.linear_scan identity_plus_low_rank a(%u, %v : tensor<6x4x1xf32>, tensor<6x4x1xf32>) b(%b : tensor<6x4x3xf32>) -> tensor<6x4x3xf32>, tensor<4x3xf32>
  return %hs, %last : tensor<6x4x3xf32>, tensor<4x3xf32>
}

// -----

// Sequence lengths: inactive entries keep the state and write zeros.
// CHECK-LABEL: func.func @seq_lens(
// CHECK:         scf.for {{.*}} iter_args(%[[H:[^ ]*]] =
// CHECK:           %[[NEXT:.*]] = linalg.generic
// CHECK:           %[[ACTIVE:.*]] = linalg.broadcast
// CHECK:           %[[ZERO:.*]] = linalg.fill
// CHECK:           %[[OUT:.*]] = arith.select %[[ACTIVE]], %[[NEXT]], %[[ZERO]]
// CHECK:           %[[KEPT:.*]] = arith.select %[[ACTIVE]], %[[NEXT]], %[[H]]
// CHECK:           %[[W:.*]] = tensor.insert_slice %[[OUT]]
// CHECK:           scf.yield %[[KEPT]], %[[W]]
// CHECK-NOT:     recur.
func.func @seq_lens(%a: tensor<5x3x2xf32>, %b: tensor<5x3x2xf32>, %lens: tensor<3xi64>) -> (tensor<5x3x2xf32>, tensor<3x2xf32>) {
  %hs, %last = recur.linear_scan diagonal a(%a : tensor<5x3x2xf32>) b(%b : tensor<5x3x2xf32>) seq_lens(%lens : tensor<3xi64>) -> tensor<5x3x2xf32>, tensor<3x2xf32>
  return %hs, %last : tensor<5x3x2xf32>, tensor<3x2xf32>
}
