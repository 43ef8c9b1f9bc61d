// RUN: recur-opt %s -split-input-file --recur-lower-scans=chunk-size=16 | FileCheck %s
// The chunk-local ops are marked: running the pass again changes nothing.
// RUN: recur-opt %s -split-input-file --recur-lower-scans=chunk-size=16 --recur-lower-scans=chunk-size=16 | FileCheck %s
// After the reference lowering only loops of chunk length and the loop over
// the chunks remain, never one over all T steps.
// RUN: recur-opt %s -split-input-file --recur-lower-scans=chunk-size=16 --recur-lower-to-loops --canonicalize | FileCheck %s --check-prefix=LOOPS
// RUN: not recur-opt %s -split-input-file --recur-lower-scans=chunk-size=0 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: chunk-size must be at least 1, got 0

// T = 64 in 4 chunks of 16. Phase 1 summarizes every chunk in parallel as a
// map h -> P h + q (a recurrence over the chunk whose states are P and q,
// each step a one-step linear scan); phase 2 applies the 4 maps in order
// from init; phase 3 reruns every chunk from its carry.
// CHECK-LABEL: func.func @diagonal
// CHECK-SAME:    %[[A:[a-z0-9]+]]: tensor<64x4xf32>, %[[B:[a-z0-9]+]]: tensor<64x4xf32>, %[[H0:[a-z0-9]+]]: tensor<4xf32>
// CHECK:         %[[SUM:.*]]:2 = scf.forall (%{{.*}}) in (4) shared_outs
// CHECK:           tensor.extract_slice %[[A]][%{{.*}}, 0] [16, 4] [1, 1] : tensor<64x4xf32> to tensor<16x4xf32>
// CHECK:           recur.recurrence init({{.*}} : tensor<4xf32>, tensor<4xf32>) seq({{.*}} : tensor<16x4xf32>, tensor<16x4xf32>) {recur.chunk_local}
// CHECK:             recur.linear_scan diagonal {{.*}} -> tensor<1x4xf32>, tensor<4xf32>
// CHECK:           scf.forall.in_parallel
// CHECK-NEXT:        tensor.parallel_insert_slice {{.*}} : tensor<4xf32> into tensor<4x4xf32>
// CHECK-NEXT:        tensor.parallel_insert_slice {{.*}} : tensor<4xf32> into tensor<4x4xf32>
// CHECK:         %[[AFTER:.*]], %[[LAST:.*]] = recur.linear_scan diagonal a(%[[SUM]]#0 : tensor<4x4xf32>) b(%[[SUM]]#1 : tensor<4x4xf32>) init(%[[H0]] : tensor<4xf32>) {recur.chunk_local}
// CHECK:         %[[CARRIES:.*]] = tensor.insert_slice %[[AFTER]] into %{{.*}}[1, 0] [4, 4] [1, 1] : tensor<4x4xf32> into tensor<5x4xf32>
// CHECK:         %[[HS:.*]] = scf.forall (%[[C:.*]]) in (4) shared_outs
// CHECK:           tensor.extract_slice %[[CARRIES]][%[[C]], 0] [1, 4] [1, 1]
// CHECK:           %[[CHUNK:.*]], %{{.*}} = recur.linear_scan diagonal a(%{{.*}} : tensor<16x4xf32>) b(%{{.*}} : tensor<16x4xf32>) init(%{{.*}} : tensor<4xf32>) {recur.chunk_local}
// CHECK:           tensor.parallel_insert_slice %[[CHUNK]] into {{.*}} : tensor<16x4xf32> into tensor<64x4xf32>
// CHECK:         return %[[HS]], %[[LAST]]

