// exp in float64: GPU targets approximate float32 math only.
func.func @f(%x: tensor<?xf64>) -> tensor<?xf64> {
  %c0 = arith.constant 0 : index
  %e = math.exp %x : tensor<?xf64>
  return %e : tensor<?xf64>
}
