// For recur-run's dtype tests: @copy returns its inputs, one of every
// element type a module can take (and a scalar); @negate makes the module
// hold two functions, so that --function is needed.
func.func @copy(%f32: tensor<?x?xf32>, %f64: tensor<?xf64>, %i1: tensor<?xi1>,
                %i8: tensor<2x?xi8>, %i16: tensor<?xi16>, %i32: tensor<?xi32>,
                %i64: tensor<?xi64>, %scalar: tensor<f32>)
    -> (tensor<?x?xf32>, tensor<?xf64>, tensor<?xi1>, tensor<2x?xi8>,
        tensor<?xi16>, tensor<?xi32>, tensor<?xi64>, tensor<f32>) {
  return %f32, %f64, %i1, %i8, %i16, %i32, %i64, %scalar
      : tensor<?x?xf32>, tensor<?xf64>, tensor<?xi1>, tensor<2x?xi8>,
        tensor<?xi16>, tensor<?xi32>, tensor<?xi64>, tensor<f32>
}

func.func @negate(%x: tensor<?xf32>) -> tensor<?xf32> {
  %y = arith.negf %x : tensor<?xf32>
  return %y : tensor<?xf32>
}
