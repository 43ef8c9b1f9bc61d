// A public function must take tensors.

func.func @f(%x: tensor<?x4xf32>, %s: f32) -> tensor<?x4xf32> {
  return %x : tensor<?x4xf32>
}
