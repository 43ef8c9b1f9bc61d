// RUN: recur-opt %s --recur-lower-to-loops --split-input-file | FileCheck %s
//
// The shape of the sequential lowering of recur.recurrence: one scf.for over
// time carrying the states and the stacked outputs (empty: every step writes
// its slice, masked steps zeros) as
// iter_args, the body inlined on each step's slices, no recur op left. (The
// values are checked by the recurrence-* execution tests.)

// The step slice is read at t and the output written at t; the states and
// the stacked outputs travel as iter_args.
// CHECK-LABEL: func.func @running_sum(
// CHECK-SAME:    %[[H0:.*]]: tensor<4xf32>, %[[X:.*]]: tensor<8x4xf32>)
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C8:.*]] = arith.constant 8 : index
// CHECK:         %[[EMPTY:.*]] = tensor.empty() : tensor<8x4xf32>
// CHECK-NOT:     linalg.fill
// CHECK:         %[[R:.*]]:2 = scf.for %[[I:.*]] = %[[C0]] to %[[C8]] step %[[C1]] iter_args(%[[H:.*]] = %[[H0]], %[[OUT:.*]] = %[[EMPTY]]) -> (tensor<4xf32>, tensor<8x4xf32>)
// CHECK:           %[[XT:.*]] = tensor.extract_slice %[[X]][%[[I]], 0] [1, 4] [1, 1] : tensor<8x4xf32> to tensor<4xf32>
// CHECK:           %[[N:.*]] = arith.addf %[[H]], %[[XT]] : tensor<4xf32>
// CHECK:           %[[W:.*]] = tensor.insert_slice %[[N]] into %[[OUT]][%[[I]], 0] [1, 4] [1, 1] : tensor<4xf32> into tensor<8x4xf32>
// CHECK:           scf.yield %[[N]], %[[W]] : tensor<4xf32>, tensor<8x4xf32>
// CHECK:         return %[[R]]#0, %[[R]]#1
// CHECK-NOT:     recur.
func.func @running_sum(%h0: tensor<4xf32>, %x: tensor<8x4xf32>) -> (tensor<4xf32>, tensor<8x4xf32>) {
  %h, %ys = recur.recurrence init(%h0 : tensor<4xf32>) seq(%x : tensor<8x4xf32>) -> tensor<4xf32>, tensor<8x4xf32> {
  ^bb0(%s: tensor<4xf32>, %xt: tensor<4xf32>):
    %n = arith.addf %s, %xt : tensor<4xf32>
    recur.yield %n, %n : tensor<4xf32>, tensor<4xf32>
  }
  return %h, %ys : tensor<4xf32>, tensor<8x4xf32>
}

// -----

