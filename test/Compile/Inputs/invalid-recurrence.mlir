// The body yields the wrong type.

func.func @f(%h0: tensor<4xf32>, %x: tensor<8x4xf32>) -> tensor<4xf32> {
  %h = recur.recurrence init(%h0 : tensor<4xf32>) seq(%x : tensor<8x4xf32>)
      -> tensor<4xf32> {
  ^bb0(%h: tensor<4xf32>, %xt: tensor<4xf32>):
    recur.yield %xt, %xt : tensor<4xf32>, tensor<4xf32>
  }
  return %h : tensor<4xf32>
}
