//===- Passes.h - recur passes ----------------------------------*- C++ -*-===//
//
// Declares the recur passes (generated from Passes.td), their pattern sets
// for reuse, and the named pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_PASSES_PASSES_H
#define RECUR_PASSES_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace recur {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

/// Patterns that rewrite recur.lstm/gru/rnn into recur.recurrence.
void populateDecomposeCellsPatterns(mlir::RewritePatternSet &patterns);

/// Patterns that lower recurrence, scan and linear_scan to scf.for loops.
void populateLowerToLoopsPatterns(mlir::RewritePatternSet &patterns);

/// Patterns that lower scan and linear_scan to scf.for loops (part of the
/// above).
void populateLowerScansToLoopsPatterns(mlir::RewritePatternSet &patterns);

/// Registers the named pipelines (see Pipelines.cpp).
void registerRecurPipelines();

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace recur

#endif // RECUR_PASSES_PASSES_H
