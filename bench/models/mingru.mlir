// minGRU (Feng et al., "Were RNNs All We Needed?", 2024), the benchmark size:
// I = H = 256, T and B dynamic. The gate and the candidate depend on x_t only,
// so the update is affine in h and the compiler can run it as a parallel scan
// (--strategy=scan) or step by step (--strategy=sequential).
//
//   z_t  = sigmoid(x_t Wz)
//   h~_t = x_t Wh
//   h_t  = (1 - z_t) * h_{t-1} + z_t * h~_t
//
// Shapes: x [T, B, 256], h0 [B, 256], wz/wh [256, 256]. Outputs: h_T, h_1..T.

func.func @mingru(%x: tensor<?x?x256xf32>, %h0: tensor<?x256xf32>,
                  %wz: tensor<256x256xf32>, %wh: tensor<256x256xf32>)
    -> (tensor<?x256xf32>, tensor<?x?x256xf32>) {
  %hT, %hs = recur.recurrence init(%h0 : tensor<?x256xf32>)
      seq(%x : tensor<?x?x256xf32>)
      captures(%wz, %wh : tensor<256x256xf32>, tensor<256x256xf32>)
      -> tensor<?x256xf32>, tensor<?x?x256xf32> {
  ^bb0(%h: tensor<?x256xf32>, %xt: tensor<?x256xf32>,
       %Wz: tensor<256x256xf32>, %Wh: tensor<256x256xf32>):
    %c0 = arith.constant 0 : index
    %zero = arith.constant 0.0 : f32
    %one = arith.constant 1.0 : f32
    %b = tensor.dim %xt, %c0 : tensor<?x256xf32>
    %empty = tensor.empty(%b) : tensor<?x256xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x256xf32>) -> tensor<?x256xf32>
    %zpre = linalg.matmul ins(%xt, %Wz : tensor<?x256xf32>, tensor<256x256xf32>)
                          outs(%acc : tensor<?x256xf32>) -> tensor<?x256xf32>
    %cand = linalg.matmul ins(%xt, %Wh : tensor<?x256xf32>, tensor<256x256xf32>)
                          outs(%acc : tensor<?x256xf32>) -> tensor<?x256xf32>
    // z = sigmoid(zpre) = 1 / (1 + exp(-zpre))
    %ones = linalg.fill ins(%one : f32) outs(%empty : tensor<?x256xf32>) -> tensor<?x256xf32>
    %neg = arith.negf %zpre : tensor<?x256xf32>
    %e = math.exp %neg : tensor<?x256xf32>
    %den = arith.addf %ones, %e : tensor<?x256xf32>
    %z = arith.divf %ones, %den : tensor<?x256xf32>
    // h_next = (1 - z) * h + z * cand
    %keep = arith.subf %ones, %z : tensor<?x256xf32>
    %old = arith.mulf %keep, %h : tensor<?x256xf32>
    %new = arith.mulf %z, %cand : tensor<?x256xf32>
    %hn = arith.addf %old, %new : tensor<?x256xf32>
    recur.yield %hn, %hn : tensor<?x256xf32>, tensor<?x256xf32>
  }
  return %hT, %hs : tensor<?x256xf32>, tensor<?x?x256xf32>
}
