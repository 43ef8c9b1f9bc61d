//===- TimeSlicing.h - one step of a sequence tensor ------------*- C++ -*-===//
//
// Reading and writing the slice of a sequence tensor at one time step, and
// the per-batch activity masks of sequence lengths: the pieces every loop
// lowering of a recur op is built from.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_PASSES_TRANSFORMS_TIMESLICING_H
#define RECUR_PASSES_TRANSFORMS_TIMESLICING_H

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"

namespace recur {

/// The size of dimension `dim` of tensor `value`, as an index.
mlir::Value getDimValue(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Value value, int64_t dim);

/// The step `t` of `seq` along `timeAxis`, with the time axis removed.
mlir::Value extractTimeStep(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value seq, int64_t timeAxis, mlir::Value t);

/// Writes `step` (a step slice) into `seq` at step `t` along `timeAxis`.
mlir::Value insertTimeStep(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value step, mlir::Value seq, int64_t timeAxis,
                           mlir::Value t);

/// Writes `step` into the shared output `seq` of an scf.forall at step `t`
/// along `timeAxis`: the slice's sizes are computed at the builder's
/// insertion point, the write goes into the forall's `terminator`.
void insertTimeStepInParallel(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::scf::InParallelOp terminator,
                              mlir::Value step, mlir::Value seq,
                              int64_t timeAxis, mlir::Value t);

/// A tensor of `type` whose dynamic dimensions are `dynamicSizes`, filled
/// with zero.
mlir::Value createZeros(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType type,
                        mlir::ValueRange dynamicSizes);

/// A tensor of zeros with the type and sizes of `like`.
mlir::Value createZerosLike(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value like);
/// An uninitialized tensor of `like`'s type and sizes: for stacked outputs,
/// which every step writes in full (a zero fill would be a dead pass over
/// the whole sequence).
mlir::Value createEmptyLike(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value like);

/// The per-batch activity of step `t` under sequence lengths `lens`
/// (tensor<Bxi32|i64>): an i1 tensor of the shape of `like` (whose dimension
/// 0 is the batch), true where t < lens[b].
mlir::Value createActiveMask(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value lens, mlir::Value t,
                             mlir::Value like);

/// Clones `block`'s operations (all but its terminator) at the builder's
/// insertion point with its arguments bound to `args`; returns the values
/// its terminator would yield.
llvm::SmallVector<mlir::Value> inlineBlock(mlir::OpBuilder &b,
                                           mlir::Block &block,
                                           mlir::ValueRange args);

/// `mask ? a : b`, elementwise on tensors of one shape.
mlir::Value selectWhere(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Value mask, mlir::Value a, mlir::Value other);

/// The step index at loop iteration `i` of `numSteps`: i, or numSteps-1-i in
/// reverse.
mlir::Value stepIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value i,
                      mlir::Value numSteps, bool reverse);

/// The state each step starts from, stacked like `states` (h_t along
/// `axis`): h_{t-1}, or `init` at the first step (the last one in reverse;
/// with sequence lengths `lens` in reverse, at each entry's own first step).
mlir::Value buildPreviousStates(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::Value states, mlir::Value init,
                                int64_t axis, bool reverse, mlir::Value lens);

} // namespace recur

#endif // RECUR_PASSES_TRANSFORMS_TIMESLICING_H
