// Runs examples/mingru.mlir's @mingru on fixed inputs (T = 5, B = 2) and
// prints the final state and every step's state. tools/demo.sh concatenates
// this file with mingru.mlir.

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %x = arith.constant dense<[
    [[0.5, -1.0, 0.25], [1.0, 0.0, -0.5]],
    [[0.1, 0.2, 0.3], [-0.3, 0.8, 0.1]],
    [[-1.0, 0.5, 0.5], [0.0, 0.0, 1.0]],
    [[0.7, -0.2, -0.9], [0.4, 0.4, 0.4]],
    [[0.0, 1.0, 0.0], [-0.6, -0.1, 0.3]]]> : tensor<5x2x3xf32>
  %h0 = arith.constant dense<0.0> : tensor<2x4xf32>
  %wz = arith.constant dense<[[0.2, -0.4, 0.6, 0.1], [0.5, 0.3, -0.2, 0.0],
                              [-0.1, 0.7, 0.2, -0.3]]> : tensor<3x4xf32>
  %wh = arith.constant dense<[[1.0, 0.0, -0.5, 0.3], [0.0, 1.0, 0.5, -0.3],
                              [0.2, 0.2, 1.0, 0.8]]> : tensor<3x4xf32>
  %xd = tensor.cast %x : tensor<5x2x3xf32> to tensor<?x?x3xf32>
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
