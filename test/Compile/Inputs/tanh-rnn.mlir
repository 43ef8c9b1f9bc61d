// h_t = tanh(h_{t-1} + x_t): not affine in h.

func.func @f(%h0: tensor<?x4xf32>, %x: tensor<?x?x4xf32>)
    -> (tensor<?x4xf32>, tensor<?x?x4xf32>) {
  %hT, %hs = recur.recurrence init(%h0 : tensor<?x4xf32>)
      seq(%x : tensor<?x?x4xf32>) -> tensor<?x4xf32>, tensor<?x?x4xf32> {
  ^bb0(%h: tensor<?x4xf32>, %xt: tensor<?x4xf32>):
    %s = arith.addf %h, %xt : tensor<?x4xf32>
    %n = math.tanh %s : tensor<?x4xf32>
    recur.yield %n, %n : tensor<?x4xf32>, tensor<?x4xf32>
  }
  return %hT, %hs : tensor<?x4xf32>, tensor<?x?x4xf32>
}
