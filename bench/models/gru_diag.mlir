// A GRU with diagonal recurrent weights (as in the Newton papers' test
// cells: the Jacobian d h_t / d h_{t-1} is diagonal), the benchmark size:
// I = H = 64, T and B dynamic. Nonlinear in h: --strategy=sequential runs it
// step by step, --strategy=newton by Newton's method (docs/passes.md).
//
//   z_t = sigmoid(x_t Wz + uz * h),  r_t = sigmoid(x_t Wr + ur * h)
//   n_t = tanh(x_t Wn + r_t * (un * h))
//   h_t = (1 - z_t) * n_t + z_t * h_{t-1}
//
// Shapes: x [T, B, 64], h0 [B, 64], wz/wr/wn [64, 64], uz/ur/un [64].
// Outputs: h_T, h_1..T.

func.func @gru_diag(%x: tensor<?x?x64xf32>, %h0: tensor<?x64xf32>,
                    %wz: tensor<64x64xf32>, %wr: tensor<64x64xf32>,
                    %wn: tensor<64x64xf32>, %uz: tensor<64xf32>,
                    %ur: tensor<64xf32>, %un: tensor<64xf32>)
    -> (tensor<?x64xf32>, tensor<?x?x64xf32>) {
  %hT, %hs = recur.recurrence init(%h0 : tensor<?x64xf32>)
      seq(%x : tensor<?x?x64xf32>)
      captures(%wz, %wr, %wn, %uz, %ur, %un : tensor<64x64xf32>,
               tensor<64x64xf32>, tensor<64x64xf32>, tensor<64xf32>,
               tensor<64xf32>, tensor<64xf32>)
      -> tensor<?x64xf32>, tensor<?x?x64xf32> {
  ^bb0(%h: tensor<?x64xf32>, %xt: tensor<?x64xf32>, %Wz: tensor<64x64xf32>,
       %Wr: tensor<64x64xf32>, %Wn: tensor<64x64xf32>, %Uz: tensor<64xf32>,
       %Ur: tensor<64xf32>, %Un: tensor<64xf32>):
    %c0 = arith.constant 0 : index
    %zero = arith.constant 0.0 : f32
    %b = tensor.dim %xt, %c0 : tensor<?x64xf32>
    %empty = tensor.empty(%b) : tensor<?x64xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x64xf32>) -> tensor<?x64xf32>
    %pz = linalg.matmul ins(%xt, %Wz : tensor<?x64xf32>, tensor<64x64xf32>)
                        outs(%acc : tensor<?x64xf32>) -> tensor<?x64xf32>
    %pr = linalg.matmul ins(%xt, %Wr : tensor<?x64xf32>, tensor<64x64xf32>)
                        outs(%acc : tensor<?x64xf32>) -> tensor<?x64xf32>
    %pn = linalg.matmul ins(%xt, %Wn : tensor<?x64xf32>, tensor<64x64xf32>)
                        outs(%acc : tensor<?x64xf32>) -> tensor<?x64xf32>
    %next = linalg.generic {
        indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>,
                         affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>,
                         affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (j)>,
                         affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
        iterator_types = ["parallel", "parallel"]}
        ins(%h, %pz, %pr, %pn, %Uz, %Ur, %Un
            : tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>,
              tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
        outs(%empty : tensor<?x64xf32>) {
    ^bb0(%hv: f32, %az: f32, %ar: f32, %an: f32, %vz: f32, %vr: f32, %vn: f32,
         %o: f32):
      %one = arith.constant 1.0 : f32
      %z0 = arith.mulf %vz, %hv : f32
      %z1 = arith.addf %az, %z0 : f32
      %z2 = arith.negf %z1 : f32
      %z3 = math.exp %z2 : f32
      %z4 = arith.addf %one, %z3 : f32
      %z = arith.divf %one, %z4 : f32
      %r0 = arith.mulf %vr, %hv : f32
      %r1 = arith.addf %ar, %r0 : f32
      %r2 = arith.negf %r1 : f32
      %r3 = math.exp %r2 : f32
      %r4 = arith.addf %one, %r3 : f32
      %r = arith.divf %one, %r4 : f32
      %n0 = arith.mulf %vn, %hv : f32
      %n1 = arith.mulf %r, %n0 : f32
      %n2 = arith.addf %an, %n1 : f32
      %n = math.tanh %n2 : f32
      %k = arith.subf %one, %z : f32
      %kn = arith.mulf %k, %n : f32
      %zh = arith.mulf %z, %hv : f32
      %hn = arith.addf %kn, %zh : f32
      linalg.yield %hn : f32
    } -> tensor<?x64xf32>
    recur.yield %next, %next : tensor<?x64xf32>, tensor<?x64xf32>
  }
  return %hT, %hs : tensor<?x64xf32>, tensor<?x?x64xf32>
}
