// RUN: recur-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(recur-host-vectorize-elementwise{vector-bits=512}))" | FileCheck %s
//
// Elementwise generics on buffers become vector loads, the body on
// vector<16xf32> (512-bit vectors), vector stores, over whole vectors of the
// innermost dimension; the rest of it stays the generic on subviews. An
// operand that does not use the innermost loop is loaded once and
// broadcast; one whose innermost stride is dynamic is checked at run time.

// CHECK-LABEL: func.func @gate(
// CHECK:         scf.parallel (%{{.*}}, %[[J:.*]]) = {{.*}} step (%c1, %c16)
// CHECK:           vector.load %arg0[{{.*}}] : memref<?x256xf32, strided<[1024, 1], offset: 512>>, vector<16xf32>
// CHECK:           memref.load %arg1[
// CHECK:           vector.broadcast {{.*}} : f32 to vector<16xf32>
// CHECK:           arith.negf {{.*}} : vector<16xf32>
// CHECK:           math.absf {{.*}} : vector<16xf32>
// CHECK:           arith.divf {{.*}} : vector<16xf32>
// CHECK:           vector.store {{.*}}, %arg2[{{.*}}] : memref<?x256xf32>, vector<16xf32>
// CHECK:         scf.if
// CHECK:           memref.subview %arg0
// CHECK:           memref.subview %arg2
// CHECK:           linalg.generic
func.func @gate(%x: memref<?x256xf32, strided<[1024, 1], offset: 512>>, %s: memref<?xf32>, %y: memref<?x256xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x, %s : memref<?x256xf32, strided<[1024, 1], offset: 512>>, memref<?xf32>) outs(%y : memref<?x256xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a : f32
    %m = math.absf %n : f32
    %d = arith.addf %one, %m : f32
    %q = arith.divf %b, %d : f32
    linalg.yield %q : f32
  }
  return
}

// -----

// A state buffer with a dynamic layout: vector code when its innermost
// stride is 1 (through a view with a static unit stride), the generic
// itself otherwise.
// CHECK-LABEL: func.func @dynamic_stride(
// CHECK:         %[[BASE:.*]], %[[OFF:.*]], %[[SIZES:.*]]:2, %[[STRIDES:.*]]:2 = memref.extract_strided_metadata %arg0
// CHECK:         %[[UNIT:.*]] = arith.cmpi eq, %[[STRIDES]]#1, %c1
// CHECK:         scf.if %[[UNIT]] {
// CHECK:           memref.reinterpret_cast %[[BASE]] to offset: [%[[OFF]]], sizes: [%[[SIZES]]#0, 64], strides: [%[[STRIDES]]#0, 1]
// CHECK:           scf.parallel
// CHECK:             vector.load
// CHECK:         } else {
// CHECK:           linalg.generic
func.func @dynamic_stride(%h: memref<?x64xf32, strided<[?, ?], offset: ?>>, %y: memref<?x64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%h : memref<?x64xf32, strided<[?, ?], offset: ?>>) outs(%y : memref<?x64xf32>) {
  ^bb0(%a: f32, %out: f32):
    %d = arith.mulf %a, %a : f32
    linalg.yield %d : f32
  }
  return
}

// -----

// Left alone: a reduction, a transposed operand, a body with a libm call
// (f64 exp) or an index, an i1 buffer (a vector of i1 is packed into bits,
// a memref of i1 holds one per byte: the review's regression).
// CHECK-LABEL: func.func @left_alone(
// CHECK-NOT:     vector.
// CHECK-COUNT-5: linalg.generic
// CHECK-NOT:     vector.
func.func @left_alone(%x: memref<?x64xf32>, %r: memref<?xf32>, %t: memref<64x?xf32>, %d: memref<?x64xf64>, %e: memref<?x64xf64>, %y: memref<?x64xf32>, %m: memref<?x64xi1>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x64xf32>) outs(%r : memref<?xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (j, i)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%t : memref<64x?xf32>) outs(%y : memref<?x64xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%d : memref<?x64xf64>) outs(%e : memref<?x64xf64>) {
  ^bb0(%a: f64, %out: f64):
    %v = math.exp %a : f64
    linalg.yield %v : f64
  }
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      outs(%y : memref<?x64xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 1 : index
    %c = arith.index_cast %i : index to i32
    %f = arith.sitofp %c : i32 to f32
    linalg.yield %f : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%m, %x : memref<?x64xi1>, memref<?x64xf32>) outs(%y : memref<?x64xf32>) {
  ^bb0(%k: i1, %v: f32, %out: f32):
    %z = arith.constant 0.0 : f32
    %s = arith.select %k, %v, %z : f32
    linalg.yield %s : f32
  }
  return
}
