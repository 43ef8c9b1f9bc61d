// For recur-run's Newton statistics: @solve reports two Newton solves
// through the host ABI's @__recur_newton_report, as the Newton pass's code
// does: x = (iterations 0, converged 0, iterations 1, converged 1). It
// returns x + 1, so that the outputs show the call ran. @plain reports
// nothing. @read copies x with @__recur_device_read, which the host device
// leaves to memcpy (its env has no device_read).
func.func private @__recur_newton_report(i64, i64, i64)
func.func private @__recur_device_read(!llvm.ptr, !llvm.ptr, i64)

func.func @solve(%x: tensor<4xi64>) -> tensor<4xi64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %site0 = arith.constant 0 : i64
  %site1 = arith.constant 1 : i64
  %i0 = tensor.extract %x[%c0] : tensor<4xi64>
  %k0 = tensor.extract %x[%c1] : tensor<4xi64>
  %i1 = tensor.extract %x[%c2] : tensor<4xi64>
  %k1 = tensor.extract %x[%c3] : tensor<4xi64>
  call @__recur_newton_report(%site0, %i0, %k0) : (i64, i64, i64) -> ()
  call @__recur_newton_report(%site1, %i1, %k1) : (i64, i64, i64) -> ()
  %one = arith.constant dense<1> : tensor<4xi64>
  %y = arith.addi %x, %one : tensor<4xi64>
  return %y : tensor<4xi64>
}

func.func @plain(%x: tensor<4xi64>) -> tensor<4xi64> {
  %one = arith.constant dense<1> : tensor<4xi64>
  %y = arith.addi %x, %one : tensor<4xi64>
  return %y : tensor<4xi64>
}

func.func @read(%x: tensor<4xi64>) -> tensor<4xi64> {
  %src = bufferization.to_buffer %x read_only : tensor<4xi64> to memref<4xi64>
  %dst = memref.alloc() {alignment = 64 : i64} : memref<4xi64>
  %si = memref.extract_aligned_pointer_as_index %src : memref<4xi64> -> index
  %di = memref.extract_aligned_pointer_as_index %dst : memref<4xi64> -> index
  %s64 = arith.index_cast %si : index to i64
  %d64 = arith.index_cast %di : index to i64
  %sp = llvm.inttoptr %s64 : i64 to !llvm.ptr
  %dp = llvm.inttoptr %d64 : i64 to !llvm.ptr
  %bytes = arith.constant 32 : i64
  call @__recur_device_read(%dp, %sp, %bytes) : (!llvm.ptr, !llvm.ptr, i64) -> ()
  %y = bufferization.to_tensor %dst restrict : memref<4xi64> to tensor<4xi64>
  return %y : tensor<4xi64>
}
