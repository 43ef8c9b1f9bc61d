//===- RecurCells.h - facts about the named ONNX cells ----------*- C++ -*-===//
//
// The activation functions ONNX's LSTM, GRU and RNN take, with their alpha/
// beta defaults, shared by the cell verifiers and the cell decomposition.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_DIALECTS_RECUR_IR_RECURCELLS_H
#define RECUR_DIALECTS_RECUR_IR_RECURCELLS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"
#include <optional>

namespace recur {

enum class Activation {
  Relu,
  Tanh,
  Sigmoid,
  Affine,          // alpha * x + beta
  LeakyRelu,       // x >= 0 ? x : alpha * x
  ThresholdedRelu, // x > alpha ? x : 0
  ScaledTanh,      // alpha * tanh(beta * x)
  HardSigmoid,     // max(0, min(1, alpha * x + beta))
  Elu,             // x >= 0 ? x : alpha * (exp(x) - 1)
  Softsign,        // x / (1 + |x|)
  Softplus         // log(1 + exp(x))
};

/// What ONNX says of one activation name.
struct ActivationInfo {
  Activation kind;
  unsigned takesAlpha, takesBeta;
  float defaultAlpha, defaultBeta;
};

/// One activation with its alpha and beta settled.
struct ResolvedActivation {
  Activation kind;
  float alpha, beta;
};

/// Looks an activation up by its ONNX name, in any case.
std::optional<ActivationInfo> lookupActivation(llvm::StringRef name);

/// Settles a cell's activations: `names` (or `defaults` repeated per
/// direction), with `alphas` and `betas` consumed in order by the activations
/// that take them (as ONNX Runtime does). Emits an error on `op` and fails on
/// a wrong count or an unknown name.
mlir::FailureOr<llvm::SmallVector<ResolvedActivation>>
resolveActivations(mlir::Operation *op, std::optional<mlir::ArrayAttr> names,
                   std::optional<mlir::ArrayAttr> alphas,
                   std::optional<mlir::ArrayAttr> betas,
                   llvm::ArrayRef<llvm::StringRef> defaults,
                   unsigned numDirections);

inline constexpr llvm::StringRef kLSTMDefaultActivations[] = {"Sigmoid", "Tanh",
                                                              "Tanh"};
inline constexpr llvm::StringRef kGRUDefaultActivations[] = {"Sigmoid", "Tanh"};
inline constexpr llvm::StringRef kRNNDefaultActivations[] = {"Tanh"};

} // namespace recur

#endif // RECUR_DIALECTS_RECUR_IR_RECURCELLS_H
