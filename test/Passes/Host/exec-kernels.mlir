// REQUIRES: clang-22
// RUN: clang-22 -std=c11 -O1 -Wall -Werror -I %S/../../../runtime/include %S/Inputs/host_driver.c -o %t.driver -ldl -lpthread -lm
// RUN: recur-opt %s --recur-host-to-llvm=min-parallel-work=0 | mlir-translate --mlir-to-llvmir -o %t.ll
// RUN: clang-22 -Wno-override-module -O2 -shared -fPIC %t.ll -o %t.so
// RUN: %t.driver %t.so kernels | FileCheck %s
// RUN: recur-opt %s --recur-host-parallel-to-llvm="chunk-size=4 min-parallel-work=0" | mlir-translate --mlir-to-llvmir -o %t.par.ll
// RUN: clang-22 -Wno-override-module -O2 -shared -fPIC %t.par.ll -o %t.par.so
// RUN: %t.driver %t.par.so kernels | FileCheck %s
// RUN: recur-opt %s --recur-host-to-llvm | mlir-translate --mlir-to-llvmir -o %t.inline.ll
// RUN: clang-22 -Wno-override-module -O2 -shared -fPIC %t.inline.ll -o %t.inline.so
// RUN: %t.driver %t.inline.so kernels | FileCheck %s
// The same with 512-bit vectors (4 x 64 register tiles; legal, if split,
// on CPUs without AVX-512).
// RUN: recur-opt %s --recur-host-to-llvm="min-parallel-work=0 vector-bits=512" | mlir-translate --mlir-to-llvmir -o %t.512.ll
// RUN: clang-22 -Wno-override-module -O2 -shared -fPIC %t.512.ll -o %t.512.so
// RUN: %t.driver %t.512.so kernels | FileCheck %s
//
// Host shared objects from plain tensor code, called through their entries
// by Inputs/host_driver.c, which compares with plain C loops: one result, a
// rank-0 operand, a libm call (tanh), empty dimensions, a reduction inside a
// parallel loop, a call with a null env (loops run on the caller), and the
// matmul kernel's paths (packed or in-place right-hand side, row and column
// tails, sums started at an elementwise op's values).

// CHECK: ok dense_tanh: M=9 K=5 N=7
// CHECK: ok dense_tanh: M=1 K=3 N=1
// CHECK: ok dense_tanh: M=0 K=4 N=6
// CHECK: ok dense_tanh: M=4 K=2 N=0
// CHECK: ok dense_tanh: M=18 K=5 N=130
// CHECK: ok dense_tanh: M=3 K=7 N=130
// CHECK: ok dense_tanh: M=17 K=6 N=128
// CHECK: ok dense_tanh: M=6 K=3 N=5, no env
// CHECK: ok dense_bias: M=9 K=5
// CHECK: ok dense_bias: M=10 K=3
// CHECK: ok dense_bias: M=23 K=4
// CHECK: ok row_sums: M=11 N=6
// CHECK: PASSED

#id = affine_map<(i, j) -> (i, j)>
#scalar = affine_map<(i, j) -> ()>
#row = affine_map<(i, j) -> (i)>

// tanh(x w + b), b a scalar (rank-0).
func.func @dense_tanh(%x: tensor<?x?xf32>, %w: tensor<?x?xf32>, %b: tensor<f32>)
    -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %x, %c0 : tensor<?x?xf32>
  %n = tensor.dim %w, %c1 : tensor<?x?xf32>
  %empty = tensor.empty(%m, %n) : tensor<?x?xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x?xf32>) -> tensor<?x?xf32>
  %p = linalg.matmul ins(%x, %w : tensor<?x?xf32>, tensor<?x?xf32>)
                     outs(%acc : tensor<?x?xf32>) -> tensor<?x?xf32>
  %y = linalg.generic {indexing_maps = [#id, #scalar, #id],
                       iterator_types = ["parallel", "parallel"]}
      ins(%p, %b : tensor<?x?xf32>, tensor<f32>) outs(%empty : tensor<?x?xf32>) {
  ^bb0(%v: f32, %s: f32, %out: f32):
    %a = arith.addf %v, %s : f32
    %t = math.tanh %a : f32
    linalg.yield %t : f32
  } -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

// x w + (z + bias + r): the sum after the matmul starts the matmul's sums
// (--recur-host-fuse-elementwise), and with a known column count, a
// multiple of the kernel's tiles, the kernel computes z + bias + r into its
// accumulators (z read along rows, bias per column, r per row).
func.func @dense_bias(%x: tensor<?x?xf32>, %w: tensor<?x64xf32>, %z: tensor<?x64xf32>,
                      %bias: tensor<64xf32>, %r: tensor<?xf32>) -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %x, %c0 : tensor<?x?xf32>
  %empty = tensor.empty(%m) : tensor<?x64xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x64xf32>) -> tensor<?x64xf32>
  %p = linalg.matmul ins(%x, %w : tensor<?x?xf32>, tensor<?x64xf32>)
                     outs(%acc : tensor<?x64xf32>) -> tensor<?x64xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, affine_map<(i, j) -> (j)>, #row, #id],
                       iterator_types = ["parallel", "parallel"]}
      ins(%z, %p, %bias, %r : tensor<?x64xf32>, tensor<?x64xf32>, tensor<64xf32>, tensor<?xf32>)
      outs(%empty : tensor<?x64xf32>) {
  ^bb0(%zv: f32, %v: f32, %b: f32, %rv: f32, %out: f32):
    %s = arith.addf %zv, %b : f32
    %t = arith.addf %s, %rv : f32
    %u = arith.addf %v, %t : f32
    linalg.yield %u : f32
  } -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// Sums of the rows.
func.func @row_sums(%x: tensor<?x?xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %x, %c0 : tensor<?x?xf32>
  %empty = tensor.empty(%m) : tensor<?xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<?xf32>) -> tensor<?xf32>
  %s = linalg.generic {indexing_maps = [#id, #row],
                       iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<?x?xf32>) outs(%acc : tensor<?xf32>) {
  ^bb0(%v: f32, %out: f32):
    %a = arith.addf %v, %out : f32
    linalg.yield %a : f32
  } -> tensor<?xf32>
  return %s : tensor<?xf32>
}
