// RUN: recur-opt %s --split-input-file --recur-outline-host-parallel=min-parallel-work=0 | FileCheck %s
//
// Outermost reduction-free scf.parallel loops become a launch call and a
// body function running a range of the linearized work items (with two or
// more dimensions, a work item runs a tile of the innermost one in a loop).

// 1-D: a memref and a scalar captured, a constant cloned into the body.
// CHECK-LABEL: func.func @scale(
// CHECK-SAME:      %[[BUF:.*]]: memref<?xf32>, %[[S:.*]]: f32, %[[N:.*]]: index)
// CHECK:         %[[COUNT:.*]] = arith.maxsi %[[N]], %{{.*}} : index
// CHECK:         call @__recur_par_launch_0(%[[COUNT]], %[[BUF]], %[[S]]) : (index, memref<?xf32>, f32) -> ()
// CHECK-NOT:     scf.parallel
// CHECK:       func.func private @__recur_par_launch_0(index, memref<?xf32>, f32)
// CHECK-SAME:      attributes {recur.host_parallel_body = @__recur_par_body_0}
// CHECK:       func.func private @__recur_par_body_0(
// CHECK-SAME:      %[[BEGIN:.*]]: index, %[[END:.*]]: index, %[[B:.*]]: memref<?xf32>, %[[SB:.*]]: f32)
// CHECK:         %[[TWO:.*]] = arith.constant 2.0
// CHECK:         scf.for %[[I:.*]] = %[[BEGIN]] to %[[END]] step %{{.*}} {
// CHECK:           %[[V:.*]] = memref.load %[[B]][%[[I]]]
// CHECK:           %[[M:.*]] = arith.mulf %[[V]], %[[SB]]
// CHECK:           arith.addf %[[M]], %[[TWO]]
// CHECK:           memref.store %{{.*}}, %[[B]][%[[I]]]
// CHECK:         return

func.func @scale(%buf: memref<?xf32>, %s: f32, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = memref.load %buf[%i] : memref<?xf32>
    %m = arith.mulf %v, %s : f32
    %a = arith.addf %m, %two : f32
    memref.store %a, %buf[%i] : memref<?xf32>
    scf.reduce
  }
  return
}

// -----

// 2-D, static bounds with lower bounds and steps: 3 x 3 iterations. The
// innermost dimension (3 <= 512 iterations) runs whole inside each work
// item: 3 work items, i = 1 + k * 2, then j = 2 + l * 3 for l in [0, 3).
// CHECK-LABEL: func.func @strided(
// CHECK:         arith.constant 0.0
// CHECK-NEXT:    %[[C3:.*]] = arith.constant 3 : index
// CHECK-NEXT:    call @__recur_par_launch_0(%[[C3]], %{{.*}}) : (index, memref<8x12xf32>) -> ()
// CHECK-NEXT:    return
// CHECK:       func.func private @__recur_par_body_0(%[[BEGIN:.*]]: index, %[[END:.*]]: index, %[[B:.*]]: memref<8x12xf32>)
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[STEPJ:.*]] = arith.constant 3 : index
// CHECK:         scf.for %[[K:.*]] = %[[BEGIN]] to %[[END]]
// CHECK-NOT:       arith.divui
// CHECK:           %[[SI:.*]] = arith.muli %[[K]], %[[C2]]
// CHECK:           %[[I:.*]] = arith.addi %[[SI]], %[[C1]]
// CHECK:           scf.for %[[L:.*]] = %{{.*}} to %{{.*}} step
// CHECK:             %[[SJ:.*]] = arith.muli %[[L]], %[[STEPJ]]
// CHECK:             %[[J:.*]] = arith.addi %[[SJ]], %[[C2]]
// CHECK:             memref.store %{{.*}}, %[[B]][%[[I]], %[[J]]]

func.func @strided(%buf: memref<8x12xf32>) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c7 = arith.constant 7 : index
  %c11 = arith.constant 11 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c1, %c2) to (%c7, %c11) step (%c2, %c3) {
    memref.store %zero, %buf[%i, %j] : memref<8x12xf32>
    scf.reduce
  }
  return
}

// -----