// LOOPS-LABEL: func.func @diagonal
// LOOPS-NOT:     scf.for {{.*}} to %c64
// LOOPS:         scf.forall (%{{.*}}) in (4)
// LOOPS:           scf.for {{.*}} = %c0 to %c16 step %c1
// LOOPS:         scf.for {{.*}} = %c0 to %c4 step %c1
// LOOPS:         scf.forall (%{{.*}}) in (4)
// LOOPS:           scf.for {{.*}} = %c0 to %c16 step %c1
// LOOPS-NOT:     scf.for {{.*}} to %c64
// LOOPS:         return
func.func @diagonal(%a: tensor<64x4xf32>, %b: tensor<64x4xf32>, %h0: tensor<4xf32>) -> (tensor<64x4xf32>, tensor<4xf32>) {
  %hs, %last = recur.linear_scan diagonal a(%a : tensor<64x4xf32>) b(%b : tensor<64x4xf32>) init(%h0 : tensor<4xf32>) -> tensor<64x4xf32>, tensor<4xf32>
  return %hs, %last : tensor<64x4xf32>, tensor<4xf32>
}

// -----

// Matrix structures compose into dense matrices of the unit dimension: P
// starts as the identity ([B, n, n] = [2, 3, 3]) and phase 2 is a dense scan.
// CHECK-LABEL: func.func @low_rank
// CHECK:         scf.forall (%{{.*}}) in (4) shared_outs
// CHECK:           %[[I:.*]] = tensor.generate
// CHECK:           } : tensor<2x3x3xf32>
// CHECK:           recur.recurrence init(%[[I]], %{{.*}} : tensor<2x3x3xf32>, tensor<2x3x2xf32>)
// CHECK:             recur.linear_scan identity_plus_low_rank {{.*}} init(%{{.*}} : tensor<2x3x3xf32>) {batch_dims = 1 : i64, recur.chunk_local}
// CHECK:             recur.linear_scan identity_plus_low_rank {{.*}} init(%{{.*}} : tensor<2x3x2xf32>) {batch_dims = 1 : i64, recur.chunk_local}
// CHECK:         recur.linear_scan dense a(%{{.*}} : tensor<4x2x3x3xf32>) b(%{{.*}} : tensor<4x2x3x2xf32>) {batch_dims = 1 : i64, recur.chunk_local}
// CHECK:         scf.forall (%{{.*}}) in (4) shared_outs
// CHECK:           recur.linear_scan identity_plus_low_rank {{.*}} -> tensor<16x2x3x2xf32>, tensor<2x3x2xf32>
func.func @low_rank(%u: tensor<64x2x3x1xf32>, %v: tensor<64x2x3x1xf32>, %b: tensor<64x2x3x2xf32>) -> (tensor<64x2x3x2xf32>, tensor<2x3x2xf32>) {
  %hs, %last = recur.linear_scan identity_plus_low_rank a(%u, %v : tensor<64x2x3x1xf32>, tensor<64x2x3x1xf32>) b(%b : tensor<64x2x3x2xf32>) {batch_dims = 1 : i64} -> tensor<64x2x3x2xf32>, tensor<2x3x2xf32>
  return %hs, %last : tensor<64x2x3x2xf32>, tensor<2x3x2xf32>
}

// -----

