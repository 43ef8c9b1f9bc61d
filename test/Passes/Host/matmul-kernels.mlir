// RUN: recur-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(recur-host-matmul-kernels{vector-bits=512}))" | FileCheck %s
// RUN: recur-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(recur-host-matmul-kernels{vector-bits=256}))" | FileCheck %s --check-prefix=AVX2
// RUN: not recur-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(recur-host-matmul-kernels{vector-bits=96}))" 2>&1 | FileCheck %s --check-prefix=BAD
//
// f32 matmuls on buffers become register tiles: 4 rows of vector<64xf32>
// with 512-bit vectors (3 rows of vector<32xf32> with 256-bit ones) carried
// through the reduction, rows past the last whole tile one at a time, the
// column tail a linalg.matmul of subviews. The tiles go column tile by
// column tile (all of a column's rows in a row). The right-hand side's
// whole column tiles are read as [n / 64, k, 64]: packed once before a
// loop that only reads it; packed right before a matmul in no loop with 16
// rows or more (decided at run time when the rows are dynamic); else a
// strided view of it.

// BAD: vector-bits must be 128, 256 or 512, not 96

// CHECK-LABEL: func.func @matmul(
// CHECK-SAME:      %[[A:[^:]*]]: memref<?x64xf32>, %[[B:[^:]*]]: memref<64x512xf32>, %[[C:[^:]*]]: memref<?x512xf32>)
// CHECK:         %[[M:.*]] = memref.dim %[[C]], %c0
// CHECK:         %[[MANY:.*]] = arith.cmpi uge, %[[M]], %c16
// CHECK:         %[[P:.*]] = memref.alloc({{.*}}) {alignment = 64 : i64} : memref<?x?x64xf32>
// CHECK:         scf.if %[[MANY]] {
// CHECK:           scf.parallel
// CHECK:             vector.load %[[B]]
// CHECK:             vector.store {{.*}}, %[[P]]
// CHECK:         %[[VIEW:.*]] = memref.reinterpret_cast {{.*}} to offset: [%{{.*}}], sizes: [%{{.*}}, %{{.*}}, 64], strides: [64, %{{.*}}, 1]
// CHECK:         %[[CAST:.*]] = memref.cast %[[P]]
// CHECK:         %[[TILES:.*]] = arith.select %[[MANY]], %[[CAST]], %[[VIEW]] : memref<?x?x64xf32, strided<[?, ?, 1], offset: ?>>
// CHECK:         scf.parallel (%[[J:.*]], %[[I:.*]]) = ({{.*}}) to ({{.*}}) step (%c64{{.*}}, %c4)
// CHECK:           scf.if
// CHECK-COUNT-4:     vector.load %[[C]]{{.*}} : memref<?x512xf32>, vector<64xf32>
// CHECK:             %[[T:.*]] = arith.divui %[[J]], %c64
// CHECK:             scf.for {{.*}} iter_args({{.*}}) -> (vector<64xf32>, vector<64xf32>, vector<64xf32>, vector<64xf32>)
// CHECK:               vector.load %[[TILES]][%[[T]], %{{.*}}, %{{.*}}] : memref<?x?x64xf32, strided<[?, ?, 1], offset: ?>>, vector<64xf32>
// CHECK:               memref.load %[[A]][%[[I]],
// CHECK:               vector.broadcast
// CHECK:               arith.mulf
// CHECK:               arith.addf
// CHECK-COUNT-4:     vector.store
// CHECK:           } else {
// CHECK:             scf.for
// CHECK:               scf.for {{.*}} -> (vector<64xf32>)
// CHECK:         scf.if
// CHECK:           memref.subview
// CHECK:           memref.subview
// CHECK:           linalg.matmul
// CHECK:         memref.dealloc %[[P]]
// AVX2-LABEL: func.func @matmul(
// AVX2:         scf.parallel {{.*}} step (%c32{{.*}}, %c3)
// AVX2:           scf.for {{.*}} -> (vector<32xf32>, vector<32xf32>, vector<32xf32>)
func.func @matmul(%a: memref<?x64xf32>, %b: memref<64x512xf32>, %c: memref<?x512xf32>) {
  linalg.matmul ins(%a, %b : memref<?x64xf32>, memref<64x512xf32>) outs(%c : memref<?x512xf32>)
  return
}