// 2-D, dynamic bounds: the innermost dimension (m iterations, not known)
// in tiles of 256, n = ceil(max(ub - lb, 0) / step) * ceil(max(m, 0) / 256)
// work items; each splits its index once (the tile, the row) and runs its
// tile's stores in an inner loop. The body gets the bounds it needs (not
// ub: the range says where to stop).
// CHECK-LABEL: func.func @dynamic(
// CHECK-SAME:      %[[BUF:.*]]: memref<?x?xf32>, %[[LB:.*]]: index, %[[UB:.*]]: index, %[[STEP:.*]]: index, %[[M:.*]]: index)
// CHECK:         %[[D:.*]] = arith.subi %[[UB]], %[[LB]]
// CHECK:         %[[DP:.*]] = arith.maxsi %[[D]]
// CHECK:         %[[T0:.*]] = arith.ceildivui %[[DP]], %[[STEP]]
// CHECK:         %[[T1:.*]] = arith.maxsi %[[M]]
// CHECK:         %[[TILE:.*]] = arith.constant 256 : index
// CHECK:         %[[TILES:.*]] = arith.ceildivui %[[T1]], %[[TILE]]
// CHECK:         %[[N:.*]] = arith.muli %[[T0]], %[[TILES]]
// CHECK:         call @__recur_par_launch_0(%[[N]], %[[LB]], %[[M]], %[[STEP]], %[[BUF]])
// CHECK:       func.func private @__recur_par_body_0(%[[BEGIN:.*]]: index, %[[END:.*]]: index, %[[BLB:.*]]: index, %[[BM:.*]]: index, %[[BSTEP:.*]]: index, %[[B:.*]]: memref<?x?xf32>)
// CHECK:         %[[CNT:.*]] = arith.maxsi %[[BM]]
// CHECK:         %[[BTILES:.*]] = arith.ceildivui %[[CNT]]
// CHECK:         scf.for %[[K:.*]] = %[[BEGIN]] to %[[END]]
// CHECK:           %[[KJ:.*]] = arith.remui %[[K]], %[[BTILES]]
// CHECK:           %[[KI:.*]] = arith.divui %[[K]], %[[BTILES]]
// CHECK:           %[[SI:.*]] = arith.muli %[[KI]], %[[BSTEP]]
// CHECK:           %[[I:.*]] = arith.addi %[[BLB]], %[[SI]]
// CHECK:           %[[FIRST:.*]] = arith.muli %[[KJ]]
// CHECK:           %[[NEXT:.*]] = arith.addi %[[FIRST]]
// CHECK:           %[[LAST:.*]] = arith.minui %[[NEXT]], %[[CNT]]
// CHECK:           scf.for %[[J:.*]] = %[[FIRST]] to %[[LAST]]
// CHECK-NOT:         arith.divui
// CHECK:             memref.store %{{.*}}, %[[B]][%[[I]], %[[J]]]

func.func @dynamic(%buf: memref<?x?xf32>, %lb: index, %ub: index, %step: index, %m: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%lb, %c0) to (%ub, %m) step (%step, %c1) {
    memref.store %zero, %buf[%i, %j] : memref<?x?xf32>
    scf.reduce
  }
  return
}

// -----

// Nothing to capture: the launch takes n only.
// CHECK-LABEL: func.func @no_captures(
// CHECK:         call @__recur_par_launch_0(%{{.*}}) : (index) -> ()
// CHECK:       func.func private @__recur_par_launch_0(index)
// CHECK:       func.func private @__recur_par_body_0(%{{.*}}: index, %{{.*}}: index) {
// CHECK:         memref.get_global @g

memref.global "private" @g : memref<16xi32> = dense<0>
func.func @no_captures() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    %g = memref.get_global @g : memref<16xi32>
    %v = arith.index_cast %i : index to i32
    memref.store %v, %g[%i] : memref<16xi32>
    scf.reduce
  }
  return
}

// -----

// A reduction stays.
// CHECK-LABEL: func.func @sum(
// CHECK:         scf.parallel
// CHECK:         scf.reduce(
// CHECK-NOT:   __recur_par