// T = 40: chunks of 16, 16 and 8, so chunk lengths are dynamic. Sequence
// lengths are shifted to each chunk's start. Blocks without batch dimensions
// lack the batch in dimension 0, so their chunks are summarized by two
// linear scans (from the identity with b = 0, and from zero).
// CHECK-LABEL: func.func @block_diagonal_seq_lens
// CHECK-SAME:    %{{[a-z0-9]+}}: tensor<40x2x3x3xf32>, %{{[a-z0-9]+}}: tensor<40x6x2xf32>, %[[LENS:[a-z0-9]+]]: tensor<6xi32>
// CHECK:         scf.forall (%{{.*}}) in (3) shared_outs
// CHECK:           %[[START:.*]] = arith.muli
// CHECK:           %[[LEN:.*]] = arith.minui
// CHECK:           tensor.extract_slice %{{.*}}[%[[START]], 0, 0, 0] [%[[LEN]], 2, 3, 3] [1, 1, 1, 1] : tensor<40x2x3x3xf32> to tensor<?x2x3x3xf32>
// CHECK:           %[[OFF:.*]] = arith.index_cast %[[START]] : index to i32
// CHECK:           %[[SPLAT:.*]] = tensor.splat %[[OFF]] : tensor<6xi32>
// CHECK:           %[[CHUNK_LENS:.*]] = arith.subi %[[LENS]], %[[SPLAT]] : tensor<6xi32>
// CHECK:           recur.linear_scan block_diagonal {{.*}} -> tensor<?x6x6xf32>, tensor<6x6xf32>
// CHECK:           recur.linear_scan block_diagonal {{.*}} seq_lens(%[[CHUNK_LENS]] : tensor<6xi32>) {recur.chunk_local} -> tensor<?x6x2xf32>, tensor<6x2xf32>
// CHECK:         recur.linear_scan dense a(%{{.*}} : tensor<3x6x6xf32>) b(%{{.*}} : tensor<3x6x2xf32>) {recur.chunk_local}
// CHECK:         scf.forall (%{{.*}}) in (3) shared_outs
// CHECK:           recur.linear_scan block_diagonal {{.*}} seq_lens(%{{.*}} : tensor<6xi32>) {recur.chunk_local} -> tensor<?x6x2xf32>, tensor<6x2xf32>
func.func @block_diagonal_seq_lens(%a: tensor<40x2x3x3xf32>, %b: tensor<40x6x2xf32>, %lens: tensor<6xi32>) -> (tensor<40x6x2xf32>, tensor<6x2xf32>) {
  %hs, %last = recur.linear_scan block_diagonal a(%a : tensor<40x2x3x3xf32>) b(%b : tensor<40x6x2xf32>) seq_lens(%lens : tensor<6xi32>) -> tensor<40x6x2xf32>, tensor<6x2xf32>
  return %hs, %last : tensor<40x6x2xf32>, tensor<6x2xf32>
}

// -----

