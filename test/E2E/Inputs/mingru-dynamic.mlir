// minGRU (Feng et al., "Were RNNs All We Needed?", 2024) written as a plain
// recurrence: the gate and the candidate depend on x_t only, so the state
// update h_t = (1 - z_t) * h_{t-1} + z_t * h~_t is affine in h -- the
// structure the compiler's analyses will find and turn into a parallel scan.
//
//   z_t  = sigmoid(x_t Wz)
//   h~_t = x_t Wh
//   h_t  = (1 - z_t) * h_{t-1} + z_t * h~_t
//
// Shapes: x [T, B, I], h [B, H], Wz/Wh [I, H]; T and B are dynamic.

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
