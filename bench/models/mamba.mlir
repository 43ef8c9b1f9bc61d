// The selective state-space scan at the core of Mamba-1 (Gu & Dao 2023):
// a diagonal linear recurrence over a state of D channels x N state
// dimensions per batch element, with input-dependent step sizes. D = 256,
// N = 16 as in the paper's small models; T and B dynamic. Time-major.
//
//   h_t[b,d,n] = exp(dt_t[b,d] A[d,n]) h_{t-1}[b,d,n]
//                + dt_t[b,d] x_t[b,d] B_t[b,n]
//   y_t[b,d]   = sum_n h_t[b,d,n] C_t[b,n]
//
// Shapes: x, dt [T, B, 256]; bm, cm [T, B, 16]; a [256, 16]; h0 [B, 256, 16].
// Outputs: h_T, y_1..T.

func.func @mamba(%x: tensor<?x?x256xf32>, %dt: tensor<?x?x256xf32>,
                 %bm: tensor<?x?x16xf32>, %cm: tensor<?x?x16xf32>,
                 %a: tensor<256x16xf32>, %h0: tensor<?x256x16xf32>)
    -> (tensor<?x256x16xf32>, tensor<?x?x256xf32>) {
  %hT, %ys = recur.recurrence init(%h0 : tensor<?x256x16xf32>)
      seq(%x, %dt, %bm, %cm : tensor<?x?x256xf32>, tensor<?x?x256xf32>,
                              tensor<?x?x16xf32>, tensor<?x?x16xf32>)
      captures(%a : tensor<256x16xf32>)
      -> tensor<?x256x16xf32>, tensor<?x?x256xf32> {
  ^bb0(%h: tensor<?x256x16xf32>, %xt: tensor<?x256xf32>, %dtt: tensor<?x256xf32>,
       %Bt: tensor<?x16xf32>, %Ct: tensor<?x16xf32>, %A: tensor<256x16xf32>):
    %c0 = arith.constant 0 : index
    %zero = arith.constant 0.0 : f32
    %b = tensor.dim %xt, %c0 : tensor<?x256xf32>
    %empty = tensor.empty(%b) : tensor<?x256x16xf32>
    // Decay a = exp(dt * A), per (batch, channel, state).
    %dtb = linalg.broadcast ins(%dtt : tensor<?x256xf32>) outs(%empty : tensor<?x256x16xf32>) dimensions = [2]
    %Ab = linalg.broadcast ins(%A : tensor<256x16xf32>) outs(%empty : tensor<?x256x16xf32>) dimensions = [0]
    %dA = arith.mulf %dtb, %Ab : tensor<?x256x16xf32>
    %decay = math.exp %dA : tensor<?x256x16xf32>
    // Input (dt * x) B^T.
    %dx = arith.mulf %dtt, %xt : tensor<?x256xf32>
    %dxb = linalg.broadcast ins(%dx : tensor<?x256xf32>) outs(%empty : tensor<?x256x16xf32>) dimensions = [2]
    %Bb = linalg.broadcast ins(%Bt : tensor<?x16xf32>) outs(%empty : tensor<?x256x16xf32>) dimensions = [1]
    %bx = arith.mulf %dxb, %Bb : tensor<?x256x16xf32>
    %ah = arith.mulf %decay, %h : tensor<?x256x16xf32>
    %hn = arith.addf %ah, %bx : tensor<?x256x16xf32>
    // Readout y = sum_n h[b, d, n] C[b, n].
    %Cb = linalg.broadcast ins(%Ct : tensor<?x16xf32>) outs(%empty : tensor<?x256x16xf32>) dimensions = [1]
    %hc = arith.mulf %hn, %Cb : tensor<?x256x16xf32>
    %yempty = tensor.empty(%b) : tensor<?x256xf32>
    %yacc = linalg.fill ins(%zero : f32) outs(%yempty : tensor<?x256xf32>) -> tensor<?x256xf32>
    %y = linalg.reduce ins(%hc : tensor<?x256x16xf32>) outs(%yacc : tensor<?x256xf32>) dimensions = [2]
      (%in: f32, %init: f32) {
        %s = arith.addf %in, %init : f32
        linalg.yield %s : f32
      }
    recur.yield %hn, %y : tensor<?x256x16xf32>, tensor<?x256xf32>
  }
  return %hT, %ys : tensor<?x256x16xf32>, tensor<?x?x256xf32>
}