// Reverse along time axis 1 of a dynamic length: T is read off the sequence,
// step t = (T-1) - i is sliced and written in dimension 1, and the captured
// matrix is used as it is.
// CHECK-LABEL: func.func @reverse_time_axis(
// CHECK-SAME:    %[[H0:.*]]: tensor<2x4xf32>, %[[X:.*]]: tensor<2x?x4xf32>, %[[W:.*]]: tensor<4x4xf32>)
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK:         %[[T:.*]] = tensor.dim %[[X]], %[[C1]] : tensor<2x?x4xf32>
// CHECK:         %[[EMPTY:.*]] = tensor.empty(%[[T]]) : tensor<2x?x4xf32>
// CHECK:         %[[R:.*]]:2 = scf.for %[[I:.*]] = %[[C0]] to %[[T]] step %[[C1]] iter_args(%[[H:.*]] = %[[H0]], %[[OUT:.*]] = %[[EMPTY]])
// CHECK:           %[[LAST:.*]] = arith.subi %[[T]], %[[C1]] : index
// CHECK:           %[[STEP:.*]] = arith.subi %[[LAST]], %[[I]] : index
// CHECK:           %[[XT:.*]] = tensor.extract_slice %[[X]][0, %[[STEP]], 0] [2, 1, 4] [1, 1, 1] : tensor<2x?x4xf32> to tensor<2x4xf32>
// CHECK:           %[[M:.*]] = linalg.matmul ins(%[[H]], %[[W]] : tensor<2x4xf32>, tensor<4x4xf32>)
// CHECK:           %[[N:.*]] = arith.addf %[[M]], %[[XT]]
// CHECK:           %[[WR:.*]] = tensor.insert_slice %[[M]] into %[[OUT]][0, %[[STEP]], 0] [2, 1, 4] [1, 1, 1] : tensor<2x4xf32> into tensor<2x?x4xf32>
// CHECK:           scf.yield %[[N]], %[[WR]]
// CHECK:         return %[[R]]#0, %[[R]]#1
// CHECK-NOT:     recur.
func.func @reverse_time_axis(%h0: tensor<2x4xf32>, %x: tensor<2x?x4xf32>, %w: tensor<4x4xf32>) -> (tensor<2x4xf32>, tensor<2x?x4xf32>) {
  %h, %ys = recur.recurrence init(%h0 : tensor<2x4xf32>) seq(%x : tensor<2x?x4xf32>) captures(%w : tensor<4x4xf32>) {time_axis = 1, reverse} -> tensor<2x4xf32>, tensor<2x?x4xf32> {
  ^bb0(%s: tensor<2x4xf32>, %xt: tensor<2x4xf32>, %wc: tensor<4x4xf32>):
    %z = arith.constant dense<0.0> : tensor<2x4xf32>
    %m = linalg.matmul ins(%s, %wc : tensor<2x4xf32>, tensor<4x4xf32>) outs(%z : tensor<2x4xf32>) -> tensor<2x4xf32>
    %n = arith.addf %m, %xt : tensor<2x4xf32>
    recur.yield %n, %m : tensor<2x4xf32>, tensor<2x4xf32>
  }
  return %h, %ys : tensor<2x4xf32>, tensor<2x?x4xf32>
}

// -----

// Sequence lengths: per batch entry, t < lens[b], broadcast over the rest of
// the slice; the next state selects between the body's and the old state,
// the output between the body's and zeros.
// CHECK-LABEL: func.func @seq_lens(
// CHECK-SAME:    %[[H0:.*]]: tensor<3x4xf32>, %[[X:.*]]: tensor<5x3x4xf32>, %[[LENS:.*]]: tensor<3xi32>)
// CHECK:         %[[R:.*]]:2 = scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[H:.*]] = %[[H0]], %[[OUT:.*]] = %{{.*}})
// CHECK:           %[[XT:.*]] = tensor.extract_slice %[[X]][%[[I]], 0, 0] [1, 3, 4] [1, 1, 1]
// CHECK:           %[[N:.*]] = arith.mulf %[[H]], %[[XT]] : tensor<3x4xf32>
// CHECK:           %[[TI:.*]] = arith.index_cast %[[I]] : index to i32
// CHECK:           %[[TS:.*]] = tensor.splat %[[TI]] : tensor<3xi32>
// CHECK:           %[[ACTIVE:.*]] = arith.cmpi slt, %[[TS]], %[[LENS]] : tensor<3xi32>
// CHECK:           %[[MASK:.*]] = linalg.broadcast ins(%[[ACTIVE]] : tensor<3xi1>) outs(%{{.*}} : tensor<3x4xi1>) dimensions = [1]
// CHECK:           %[[NEXT:.*]] = arith.select %[[MASK]], %[[N]], %[[H]] : tensor<3x4xi1>, tensor<3x4xf32>
// CHECK:           %[[OMASK:.*]] = linalg.broadcast
// CHECK:           %[[ZEROS:.*]] = linalg.fill
// CHECK:           %[[Y:.*]] = arith.select %[[OMASK]], %[[XT]], %[[ZEROS]] : tensor<3x4xi1>, tensor<3x4xf32>
// CHECK:           %[[W:.*]] = tensor.insert_slice %[[Y]] into %[[OUT]][%[[I]], 0, 0] [1, 3, 4] [1, 1, 1]
// CHECK:           scf.yield %[[NEXT]], %[[W]]
// CHECK-NOT:     recur.
func.func @seq_lens(%h0: tensor<3x4xf32>, %x: tensor<5x3x4xf32>, %lens: tensor<3xi32>) -> (tensor<3x4xf32>, tensor<5x3x4xf32>) {
  %h, %ys = recur.recurrence init(%h0 : tensor<3x4xf32>) seq(%x : tensor<5x3x4xf32>) seq_lens(%lens : tensor<3xi32>) -> tensor<3x4xf32>, tensor<5x3x4xf32> {
  ^bb0(%s: tensor<3x4xf32>, %xt: tensor<3x4xf32>):
    %n = arith.mulf %s, %xt : tensor<3x4xf32>
    recur.yield %n, %xt : tensor<3x4xf32>, tensor<3x4xf32>
  }
  return %h, %ys : tensor<3x4xf32>, tensor<5x3x4xf32>
}

