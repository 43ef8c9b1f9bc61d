// RUN: %run-reference | %numcheck
// RUN: recur-opt %s --recur-parallel-to-llvm=chunk-size=1 | %recur-runner | %numcheck
//
// A static unit dimension before the time axis: upstream's canonicalizer
// mis-infers which unit dimension a rank-reducing extract_slice with constant
// offsets drops (llvm/llvm-project#178118), so the lowering keeps the time
// axis in the slice and collapses it instead. Constant offsets appear here
// because a scan without init reads its first element at a fixed index.
// Expected values: running sums along the last axis, by hand.

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  // EXPECT: shape=[1, 3, 2] [1, 3, 3, 7, 5, 11]
  %x = arith.constant dense<[[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]]> : tensor<1x3x2xf32>
  %s = recur.scan(%x : tensor<1x3x2xf32>) {time_axis = 2 : i64} -> tensor<1x3x2xf32> {
  ^bb0(%acc: tensor<1x3xf32>, %e: tensor<1x3xf32>):
    %n = arith.addf %acc, %e : tensor<1x3xf32>
    recur.yield %n : tensor<1x3xf32>
  }
  %p = tensor.cast %s : tensor<1x3x2xf32> to tensor<*xf32>
  call @printMemrefF32(%p) : (tensor<*xf32>) -> ()
  return
}
