// A parallel loop with a reduction whose result the next op stores: on GPU
// targets both run in one kernel (a review found the loop moved into a
// kernel alone, its result used outside).
func.func @red(%x: tensor<8xf32>) -> tensor<1xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1xf32>
  %s = scf.parallel (%i) = (%c0) to (%c8) step (%c1) init (%z) -> f32 {
    %v = tensor.extract %x[%i] : tensor<8xf32>
    scf.reduce(%v : f32) {
    ^bb0(%a: f32, %b: f32):
      %r = arith.addf %a, %b : f32
      scf.reduce.return %r : f32
    }
  }
  %t = tensor.insert %s into %e[%c0] : tensor<1xf32>
  return %t : tensor<1xf32>
}
