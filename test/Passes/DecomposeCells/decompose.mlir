// RUN: recur-opt %s --recur-decompose-cells --split-input-file | FileCheck %s

// A forward RNN: one recurrence over x, the direction's weights sliced and
// transposed outside the body and captured, and y / y_h the recurrence's
// results with a unit direction axis.

// CHECK-LABEL: func.func @rnn_forward
// CHECK-SAME: (%[[X:.*]]: tensor<5x2x3xf32>, %[[W:.*]]: tensor<1x4x3xf32>, %[[R:.*]]: tensor<1x4x4xf32>)
// CHECK-NOT: recur.rnn
// CHECK: %[[WD:.*]] = tensor.extract_slice %[[W]][0, 0, 0] [1, 4, 3] [1, 1, 1] : tensor<1x4x3xf32> to tensor<4x3xf32>
// CHECK: %[[WT:.*]] = linalg.transpose ins(%[[WD]] : tensor<4x3xf32>) {{.*}} permutation = [1, 0]
// CHECK: %[[RD:.*]] = tensor.extract_slice %[[R]][0, 0, 0]
// CHECK: %[[RT:.*]] = linalg.transpose ins(%[[RD]] : tensor<4x4xf32>)
// CHECK: %[[REC:.*]]:2 = recur.recurrence init(%{{.*}} : tensor<2x4xf32>) seq(%[[X]] : tensor<5x2x3xf32>) captures(%[[WT]], %[[RT]] : tensor<3x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>, tensor<5x2x4xf32> {
// CHECK-NEXT: ^bb0(%[[H:.*]]: tensor<2x4xf32>, %[[XT:.*]]: tensor<2x3xf32>, %[[CW:.*]]: tensor<3x4xf32>, %[[CR:.*]]: tensor<4x4xf32>):
// CHECK-DAG: %[[XW:.*]] = linalg.matmul ins(%[[XT]], %[[CW]] : tensor<2x3xf32>, tensor<3x4xf32>)
// CHECK-DAG: %[[HR:.*]] = linalg.matmul ins(%[[H]], %[[CR]] : tensor<2x4xf32>, tensor<4x4xf32>)
// CHECK: %[[PRE:.*]] = arith.addf %[[XW]], %[[HR]] : tensor<2x4xf32>
// CHECK: %[[NEXT:.*]] = math.tanh %[[PRE]] : tensor<2x4xf32>
// CHECK: recur.yield %[[NEXT]], %[[NEXT]] : tensor<2x4xf32>, tensor<2x4xf32>
// CHECK: %[[Y:.*]] = tensor.expand_shape %[[REC]]#1 {{\[}}[0, 1], [2], [3]] output_shape [5, 1, 2, 4]
// CHECK: %[[YH:.*]] = tensor.expand_shape %[[REC]]#0 {{\[}}[0, 1], [2]] output_shape [1, 2, 4]
// CHECK: return %[[Y]], %[[YH]]
func.func @rnn_forward(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>)
    -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>) {
  %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>)
      {hidden_size = 4 : i64} -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
  return %y, %yh : tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
}

// -----

// A bidirectional LSTM: one recurrence per direction, the second `reverse`,
// each reading its own slice of w, r, bias and initial_h; both states (h, c)
// carried, the results stacked along ONNX's direction axis.