// -----

// A rank-1 state under i64 lengths needs no broadcast: the comparison is
// the mask.
// CHECK-LABEL: func.func @seq_lens_vector_state(
// CHECK-SAME:    %[[H0:.*]]: tensor<3xf32>, %[[X:.*]]: tensor<5x3xf32>, %[[LENS:.*]]: tensor<3xi64>)
// CHECK:         scf.for %[[I:.*]] = {{.*}} iter_args(%[[H:.*]] = %[[H0]])
// CHECK:           %[[N:.*]] = arith.addf
// CHECK:           %[[TI:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK:           %[[TS:.*]] = tensor.splat %[[TI]] : tensor<3xi64>
// CHECK:           %[[ACTIVE:.*]] = arith.cmpi slt, %[[TS]], %[[LENS]] : tensor<3xi64>
// CHECK-NOT:       linalg.broadcast
// CHECK:           %[[NEXT:.*]] = arith.select %[[ACTIVE]], %[[N]], %[[H]] : tensor<3xi1>, tensor<3xf32>
// CHECK:           scf.yield %[[NEXT]] : tensor<3xf32>
// CHECK-NOT:     recur.
func.func @seq_lens_vector_state(%h0: tensor<3xf32>, %x: tensor<5x3xf32>, %lens: tensor<3xi64>) -> tensor<3xf32> {
  %h = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<5x3xf32>) seq_lens(%lens : tensor<3xi64>) -> tensor<3xf32> {
  ^bb0(%s: tensor<3xf32>, %xt: tensor<3xf32>):
    %n = arith.addf %s, %xt : tensor<3xf32>
    recur.yield %n : tensor<3xf32>
  }
  return %h : tensor<3xf32>
}

// -----

// A step output whose size only the body knows (k columns, k captured): the
// body is probed on step 0 when there is one (on zero stand-ins of the step's
// slices otherwise) to size the stacked output; here both branches give k
// itself (and canonicalization folds the if away).
// CHECK-LABEL: func.func @probe(
// CHECK-SAME:    %[[H0:.*]]: tensor<2x4xf32>, %[[X:.*]]: tensor<?x2x4xf32>, %[[K:.*]]: index)
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK:         %[[T:.*]] = tensor.dim %[[X]], %[[C0]]
// CHECK:         %[[NONEMPTY:.*]] = arith.cmpi sgt, %[[T]], %[[C0]] : index
// CHECK:         %[[SIZE:.*]] = scf.if %[[NONEMPTY]] -> (index) {
// CHECK:           scf.yield %[[K]] : index
// CHECK:         } else {
// CHECK:           scf.yield %[[K]] : index
// CHECK:         }
// CHECK:         %[[EMPTY:.*]] = tensor.empty(%[[T]], %[[SIZE]]) : tensor<?x2x?xf32>
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[H0]], %[[OUT:.*]] = %[[EMPTY]])
// CHECK:           %[[Y:.*]] = tensor.extract_slice %{{.*}}[0, 0] [2, %[[K]]] [1, 1] : tensor<2x4xf32> to tensor<2x?xf32>
// CHECK:           tensor.insert_slice %[[Y]] into %[[OUT]]
// CHECK-NOT:     recur.
func.func @probe(%h0: tensor<2x4xf32>, %x: tensor<?x2x4xf32>, %k: index) -> (tensor<2x4xf32>, tensor<?x2x?xf32>) {
  %h, %ys = recur.recurrence init(%h0 : tensor<2x4xf32>) seq(%x : tensor<?x2x4xf32>) captures(%k : index) -> tensor<2x4xf32>, tensor<?x2x?xf32> {
  ^bb0(%s: tensor<2x4xf32>, %xt: tensor<2x4xf32>, %kc: index):
    %n = arith.addf %s, %xt : tensor<2x4xf32>
    %y = tensor.extract_slice %n[0, 0] [2, %kc] [1, 1] : tensor<2x4xf32> to tensor<2x?xf32>
    recur.yield %n, %y : tensor<2x4xf32>, tensor<2x?xf32>
  }
  return %h, %ys : tensor<2x4xf32>, tensor<?x2x?xf32>
}

