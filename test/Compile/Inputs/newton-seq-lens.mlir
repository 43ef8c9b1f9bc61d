// A nonlinear recurrence with sequence lengths, which Newton does not
// handle (test/Compile/errors.test).
func.func @f(%h0: tensor<2x3xf32>, %x: tensor<5x2x3xf32>,
             %lens: tensor<2xi32>) -> tensor<2x3xf32> {
  %hT, %hs = recur.recurrence init(%h0 : tensor<2x3xf32>)
      seq(%x : tensor<5x2x3xf32>) seq_lens(%lens : tensor<2xi32>)
      -> tensor<2x3xf32>, tensor<5x2x3xf32> {
  ^bb0(%h: tensor<2x3xf32>, %xt: tensor<2x3xf32>):
    %s = arith.addf %h, %xt : tensor<2x3xf32>
    %n = math.tanh %s : tensor<2x3xf32>
    recur.yield %n, %n : tensor<2x3xf32>, tensor<2x3xf32>
  }
  return %hT : tensor<2x3xf32>
}