func.func @sum(%buf: memref<?xf32>, %n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %s = scf.parallel (%i) = (%c0) to (%n) step (%c1) init(%zero) -> f32 {
    %v = memref.load %buf[%i] : memref<?xf32>
    scf.reduce(%v : f32) {
    ^bb0(%a: f32, %b: f32):
      %r = arith.addf %a, %b : f32
      scf.reduce.return %r : f32
    }
  }
  return %s : f32
}

// -----

// Nested: the outer loop is outlined, the inner one stays in the body; a
// loop inside scf.for captures what the iteration computed.
// CHECK-LABEL: func.func @nested(
// CHECK-SAME:      %[[BUF:.*]]: memref<?x?xf32>, %{{.*}}: index, %[[M:.*]]: index, %[[N:.*]]: index)
// CHECK:         scf.for
// CHECK:           %[[X:.*]] = arith.sitofp
// CHECK:           %[[CNT:.*]] = arith.maxsi %[[M]]
// CHECK:           func.call @__recur_par_launch_0(%[[CNT]], %[[X]], %[[BUF]], %[[N]])
// CHECK-NOT:     scf.parallel
// CHECK:       func.func private @__recur_par_body_0(
// CHECK-SAME:      %[[BEGIN:.*]]: index, %[[END:.*]]: index, %[[BX:.*]]: f32, %[[B:.*]]: memref<?x?xf32>, %[[BN:.*]]: index)
// CHECK:         scf.for %[[I:.*]] = %[[BEGIN]] to %[[END]]
// CHECK:           scf.parallel (%[[J:.*]]) = (%{{.*}}) to (%[[BN]])
// CHECK:             memref.store %[[BX]], %[[B]][%[[I]], %[[J]]]

func.func @nested(%buf: memref<?x?xf32>, %t: index, %m: index, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %k = %c0 to %t step %c1 {
    %f = arith.index_cast %k : index to i32
    %x = arith.sitofp %f : i32 to f32
    scf.parallel (%i) = (%c0) to (%m) step (%c1) {
      scf.parallel (%j) = (%c0) to (%n) step (%c1) {
        memref.store %x, %buf[%i, %j] : memref<?x?xf32>
        scf.reduce
      }
      scf.reduce
    }
  }
  return
}

// -----

// A function called inside a parallel loop keeps its loops (bodies do not
// launch); so does a loop reading a value that cannot cross a call.
// CHECK-LABEL: func.func private @helper(
// CHECK:         scf.parallel
// CHECK-LABEL: func.func @caller(
// CHECK:         call @__recur_par_launch_0(%{{.*}}, %{{.*}}) : (index, memref<?xf32>) -> ()
// CHECK:         scf.parallel
// CHECK:           tensor.extract
// CHECK:       func.func private @__recur_par_body_0(
// CHECK:         func.call @helper(

func.func private @helper(%buf: memref<?xf32>, %i: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.parallel (%j) = (%c0) to (%c4) step (%c1) {
    %v = memref.load %buf[%i] : memref<?xf32>
    memref.store %v, %buf[%j] : memref<?xf32>
    scf.reduce
  }
  return
}
func.func @caller(%buf: memref<?xf32>, %n: index, %t: tensor<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    func.call @helper(%buf, %i) : (memref<?xf32>, index) -> ()
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = tensor.extract %t[%c0] : tensor<4xf32>
    memref.store %v, %buf[%i] : memref<?xf32>
    scf.reduce
  }
  return
}

// -----

// Names already taken are skipped.
// CHECK-LABEL: func.func @renamed(
// CHECK:         call @__recur_par_launch_1(
// CHECK:       func.func private @__recur_par_launch_1(index, memref<4xf32>)
// CHECK-SAME:      attributes {recur.host_parallel_body = @__recur_par_body_1}
// CHECK:       func.func private @__recur_par_body_1(

func.func private @__recur_par_body_0()
func.func @renamed(%buf: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %zero, %buf[%i] : memref<4xf32>
    scf.reduce
  }
  return
}

// -----