// -----

// No step outputs: the loop carries the state alone, and needs no probe.
// CHECK-LABEL: func.func @no_outputs(
// CHECK-SAME:    %[[H0:.*]]: tensor<4xf32>, %[[X:.*]]: tensor<?x4xf32>)
// CHECK-NOT:     scf.if
// CHECK-NOT:     linalg.fill
// CHECK:         %[[R:.*]] = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[H:.*]] = %[[H0]]) -> (tensor<4xf32>)
// CHECK:           %[[N:.*]] = arith.maximumf %[[H]], %{{.*}} : tensor<4xf32>
// CHECK:           scf.yield %[[N]] : tensor<4xf32>
// CHECK:         return %[[R]] : tensor<4xf32>
// CHECK-NOT:     recur.
func.func @no_outputs(%h0: tensor<4xf32>, %x: tensor<?x4xf32>) -> tensor<4xf32> {
  %h = recur.recurrence init(%h0 : tensor<4xf32>) seq(%x : tensor<?x4xf32>) -> tensor<4xf32> {
  ^bb0(%s: tensor<4xf32>, %xt: tensor<4xf32>):
    %n = arith.maximumf %s, %xt : tensor<4xf32>
    recur.yield %n : tensor<4xf32>
  }
  return %h : tensor<4xf32>
}

// -----

// No init (a map over time): every step is independent, so the steps run
// as one scf.forall writing the stacked outputs in parallel.
// CHECK-LABEL: func.func @no_init(
// CHECK-SAME:    %[[X:.*]]: tensor<6x2xf32>)
// CHECK:         %[[EMPTY:.*]] = tensor.empty() : tensor<6x2xf32>
// CHECK:         %[[R:.*]] = scf.forall (%[[T:.*]]) in (%{{.*}}) shared_outs(%[[OUT:.*]] = %[[EMPTY]]) -> (tensor<6x2xf32>)
// CHECK:           %[[XT:.*]] = tensor.extract_slice %[[X]][%[[T]], 0] [1, 2] [1, 1]
// CHECK:           %[[Y:.*]] = math.tanh %[[XT]] : tensor<2xf32>
// CHECK:           scf.forall.in_parallel
// CHECK:             tensor.parallel_insert_slice %[[Y]] into %[[OUT]][%[[T]], 0] [1, 2] [1, 1]
// CHECK:         return %[[R]] : tensor<6x2xf32>
// CHECK-NOT:     recur.
func.func @no_init(%x: tensor<6x2xf32>) -> tensor<6x2xf32> {
  %ys = recur.recurrence seq(%x : tensor<6x2xf32>) -> tensor<6x2xf32> {
  ^bb0(%xt: tensor<2xf32>):
    %y = math.tanh %xt : tensor<2xf32>
    recur.yield %y : tensor<2xf32>
  }
  return %ys : tensor<6x2xf32>
}