// -----

// Static rows: 32 are packed unconditionally, 2 are not packed at all.
// CHECK-LABEL: func.func @static_rows(
// CHECK-SAME:      %[[B:[^:]*]]: memref<64x512xf32>
// CHECK-NOT:     scf.if
// CHECK:         %[[P:.*]] = memref.alloc({{.*}}) {alignment = 64 : i64} : memref<?x?x64xf32>
// CHECK-NEXT:    scf.parallel
// CHECK:         %[[CAST:.*]] = memref.cast %[[P]]
// CHECK-NOT:     memref.alloc
// CHECK:         vector.load %[[CAST]]
// CHECK:         memref.dealloc %[[P]]
// CHECK-NOT:     memref.alloc
// CHECK:         %[[VIEW:.*]] = memref.reinterpret_cast
// CHECK-NOT:     memref.alloc
// CHECK:         vector.load %[[VIEW]]
func.func @static_rows(%a: memref<32x64xf32>, %b: memref<64x512xf32>, %c: memref<32x512xf32>,
                       %x: memref<2x64xf32>, %y: memref<2x512xf32>) {
  linalg.matmul ins(%a, %b : memref<32x64xf32>, memref<64x512xf32>) outs(%c : memref<32x512xf32>)
  linalg.matmul ins(%x, %b : memref<2x64xf32>, memref<64x512xf32>) outs(%y : memref<2x512xf32>)
  return
}

// -----