// CHECK-LABEL: func.func @lstm_bidirectional
// CHECK-SAME: (%[[X:.*]]: tensor<4x2x3xf32>, %[[W:.*]]: tensor<2x12x3xf32>, %[[R:.*]]: tensor<2x12x3xf32>, %[[B:.*]]: tensor<2x24xf32>, %[[H0:.*]]: tensor<2x2x3xf32>)
// CHECK-NOT: recur.lstm
// CHECK-DAG: %[[H0F:.*]] = tensor.extract_slice %[[H0]][0, 0, 0] [1, 2, 3]
// CHECK-DAG: tensor.extract_slice %[[W]][0, 0, 0] [1, 12, 3]
// CHECK-DAG: %[[BF:.*]] = tensor.extract_slice %[[B]][0, 0] [1, 24]
// CHECK-DAG: %[[WBF:.*]] = tensor.extract_slice %[[BF]][0] [12] [1] : tensor<24xf32> to tensor<12xf32>
// CHECK-DAG: %[[RBF:.*]] = tensor.extract_slice %[[BF]][12] [12] [1] : tensor<24xf32> to tensor<12xf32>
// CHECK: %[[FWD:.*]]:3 = recur.recurrence init(%[[H0F]], %{{.*}} : tensor<2x3xf32>, tensor<2x3xf32>) seq(%[[X]] : tensor<4x2x3xf32>) captures(%{{.*}}, %{{.*}}, %[[WBF]], %[[RBF]] : tensor<3x12xf32>, tensor<3x12xf32>, tensor<12xf32>, tensor<12xf32>) -> tensor<2x3xf32>, tensor<2x3xf32>, tensor<4x2x3xf32> {
// CHECK: recur.yield %[[HN:.*]], %{{.*}}, %[[HN]] :
// CHECK-DAG: %[[H0B:.*]] = tensor.extract_slice %[[H0]][1, 0, 0] [1, 2, 3]
// CHECK-DAG: tensor.extract_slice %[[W]][1, 0, 0] [1, 12, 3]
// CHECK-DAG: tensor.extract_slice %[[B]][1, 0] [1, 24]
// CHECK: %[[BWD:.*]]:3 = recur.recurrence init(%[[H0B]], %{{.*}} : {{.*}}) seq(%[[X]] : tensor<4x2x3xf32>) captures({{.*}}) {reverse} -> tensor<2x3xf32>, tensor<2x3xf32>, tensor<4x2x3xf32> {
// CHECK: %[[YF:.*]] = tensor.expand_shape %[[FWD]]#2 {{\[}}[0, 1], [2], [3]] output_shape [4, 1, 2, 3]
// CHECK: %[[YB:.*]] = tensor.expand_shape %[[BWD]]#2
// CHECK: %[[Y:.*]] = tensor.concat dim(1) %[[YF]], %[[YB]] : {{.*}} -> tensor<4x2x2x3xf32>
// CHECK: %[[YHF:.*]] = tensor.expand_shape %[[FWD]]#0
// CHECK: %[[YHB:.*]] = tensor.expand_shape %[[BWD]]#0
// CHECK: %[[YH:.*]] = tensor.concat dim(0) %[[YHF]], %[[YHB]] : {{.*}} -> tensor<2x2x3xf32>
// CHECK: %[[YCF:.*]] = tensor.expand_shape %[[FWD]]#1
// CHECK: %[[YCB:.*]] = tensor.expand_shape %[[BWD]]#1
// CHECK: %[[YC:.*]] = tensor.concat dim(0) %[[YCF]], %[[YCB]] : {{.*}} -> tensor<2x2x3xf32>
// CHECK: return %[[Y]], %[[YH]], %[[YC]]
func.func @lstm_bidirectional(%x: tensor<4x2x3xf32>, %w: tensor<2x12x3xf32>, %r: tensor<2x12x3xf32>,
                              %b: tensor<2x24xf32>, %h0: tensor<2x2x3xf32>)
    -> (tensor<4x2x2x3xf32>, tensor<2x2x3xf32>, tensor<2x2x3xf32>) {
  %y, %yh, %yc = recur.lstm(%x, %w, %r : tensor<4x2x3xf32>, tensor<2x12x3xf32>, tensor<2x12x3xf32>)
      bias(%b : tensor<2x24xf32>) initial_h(%h0 : tensor<2x2x3xf32>)
      {hidden_size = 3 : i64, direction = #recur<direction bidirectional>}
      -> tensor<4x2x2x3xf32>, tensor<2x2x3xf32>, tensor<2x2x3xf32>
  return %y, %yh, %yc : tensor<4x2x2x3xf32>, tensor<2x2x3xf32>, tensor<2x2x3xf32>
}

// -----

// A reverse GRU in layout 1 with sequence lengths and a dynamic batch: the
// recurrence steps along time_axis 1 in reverse and takes the lengths; states
// are [?, H] with their zeros sized by tensor.dim of x; without
// linear_before_reset the h gate's recurrent weights are captured apart.

// CHECK-LABEL: func.func @gru_reverse_layout1
// CHECK-SAME: (%[[X:.*]]: tensor<?x5x3xf32>, %[[W:.*]]: tensor<1x6x3xf32>, %[[R:.*]]: tensor<1x6x2xf32>, %[[L:.*]]: tensor<?xi32>)
// CHECK-NOT: recur.gru
// CHECK: %[[B:.*]] = tensor.dim %[[X]], %c0
// CHECK: %[[E:.*]] = tensor.empty(%[[B]]) : tensor<?x2xf32>
// CHECK: %[[H0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<?x2xf32>)
// CHECK: %[[RT:.*]] = linalg.transpose ins(%{{.*}} : tensor<6x2xf32>)
// CHECK: %[[RZR:.*]] = tensor.extract_slice %[[RT]][0, 0] [2, 4] [1, 1] : tensor<2x6xf32> to tensor<2x4xf32>
// CHECK: %[[RH:.*]] = tensor.extract_slice %[[RT]][0, 4] [2, 2] [1, 1] : tensor<2x6xf32> to tensor<2x2xf32>
// CHECK: %[[REC:.*]]:2 = recur.recurrence init(%[[H0]] : tensor<?x2xf32>) seq(%[[X]] : tensor<?x5x3xf32>) captures(%{{.*}}, %[[RZR]], %[[RH]] : tensor<3x6xf32>, tensor<2x4xf32>, tensor<2x2xf32>) seq_lens(%[[L]] : tensor<?xi32>) {reverse, time_axis = 1 : i64} -> tensor<?x2xf32>, tensor<?x5x2xf32> {
// CHECK-NEXT: ^bb0(%{{.*}}: tensor<?x2xf32>, %{{.*}}: tensor<?x3xf32>,
// CHECK: tensor.expand_shape %[[REC]]#1 {{\[}}[0], [1, 2], [3]] output_shape [%{{.*}}, 5, 1, 2] : tensor<?x5x2xf32> into tensor<?x5x1x2xf32>
// CHECK: tensor.expand_shape %[[REC]]#0 {{\[}}[0, 1], [2]] output_shape [%{{.*}}, 1, 2] : tensor<?x2xf32> into tensor<?x1x2xf32>
func.func @gru_reverse_layout1(%x: tensor<?x5x3xf32>, %w: tensor<1x6x3xf32>, %r: tensor<1x6x2xf32>, %l: tensor<?xi32>)
    -> (tensor<?x5x1x2xf32>, tensor<?x1x2xf32>) {
  %y, %yh = recur.gru(%x, %w, %r : tensor<?x5x3xf32>, tensor<1x6x3xf32>, tensor<1x6x2xf32>)
      seq_lens(%l : tensor<?xi32>)
      {hidden_size = 2 : i64, direction = #recur<direction reverse>, layout = 1 : i64}
      -> tensor<?x5x1x2xf32>, tensor<?x1x2xf32>
  return %y, %yh : tensor<?x5x1x2xf32>, tensor<?x1x2xf32>
}

// -----

// Sigmoid is spelled out as 1 / (1 + exp(-x)) and clip as a clamp before it.

// CHECK-LABEL: func.func @rnn_sigmoid_clip
// CHECK-NOT: recur.rnn
// CHECK-DAG: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<1x2xf32>
// CHECK-DAG: %[[HI:.*]] = arith.constant dense<2.500000e+00> : tensor<1x2xf32>
// CHECK-DAG: %[[LO:.*]] = arith.constant dense<-2.500000e+00> : tensor<1x2xf32>
// CHECK: %[[PRE:.*]] = arith.addf
// CHECK: %[[A:.*]] = arith.maximumf %[[PRE]], %[[LO]]
// CHECK: %[[C:.*]] = arith.minimumf %[[A]], %[[HI]]
// CHECK: %[[N:.*]] = arith.negf %[[C]]
// CHECK: %[[E:.*]] = math.exp %[[N]]
// CHECK: %[[D:.*]] = arith.addf %[[E]], %[[ONE]]
// CHECK: %[[S:.*]] = arith.divf %[[ONE]], %[[D]]
// CHECK: recur.yield %[[S]], %[[S]]
func.func @rnn_sigmoid_clip(%x: tensor<3x1x2xf32>, %w: tensor<1x2x2xf32>, %r: tensor<1x2x2xf32>)
    -> (tensor<3x1x1x2xf32>, tensor<1x1x2xf32>) {
  %y, %yh = recur.rnn(%x, %w, %r : tensor<3x1x2xf32>, tensor<1x2x2xf32>, tensor<1x2x2xf32>)
      {hidden_size = 2 : i64, activations = ["Sigmoid"], clip = 2.5 : f32}
      -> tensor<3x1x1x2xf32>, tensor<1x1x2xf32>
  return %y, %yh : tensor<3x1x1x2xf32>, tensor<1x1x2xf32>
}
