//===- Signature.h - what a compiled function takes and returns -*- C++ -*-===//
//
// The signature a module records for each public function: names, element
// types and shapes of inputs and outputs, and which dynamic dimensions must
// be equal, found from how the function uses them.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_COMPILER_SIGNATURE_H
#define RECUR_COMPILER_SIGNATURE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>
#include <vector>

namespace recur {

/// An input or output: its name, element type and shape (-1: dynamic).
/// `dimSymbols[i]` is, for a dynamic dimension, a symbol shared by every
/// dimension of the function's inputs and outputs that must be equal to it
/// (-1 when no other dimension is known to be equal).
struct ParamSignature {
  std::string name;
  mlir::Type elementType;
  std::vector<int64_t> shape;
  std::vector<int32_t> dimSymbols;
};

struct FunctionSignature {
  std::string name;
  std::vector<ParamSignature> inputs;
  std::vector<ParamSignature> outputs;
};

/// Computes `func`'s signature. Inputs and outputs must be ranked tensors
/// (diagnosed at `func`'s location otherwise). `argNames` gives the names
/// of the arguments where known (e.g. from the source's SSA names); others
/// are named input<i> / output<i>, unless an argument or result has a
/// `recur.name` string attribute.
///
/// Equal dimensions are found through elementwise ops, linalg ops (their
/// indexing maps), tensor.dim/tensor.empty, tensor.cast and recur.recurrence
/// (states, step slices, captures, step outputs, seq_lens). A dynamic input
/// dimension that must equal a static size becomes static in the signature.
/// Dimensions related only in ways this does not see stay unconstrained.
mlir::FailureOr<FunctionSignature>
computeSignature(mlir::func::FuncOp func,
                 llvm::ArrayRef<std::string> argNames = {});

} // namespace recur

#endif // RECUR_COMPILER_SIGNATURE_H