// A generic with a matmul's maps in another loop order is one too.
// CHECK-LABEL: func.func @generic_kij(
// CHECK:         scf.parallel
// CHECK-NOT:     linalg.generic {{.*}}iterator_types = ["reduction"
func.func @generic_kij(%a: memref<?x8xf32>, %b: memref<8x128xf32>, %c: memref<?x128xf32>) {
  linalg.generic {indexing_maps = [affine_map<(k, i, j) -> (i, k)>, affine_map<(k, i, j) -> (k, j)>, affine_map<(k, i, j) -> (i, j)>],
                  iterator_types = ["reduction", "parallel", "parallel"]}
      ins(%a, %b : memref<?x8xf32>, memref<8x128xf32>) outs(%c : memref<?x128xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Left alone: f64, a right-hand side whose rows are not contiguous, a body
// that is not a plain multiply-add.
// CHECK-LABEL: func.func @left_alone(
// CHECK-NOT:     vector.load
// CHECK-COUNT-2: linalg.matmul
// CHECK:         linalg.generic
// CHECK-NOT:     vector.load
func.func @left_alone(%a: memref<?x64xf64>, %b: memref<64x512xf64>, %c: memref<?x512xf64>,
                      %x: memref<?x64xf32>, %s: memref<64x512xf32, strided<[1, 64]>>, %y: memref<?x512xf32>,
                      %w: memref<64x512xf32>) {
  linalg.matmul ins(%a, %b : memref<?x64xf64>, memref<64x512xf64>) outs(%c : memref<?x512xf64>)
  linalg.matmul ins(%x, %s : memref<?x64xf32>, memref<64x512xf32, strided<[1, 64]>>) outs(%y : memref<?x512xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (k, j)>, affine_map<(i, j, k) -> (i, j)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x64xf32>, memref<64x512xf32>) outs(%y : memref<?x512xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.maximumf %p, %q : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// In a loop that only reads it, the right-hand side is packed before the
// loop as [n / 64, k, 64] and freed after it.
// CHECK-LABEL: func.func @in_loop(
// CHECK:         %[[P:.*]] = memref.alloc({{.*}}) {alignment = 64 : i64} : memref<?x?x64xf32>
// CHECK:         scf.parallel
// CHECK:           vector.load %arg1
// CHECK:           vector.store {{.*}}, %[[P]]
// CHECK:         %[[TILES:.*]] = memref.cast %[[P]]
// CHECK:         scf.for
// CHECK:           scf.parallel
// CHECK:             vector.load %[[TILES]][{{.*}}] : memref<?x?x64xf32, strided<[?, ?, 1], offset: ?>>, vector<64xf32>
// CHECK:         memref.dealloc %[[P]]
func.func @in_loop(%a: memref<?x64xf32>, %b: memref<64x512xf32>, %c: memref<?x512xf32>, %t: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %t step %c1 {
    linalg.matmul ins(%a, %b : memref<?x64xf32>, memref<64x512xf32>) outs(%c : memref<?x512xf32>)
  }
  return
}

// -----

// Not packed: the loop writes the right-hand side (through a view). The
// kernel reads it in place, as a view.
// CHECK-LABEL: func.func @written_in_loop(
// CHECK-NOT:     memref.alloc
// CHECK:         scf.for
// CHECK:           %[[VIEW:.*]] = memref.reinterpret_cast %{{.*}} to offset: [%{{.*}}], sizes: [%{{.*}}, %{{.*}}, 64], strides: [64, %{{.*}}, 1]
// CHECK:           vector.load %[[VIEW]]
func.func @written_in_loop(%a: memref<?x64xf32>, %b: memref<64x512xf32>, %c: memref<?x512xf32>, %t: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  scf.for %i = %c0 to %t step %c1 {
    linalg.matmul ins(%a, %b : memref<?x64xf32>, memref<64x512xf32>) outs(%c : memref<?x512xf32>)
    %v = memref.subview %b[0, 0] [8, 512] [1, 1] : memref<64x512xf32> to memref<8x512xf32, strided<[512, 1]>>
    linalg.fill ins(%f : f32) outs(%v : memref<8x512xf32, strided<[512, 1]>>)
  }
  return
}

// -----

// Review regressions: writes the alias walk cannot follow keep B unpacked:
// through a memref.transpose (not a view op), through an arith.select of
// B, and the matmul's own output being B.
// CHECK-LABEL: func.func @transpose_alias(
// CHECK-NOT:     memref.alloc
// CHECK:         scf.for
func.func @transpose_alias(%a: memref<4x8xf32>, %w: memref<8x64xf32>, %c: memref<4x64xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %cst = arith.constant 1.0 : f32
  %t = memref.transpose %w (i, j) -> (j, i) : memref<8x64xf32> to memref<64x8xf32, strided<[1, 64]>>
  scf.for %i = %c0 to %n step %c1 {
    linalg.matmul ins(%a, %w : memref<4x8xf32>, memref<8x64xf32>) outs(%c : memref<4x64xf32>)
    linalg.fill ins(%cst : f32) outs(%t : memref<64x8xf32, strided<[1, 64]>>)
  }
  return
}
// CHECK-LABEL: func.func @select_alias(
// CHECK-NOT:     memref.alloc
// CHECK:         scf.for
func.func @select_alias(%a: memref<4x8xf32>, %w: memref<8x64xf32>, %o: memref<8x64xf32>, %c: memref<4x64xf32>, %n: index, %p: i1) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %cst = arith.constant 1.0 : f32
  %s = arith.select %p, %w, %o : memref<8x64xf32>
  scf.for %i = %c0 to %n step %c1 {
    linalg.matmul ins(%a, %w : memref<4x8xf32>, memref<8x64xf32>) outs(%c : memref<4x64xf32>)
    linalg.fill ins(%cst : f32) outs(%s : memref<8x64xf32>)
  }
  return
}
// CHECK-LABEL: func.func @in_place(
// CHECK-NOT:     memref.alloc
// CHECK:         scf.for
func.func @in_place(%a: memref<64x64xf32>, %w: memref<64x64xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    linalg.matmul ins(%a, %w : memref<64x64xf32>, memref<64x64xf32>) outs(%w : memref<64x64xf32>)
  }
  return
}

// -----

// The elementwise op that writes all of C right before the matmul (z plus a
// bias per column) is computed into the accumulators instead: no generic,
// no load of C. With 512 columns (a multiple of 64) there is no column
// tail that would need C.
// CHECK-LABEL: func.func @init_producer(
// CHECK-SAME:      %[[Z:[^:]*]]: memref<?x512xf32>, %[[BIAS:[^:]*]]: memref<512xf32>
// CHECK-NOT:     linalg.generic
// CHECK:         scf.parallel (%[[J:.*]], %[[I:.*]]) =
// CHECK:           %[[ZV:.*]] = vector.load %[[Z]][%[[I]], %[[J]]] : memref<?x512xf32>, vector<64xf32>
// CHECK:           %[[BV:.*]] = vector.load %[[BIAS]][%[[J]]] : memref<512xf32>, vector<64xf32>
// CHECK:           arith.addf %[[ZV]], %[[BV]] : vector<64xf32>
// CHECK-NOT:       vector.load %[[C:.*]][%[[I]], %[[J]]] : memref<?x512xf32>
// CHECK:           scf.for
func.func @init_producer(%a: memref<?x64xf32>, %b: memref<64x512xf32>, %z: memref<?x512xf32>, %bias: memref<512xf32>) -> memref<?x512xf32> {
  %c0 = arith.constant 0 : index
  %m = memref.dim %a, %c0 : memref<?x64xf32>
  %c = memref.alloc(%m) : memref<?x512xf32>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%z, %bias : memref<?x512xf32>, memref<512xf32>) outs(%c : memref<?x512xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  linalg.matmul ins(%a, %b : memref<?x64xf32>, memref<64x512xf32>) outs(%c : memref<?x512xf32>)
  return %c : memref<?x512xf32>
}

// Not fused: a column tail (500 columns: C's tail is the tail matmul's
// init), an input that is a view of C's own buffer, C not an allocation
// (it could alias an input), and an op with effects in between.
// CHECK-LABEL: func.func @init_not_fused(
// CHECK-COUNT-4: linalg.generic
func.func @init_not_fused(%a: memref<?x64xf32>, %b: memref<64x500xf32>, %b2: memref<64x512xf32>,
                          %z: memref<?x500xf32>, %carg: memref<4x512xf32>, %a4: memref<4x64xf32>,
                          %w: memref<4x512xf32>) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  %m = memref.dim %a, %c0 : memref<?x64xf32>
  %c = memref.alloc(%m) : memref<?x500xf32>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%z : memref<?x500xf32>) outs(%c : memref<?x500xf32>) {
  ^bb0(%x: f32, %out: f32):
    linalg.yield %x : f32
  }
  linalg.matmul ins(%a, %b : memref<?x64xf32>, memref<64x500xf32>) outs(%c : memref<?x500xf32>)
  %big = memref.alloc() : memref<8x512xf32>
  %top = memref.subview %big[0, 0] [4, 512] [1, 1] : memref<8x512xf32> to memref<4x512xf32, strided<[512, 1]>>
  %bottom = memref.subview %big[4, 0] [4, 512] [1, 1] : memref<8x512xf32> to memref<4x512xf32, strided<[512, 1], offset: 2048>>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%bottom : memref<4x512xf32, strided<[512, 1], offset: 2048>>) outs(%top : memref<4x512xf32, strided<[512, 1]>>) {
  ^bb0(%x: f32, %out: f32):
    linalg.yield %x : f32
  }
  linalg.matmul ins(%a4, %b2 : memref<4x64xf32>, memref<64x512xf32>) outs(%top : memref<4x512xf32, strided<[512, 1]>>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%w : memref<4x512xf32>) outs(%carg : memref<4x512xf32>) {
  ^bb0(%x: f32, %out: f32):
    linalg.yield %x : f32
  }
  linalg.matmul ins(%a4, %b2 : memref<4x64xf32>, memref<64x512xf32>) outs(%carg : memref<4x512xf32>)
  %c2 = memref.alloc() : memref<4x512xf32>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%w : memref<4x512xf32>) outs(%c2 : memref<4x512xf32>) {
  ^bb0(%x: f32, %out: f32):
    linalg.yield %x : f32
  }
  memref.store %one, %w[%c0, %c0] : memref<4x512xf32>
  linalg.matmul ins(%a4, %b2 : memref<4x64xf32>, memref<64x512xf32>) outs(%c2 : memref<4x512xf32>)
  return
}
