// RUN: recur-opt %s --recur-parallelize=chunk-size=4 | FileCheck %s
// RUN: recur-opt %s --recur-parallelize=chunk-size=4 | grep -v recur.chunk_local | FileCheck %s --check-prefix=NOSEQ
// RUN: recur-opt %s --recur-reference-to-llvm | %recur-runner | %numcheck
// RUN: recur-opt %s --recur-parallel-to-llvm=chunk-size=4 | %recur-runner | %numcheck
// RUN: recur-opt %s --recur-parallel-to-llvm=chunk-size=5 | %recur-runner | %numcheck
//
// The whole parallelizing pipeline on examples/mingru.mlir (T = 13, a prime,
// so chunks of 4 and 5 leave a partial last chunk). The input projections
// become one matmul over all steps with the two weights fused; the affine
// recurrence becomes a coefficient map and a chunked scan; no loop over all
// T steps is left (only chunk-local scans, marked recur.chunk_local, and the
// scan over chunk summaries). Both the sequential reference and the parallel
// form must match numpy.
// Expected values: numpy (float64), rng = default_rng(11); inputs rounded to
// 2 decimals; h_t = (1 - z) h + z (x_t Wh), z = sigmoid(x_t Wz).

// CHECK-LABEL: func.func @mingru
// CHECK:         tensor.collapse_shape
// CHECK:         linalg.matmul ins(%{{.*}} : tensor<?x3xf32>, tensor<3x8xf32>)
// CHECK-NOT:     linalg.matmul
// CHECK:         scf.forall
// CHECK:         recur.linear_scan diagonal
// NOSEQ-LABEL: func.func @mingru
// NOSEQ-NOT:     recur.linear_scan
// NOSEQ-NOT:     recur.recurrence init

