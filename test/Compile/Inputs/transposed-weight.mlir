// A weight stored as [1, 3, 2] (ONNX's [directions, out, in]) read
// transposed through a slice; one read both transposed and as it is; a
// [2, 3, 2] weight whose two directions are sliced and transposed (the
// second from offset 1), and a strided slice of a [2, 4] constant.

func.func @proj(%x: tensor<?x2xf32>, %y: tensor<?x2xf32>) -> (tensor<?x3xf32>, tensor<?x2xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x2xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<[[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]]> : tensor<1x3x2xf32>
  %ws = tensor.extract_slice %w[0, 0, 0] [1, 3, 2] [1, 1, 1] : tensor<1x3x2xf32> to tensor<3x2xf32>
  %et = tensor.empty() : tensor<2x3xf32>
  %wt = linalg.transpose ins(%ws : tensor<3x2xf32>) outs(%et : tensor<2x3xf32>) permutation = [1, 0]
  %b = tensor.dim %x, %c0 : tensor<?x2xf32>
  %e = tensor.empty(%b) : tensor<?x3xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %r = linalg.matmul ins(%x, %wt : tensor<?x2xf32>, tensor<2x3xf32>) outs(%acc : tensor<?x3xf32>) -> tensor<?x3xf32>

  %s = arith.constant dense<[[7.0, 8.0], [9.0, 10.0]]> : tensor<2x2xf32>
  %es = tensor.empty() : tensor<2x2xf32>
  %st = linalg.transpose ins(%s : tensor<2x2xf32>) outs(%es : tensor<2x2xf32>) permutation = [1, 0]
  %e2 = tensor.empty(%b) : tensor<?x2xf32>
  %acc2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x2xf32>) -> tensor<?x2xf32>
  %r1 = linalg.matmul ins(%y, %st : tensor<?x2xf32>, tensor<2x2xf32>) outs(%acc2 : tensor<?x2xf32>) -> tensor<?x2xf32>
  %r2 = linalg.matmul ins(%y, %s : tensor<?x2xf32>, tensor<2x2xf32>) outs(%r1 : tensor<?x2xf32>) -> tensor<?x2xf32>

  %bi = arith.constant dense<[[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [[11.0, 12.0], [13.0, 14.0], [15.0, 16.0]]]> : tensor<2x3x2xf32>
  %fw = tensor.extract_slice %bi[0, 0, 0] [1, 3, 2] [1, 1, 1] : tensor<2x3x2xf32> to tensor<3x2xf32>
  %bw = tensor.extract_slice %bi[1, 0, 0] [1, 3, 2] [1, 1, 1] : tensor<2x3x2xf32> to tensor<3x2xf32>
  %e3 = tensor.empty() : tensor<2x3xf32>
  %fwt = linalg.transpose ins(%fw : tensor<3x2xf32>) outs(%e3 : tensor<2x3xf32>) permutation = [1, 0]
  %bwt = linalg.transpose ins(%bw : tensor<3x2xf32>) outs(%e3 : tensor<2x3xf32>) permutation = [1, 0]

  %g = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]> : tensor<2x4xf32>
  %gs = tensor.extract_slice %g[0, 1] [2, 2] [1, 2] : tensor<2x4xf32> to tensor<2x2xf32>
  return %r, %r2, %fwt, %bwt, %gs : tensor<?x3xf32>, tensor<?x2xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x2xf32>
}
