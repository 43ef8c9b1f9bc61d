// Calls a function the module only declares: nothing could resolve it.

func.func private @printMemrefF32(tensor<*xf32>)

func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %p = tensor.cast %x : tensor<4xf32> to tensor<*xf32>
  call @printMemrefF32(%p) : (tensor<*xf32>) -> ()
  return %x : tensor<4xf32>
}