func.func @mingru(%x: tensor<?x?x3xf32>, %h0: tensor<?x4xf32>,
                  %wz: tensor<3x4xf32>, %wh: tensor<3x4xf32>)
    -> (tensor<?x4xf32>, tensor<?x?x4xf32>) {
  %hT, %hs = recur.recurrence init(%h0 : tensor<?x4xf32>)
      seq(%x : tensor<?x?x3xf32>)
      captures(%wz, %wh : tensor<3x4xf32>, tensor<3x4xf32>)
      -> tensor<?x4xf32>, tensor<?x?x4xf32> {
  ^bb0(%h: tensor<?x4xf32>, %xt: tensor<?x3xf32>,
       %Wz: tensor<3x4xf32>, %Wh: tensor<3x4xf32>):
    %c0 = arith.constant 0 : index
    %zero = arith.constant 0.0 : f32
    %b = tensor.dim %xt, %c0 : tensor<?x3xf32>
    %empty = tensor.empty(%b) : tensor<?x4xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x4xf32>) -> tensor<?x4xf32>
    %zpre = linalg.matmul ins(%xt, %Wz : tensor<?x3xf32>, tensor<3x4xf32>)
                          outs(%acc : tensor<?x4xf32>) -> tensor<?x4xf32>
    %cand = linalg.matmul ins(%xt, %Wh : tensor<?x3xf32>, tensor<3x4xf32>)
                          outs(%acc : tensor<?x4xf32>) -> tensor<?x4xf32>
    // z = sigmoid(zpre) = 1 / (1 + exp(-zpre))
    %one = arith.constant 1.0 : f32
    %ones = linalg.fill ins(%one : f32) outs(%empty : tensor<?x4xf32>) -> tensor<?x4xf32>
    %neg = arith.negf %zpre : tensor<?x4xf32>
    %e = math.exp %neg : tensor<?x4xf32>
    %den = arith.addf %ones, %e : tensor<?x4xf32>
    %z = arith.divf %ones, %den : tensor<?x4xf32>
    // h_next = (1 - z) * h + z * cand
    %keep = arith.subf %ones, %z : tensor<?x4xf32>
    %old = arith.mulf %keep, %h : tensor<?x4xf32>
    %new = arith.mulf %z, %cand : tensor<?x4xf32>
    %hn = arith.addf %old, %new : tensor<?x4xf32>
    recur.yield %hn, %hn : tensor<?x4xf32>, tensor<?x4xf32>
  }
  return %hT, %hs : tensor<?x4xf32>, tensor<?x?x4xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  // EXPECT: shape=[2, 4] [0.2255258, -0.8070527, -0.5363309, -0.2452503, 0.09501589, -0.2416996, 0.1199302, -0.05452734]
  // EXPECT: shape=[13, 2, 4] [0.3614262, 0.1366429, -0.03455349, -0.6597675, -0.3189265, -0.6831829, -0.1009743, -0.7319704, -0.08830242, -0.2031483, -0.6529179, -0.709775, -0.2780063, -0.3102211, -0.07417846, -0.4258601, -0.00947419, -0.1500733, 0.02008075, -0.4290821, -0.239919, 0.04061109, 0.1456926, 0.03909463, -0.5326555, 0.05768227, -0.06243691, -0.1516222, 0.1201434, -0.1877907, -0.05263719, 0.04111446, 0.0396627, -0.1454847, 0.1939203, -0.002890218, 0.2778125, 0.1982233, 0.6674642, 0.4814471, 0.1773853, -0.3474086, 0.2699981, -0.1715578, 0.2105332, 0.2691737, 0.7406717, 0.1548646, -0.2844954, -0.1579821, -0.04490769, -0.4121746, 0.273877, -0.5968211, -0.05156972, -0.2941938, -0.3745836, -0.1144402, -0.3059341, -0.3161347, 0.3022259, -0.2452091, 0.4481328, -0.1875729, 0.4701187, -0.1137171, 0.0286754, -0.0170831, 0.2776685, -0.291476, 0.377784, -0.4986697, 0.2726185, 0.1730584, 0.3611991, 0.1652247, 0.3091532, -0.6113915, -0.009653678, -0.5858509, 0.6321054, -0.1498089, 0.1270468, 0.2473992, 0.7239959, -0.5290855, 0.235026, -0.2724464, 0.1321874, -0.2207454, -0.3000295, 0.1856691, 0.9907458, -0.5625297, 0.2998611, -0.06577706, 0.2255258, -0.8070527, -0.5363309, -0.2452503, 0.09501589, -0.2416996, 0.1199302, -0.05452734]
  %x = arith.constant dense<[[[-0.74, -0.0, 0.2], [-0.94, -0.7, 0.86]], [[-0.86, -0.74, 0.9], [0.24, -0.26, 0.02]], [[0.33, -0.45, -0.72], [0.58, 0.34, 0.02]], [[0.63, 0.1, 0.96], [-0.59, 0.11, -0.03]], [[-0.29, 0.18, -0.53], [0.6, 0.73, -0.74]], [[-0.07, -0.45, -0.83], [0.79, -0.14, -0.7]], [[0.35, -0.6, 0.8], [-0.57, -0.93, -0.6]], [[-0.31, -0.06, 0.81], [0.39, -0.32, -0.97]], [[-0.68, 0.99, -0.08], [0.38, -0.89, -0.93]], [[0.69, 0.18, -0.38], [-0.37, -0.82, -0.65]], [[-0.95, 0.68, -0.07], [-0.75, 0.48, -0.61]], [[-0.88, 0.2, 0.79], [-0.95, 0.61, -0.62]], [[-0.81, -0.96, -0.41], [0.45, -0.01, 0.71]]]> : tensor<13x2x3xf32>
  %h0 = arith.constant dense<[[0.57, 0.79, 0.52, -0.93], [-0.28, -0.67, 1.0, -0.71]]> : tensor<2x4xf32>
  %wz = arith.constant dense<[[-0.57, -0.37, -0.48, 0.96], [0.88, -0.32, -0.13, -0.37], [0.49, -0.92, -0.87, -0.19]]> : tensor<3x4xf32>
  %wh = arith.constant dense<[[-0.51, 0.69, 0.48, 0.09], [0.32, 0.38, 0.56, 0.86], [-0.7, 0.25, -0.71, -0.11]]> : tensor<3x4xf32>
  %xd = tensor.cast %x : tensor<13x2x3xf32> to tensor<?x?x3xf32>
  %hd = tensor.cast %h0 : tensor<2x4xf32> to tensor<?x4xf32>
  %hT, %hs = call @mingru(%xd, %hd, %wz, %wh)
      : (tensor<?x?x3xf32>, tensor<?x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>)
      -> (tensor<?x4xf32>, tensor<?x?x4xf32>)
  %p0 = tensor.cast %hT : tensor<?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%p0) : (tensor<*xf32>) -> ()
  %p1 = tensor.cast %hs : tensor<?x?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%p1) : (tensor<*xf32>) -> ()
  return
}