// A scan over a dynamic number of steps, in reverse, without init: a
// chunk's total is a reduction started from its last element; the totals
// are scanned (in reverse); the last chunk, first in scan order, has no
// carry and is scanned as it is.
// CHECK-LABEL: func.func @scan_reverse_dynamic
// CHECK-SAME:    %[[X:[a-z0-9]+]]: tensor<?x2x2xf32>
// CHECK:         %[[T:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x2x2xf32>
// CHECK:         %[[NUM:.*]] = arith.ceildivui %[[T]], %{{.*}} : index
// CHECK:         %[[TOTALS:.*]] = scf.forall (%{{.*}}) in (%[[NUM]]) shared_outs
// CHECK:           tensor.extract_slice %[[X]][%{{.*}}, 0, 0] [1, 2, 2] [1, 1, 1] : tensor<?x2x2xf32> to tensor<{{(1x)?}}2x2xf32>
// CHECK:           recur.recurrence init(%{{.*}} : tensor<2x2xf32>) seq(%{{.*}} : tensor<?x2x2xf32>) {recur.chunk_local, reverse} -> tensor<2x2xf32>
// CHECK:             linalg.matmul
// CHECK:         %[[AFTER:.*]] = recur.scan(%[[TOTALS]] : tensor<?x2x2xf32>) {recur.chunk_local, reverse}
// CHECK:         scf.forall (%[[C:.*]]) in (%[[NUM]]) shared_outs
// CHECK:           %[[FIRST:.*]] = arith.cmpi eq, %[[C]]
// CHECK:           scf.if %[[FIRST]] -> (tensor<?x2x2xf32>)
// CHECK:             recur.scan(%{{.*}} : tensor<?x2x2xf32>) {recur.chunk_local, reverse}
// CHECK:           } else {
// CHECK:             %[[NEXT:.*]] = arith.addi %[[C]]
// CHECK:             tensor.extract_slice %[[AFTER]][%[[NEXT]], 0, 0] [1, 2, 2]
// CHECK:             recur.scan(%{{.*}} : tensor<?x2x2xf32>) init(%{{.*}} : tensor<2x2xf32>) {recur.chunk_local, reverse}
func.func @scan_reverse_dynamic(%x: tensor<?x2x2xf32>) -> tensor<?x2x2xf32> {
  %r = recur.scan(%x : tensor<?x2x2xf32>) {reverse} -> tensor<?x2x2xf32> {
  ^bb0(%acc: tensor<2x2xf32>, %e: tensor<2x2xf32>):
    %z = arith.constant dense<0.0> : tensor<2x2xf32>
    %m = linalg.matmul ins(%acc, %e : tensor<2x2xf32>, tensor<2x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
    recur.yield %m : tensor<2x2xf32>
  }
  return %r : tensor<?x2x2xf32>
}

// -----

// An exclusive scan has an init: every chunk, the first included, is
// rescanned exclusively from the carry before it (init for chunk 0).
// CHECK-LABEL: func.func @scan_exclusive
// CHECK-SAME:    %[[X:[a-z0-9]+]]: tensor<3x64xf32>, %[[INIT:[a-z0-9]+]]: tensor<3xf32>
// CHECK:         %[[AFTER:.*]] = recur.scan(%{{.*}} : tensor<4x3xf32>) init(%[[INIT]] : tensor<3xf32>) {recur.chunk_local}
// CHECK:         %[[WITH_INIT:.*]] = tensor.insert_slice %[[INIT]] into %{{.*}}[%{{.*}}, 0] [1, 3] [1, 1] : tensor<3xf32> into tensor<5x3xf32>
// CHECK:         %[[CARRIES:.*]] = tensor.insert_slice %[[AFTER]] into %[[WITH_INIT]][1, 0] [4, 3] [1, 1]
// CHECK:         scf.forall (%[[C:.*]]) in (4) shared_outs
// CHECK:           tensor.extract_slice %[[CARRIES]][%[[C]], 0] [1, 3] [1, 1]
// CHECK:           recur.scan(%{{.*}} : tensor<3x16xf32>) init(%{{.*}} : tensor<3xf32>) {exclusive, recur.chunk_local, time_axis = 1 : i64}
// CHECK-NOT:     scf.if
func.func @scan_exclusive(%x: tensor<3x64xf32>, %init: tensor<3xf32>) -> tensor<3x64xf32> {
  %r = recur.scan(%x : tensor<3x64xf32>) init(%init : tensor<3xf32>) {exclusive, time_axis = 1 : i64} -> tensor<3x64xf32> {
  ^bb0(%acc: tensor<3xf32>, %e: tensor<3xf32>):
    %s = arith.addf %acc, %e : tensor<3xf32>
    recur.yield %s : tensor<3xf32>
  }
  return %r : tensor<3x64xf32>
}

// -----

// T = 16 fits in one chunk of 16: chunking would only add work, and the op
// is left as it is (and unmarked, for a later run with smaller chunks).
// CHECK-LABEL: func.func @one_chunk
// CHECK-NOT:     scf.forall
// CHECK:         recur.linear_scan scalar a(%{{.*}} : tensor<16x2xf32>) b(%{{.*}} : tensor<16x2x3xf32>) {batch_dims = 1 : i64} -> tensor<16x2x3xf32>, tensor<2x3xf32>
func.func @one_chunk(%a: tensor<16x2xf32>, %b: tensor<16x2x3xf32>) -> (tensor<16x2x3xf32>, tensor<2x3xf32>) {
  %hs, %last = recur.linear_scan scalar a(%a : tensor<16x2xf32>) b(%b : tensor<16x2x3xf32>) {batch_dims = 1 : i64} -> tensor<16x2x3xf32>, tensor<2x3xf32>
  return %hs, %last : tensor<16x2x3xf32>, tensor<2x3xf32>
}
