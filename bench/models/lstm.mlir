// An LSTM (Hochreiter & Schmidhuber 1997) written out as a recurrence,
// I = H = 256, T and B dynamic; the gates are the column blocks i, f, o, c
// of one [B, 4H] pre-activation. The state enters sigmoids and tanh, so the
// recurrence is nonlinear and runs step by step (--strategy=sequential,
// which is also what auto picks).
//
//   g_t = x_t W + h_{t-1} R + bias            (gates i, f, o, c: [B, 4H])
//   c_t = sigmoid(f) * c_{t-1} + sigmoid(i) * tanh(c~)
//   h_t = sigmoid(o) * tanh(c_t)
//
// Shapes: x [T, B, 256], h0/c0 [B, 256], w/r [256, 1024], bias [1024].
// Outputs: h_T, c_T, h_1..T.

func.func @lstm(%x: tensor<?x?x256xf32>, %h0: tensor<?x256xf32>, %c0: tensor<?x256xf32>,
                %w: tensor<256x1024xf32>, %r: tensor<256x1024xf32>, %bias: tensor<1024xf32>)
    -> (tensor<?x256xf32>, tensor<?x256xf32>, tensor<?x?x256xf32>) {
  %hT, %cT, %hs = recur.recurrence init(%h0, %c0 : tensor<?x256xf32>, tensor<?x256xf32>)
      seq(%x : tensor<?x?x256xf32>)
      captures(%w, %r, %bias : tensor<256x1024xf32>, tensor<256x1024xf32>, tensor<1024xf32>)
      -> tensor<?x256xf32>, tensor<?x256xf32>, tensor<?x?x256xf32> {
  ^bb0(%h: tensor<?x256xf32>, %c: tensor<?x256xf32>, %xt: tensor<?x256xf32>,
       %W: tensor<256x1024xf32>, %R: tensor<256x1024xf32>, %Bias: tensor<1024xf32>):
    %i0 = arith.constant 0 : index
    %one = arith.constant 1.0 : f32
    %b = tensor.dim %xt, %i0 : tensor<?x256xf32>
    %gempty = tensor.empty(%b) : tensor<?x1024xf32>
    %empty = tensor.empty(%b) : tensor<?x256xf32>
    %gacc = linalg.broadcast ins(%Bias : tensor<1024xf32>) outs(%gempty : tensor<?x1024xf32>) dimensions = [0]
    %ones = linalg.fill ins(%one : f32) outs(%empty : tensor<?x256xf32>) -> tensor<?x256xf32>
    %xw = linalg.matmul ins(%xt, %W : tensor<?x256xf32>, tensor<256x1024xf32>)
                        outs(%gacc : tensor<?x1024xf32>) -> tensor<?x1024xf32>
    %g = linalg.matmul ins(%h, %R : tensor<?x256xf32>, tensor<256x1024xf32>)
                       outs(%xw : tensor<?x1024xf32>) -> tensor<?x1024xf32>
    %ipre = tensor.extract_slice %g[0, 0] [%b, 256] [1, 1] : tensor<?x1024xf32> to tensor<?x256xf32>
    %fpre = tensor.extract_slice %g[0, 256] [%b, 256] [1, 1] : tensor<?x1024xf32> to tensor<?x256xf32>
    %opre = tensor.extract_slice %g[0, 512] [%b, 256] [1, 1] : tensor<?x1024xf32> to tensor<?x256xf32>
    %cpre = tensor.extract_slice %g[0, 768] [%b, 256] [1, 1] : tensor<?x1024xf32> to tensor<?x256xf32>
    // sigmoid(v) = 1 / (1 + exp(-v))
    %i_neg = arith.negf %ipre : tensor<?x256xf32>
    %i_exp = math.exp %i_neg : tensor<?x256xf32>
    %i_den = arith.addf %ones, %i_exp : tensor<?x256xf32>
    %i = arith.divf %ones, %i_den : tensor<?x256xf32>
    %f_neg = arith.negf %fpre : tensor<?x256xf32>
    %f_exp = math.exp %f_neg : tensor<?x256xf32>
    %f_den = arith.addf %ones, %f_exp : tensor<?x256xf32>
    %f = arith.divf %ones, %f_den : tensor<?x256xf32>
    %o_neg = arith.negf %opre : tensor<?x256xf32>
    %o_exp = math.exp %o_neg : tensor<?x256xf32>
    %o_den = arith.addf %ones, %o_exp : tensor<?x256xf32>
    %o = arith.divf %ones, %o_den : tensor<?x256xf32>
    %cand = math.tanh %cpre : tensor<?x256xf32>
    %fc = arith.mulf %f, %c : tensor<?x256xf32>
    %ic = arith.mulf %i, %cand : tensor<?x256xf32>
    %cn = arith.addf %fc, %ic : tensor<?x256xf32>
    %tc = math.tanh %cn : tensor<?x256xf32>
    %hn = arith.mulf %o, %tc : tensor<?x256xf32>
    recur.yield %hn, %cn, %hn : tensor<?x256xf32>, tensor<?x256xf32>, tensor<?x256xf32>
  }
  return %hT, %cT, %hs : tensor<?x256xf32>, tensor<?x256xf32>, tensor<?x?x256xf32>
}