// A static innermost dimension above 512 iterations is tiled by 256:
// 4 rows x ceil(1000 / 256) = 4 tiles = 16 work items; the last tile of a
// row stops at 1000.
// CHECK-LABEL: func.func @wide_rows(
// CHECK:         %[[C16:.*]] = arith.constant 16 : index
// CHECK:         call @__recur_par_launch_0(%[[C16]], %{{.*}})
// CHECK:       func.func private @__recur_par_body_0(
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG:     %[[C256:.*]] = arith.constant 256 : index
// CHECK-DAG:     %[[C1000:.*]] = arith.constant 1000 : index
// CHECK:         scf.for %[[K:.*]] =
// CHECK:           %[[KJ:.*]] = arith.remui %[[K]], %[[C4]]
// CHECK:           %[[I:.*]] = arith.divui %[[K]], %[[C4]]
// CHECK:           %[[FIRST:.*]] = arith.muli %[[KJ]], %[[C256]]
// CHECK:           %[[NEXT:.*]] = arith.addi %[[FIRST]], %[[C256]]
// CHECK:           %[[LAST:.*]] = arith.minui %[[NEXT]], %[[C1000]]
// CHECK:           scf.for %[[J:.*]] = %[[FIRST]] to %[[LAST]]
// CHECK:             memref.store %{{.*}}, %{{.*}}[%[[I]], %[[J]]]
func.func @wide_rows(%buf: memref<4x1000xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c1000 = arith.constant 1000 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c1000) step (%c1, %c1) {
    memref.store %zero, %buf[%i, %j] : memref<4x1000xf32>
    scf.reduce
  }
  return
}

// -----

// A body that is a loop itself is worth a work item of its own: a tile
// holds at most 4096 estimated operations. A body of 300 iterations of two
// operations (about 600) goes in tiles of 6: 2 rows x ceil(16 / 6) = 6
// work items, the last tile of a row stopping at 16. One of 2000 iterations
// is not tiled at all: 32 work items. (A matrix-vector product's column
// tiles, all in one row, then spread over the threads.)
// CHECK-LABEL: func.func @loop_bodies(
// CHECK:         %[[C6:.*]] = arith.constant 6 : index
// CHECK:         call @__recur_par_launch_0(%[[C6]], %{{.*}})
// CHECK:         %[[C32:.*]] = arith.constant 32 : index
// CHECK:         call @__recur_par_launch_1(%[[C32]], %{{.*}})
// CHECK:       func.func private @__recur_par_body_0(
// CHECK-DAG:     %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG:     %[[T6:.*]] = arith.constant 6 : index
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK:         scf.for %[[K:.*]] =
// CHECK:           %[[KJ:.*]] = arith.remui %[[K]], %[[C3]]
// CHECK:           arith.divui %[[K]], %[[C3]]
// CHECK:           %[[FIRST:.*]] = arith.muli %[[KJ]], %[[T6]]
// CHECK:           %[[NEXT:.*]] = arith.addi %[[FIRST]], %[[T6]]
// CHECK:           %[[LAST:.*]] = arith.minui %[[NEXT]], %[[C16]]
// CHECK:           scf.for %{{.*}} = %[[FIRST]] to %[[LAST]]
// CHECK:             scf.for %{{.*}} = %{{.*}} to %{{.*}}
// CHECK:       func.func private @__recur_par_body_1(
// CHECK:         scf.for %[[K:.*]] =
// CHECK:           arith.remui %[[K]], %{{.*}}
// CHECK:           arith.divui %[[K]], %{{.*}}
// CHECK-NEXT:      scf.for %{{.*}} = %{{.*}} to %{{.*}}
// CHECK-NOT:         scf.for
// CHECK:             memref.store
func.func @loop_bodies(%buf: memref<2x16xf32>, %big: memref<2x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c16 = arith.constant 16 : index
  %c300 = arith.constant 300 : index
  %c2000 = arith.constant 2000 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %c16) step (%c1, %c1) {
    scf.for %k = %c0 to %c300 step %c1 {
      memref.store %zero, %buf[%i, %j] : memref<2x16xf32>
    }
    scf.reduce
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %c16) step (%c1, %c1) {
    scf.for %k = %c0 to %c2000 step %c1 {
      memref.store %zero, %big[%i, %j] : memref<2x16xf32>
    }
    scf.reduce
  }
  return
}
