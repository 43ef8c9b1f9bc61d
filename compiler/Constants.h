//===- Constants.h - weights out of the code --------------------*- C++ -*-===//
//
// Large dense constants (weights) leave the generated code and travel in the
// module file's constants section; each becomes an extra trailing argument
// of the public functions that use it, which the module's plans bind to the
// constant.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_COMPILER_CONSTANTS_H
#define RECUR_COMPILER_CONSTANTS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"

#include <map>
#include <string>
#include <vector>

namespace recur {

struct ExternalConstant {
  std::string name;
  mlir::RankedTensorType type;
  std::vector<char> data; // dense, row-major, as the runtime lays it out
};

struct ExternalizedConstants {
  std::vector<ExternalConstant> constants;
  /// For each public function, the constants its new trailing arguments
  /// take, in order (indices into `constants`).
  std::map<std::string, std::vector<unsigned>> arguments;
};

/// Folds the layout changes of weights into the weights, so that the
/// generated code does not redo them in every call: a transpose of a dense
/// constant read by nothing else becomes the transposed constant, and
/// static slices of a constant read only by such slices become constants
/// of their own (a bidirectional LSTM's directions). ONNX stores an LSTM's
/// weights as [directions, 4H, I]; the matmuls read [I, 4H]. The bytes are
/// moved directly (no per-element attribute), about once the weight in
/// memory. An optimization: what it does not fold stays correct code.
void foldConstantLayouts(mlir::ModuleOp module);

/// Moves every dense constant of at least `minBytes` bytes that sits in a
/// public function (outside regions isolated from above) out of the code.
/// Identical constants are stored once.
ExternalizedConstants externalizeConstants(mlir::ModuleOp module,
                                           int64_t minBytes);

} // namespace recur

#endif // RECUR_COMPILER_CONSTANTS_H
