//===- Import.h - ONNX models to tensor-level MLIR --------------*- C++ -*-===//
//
// The ONNX frontend's public entry: a ModelProto (file or bytes) becomes a
// module with one func.func over tensors, in the ops of the linalg, tensor,
// arith, math and recur dialects, ready for recur-compile's pipeline.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_FRONTEND_ONNX_IMPORT_H
#define RECUR_FRONTEND_ONNX_IMPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace recur {

/// Imports the ONNX model in `bytes`; `fileName` names it in diagnostics.
/// The model is checked (onnx::checker) before anything is built. The
/// function is named after the graph (made an identifier; "main" if empty);
/// its arguments and results carry `recur.name` attributes with the graph's
/// input and output names. Returns null after emitting an error on
/// `context` (a location naming the file, and the node, its op and opset
/// where one is at fault).
mlir::OwningOpRef<mlir::ModuleOp> importONNX(llvm::StringRef bytes,
                                             llvm::StringRef fileName,
                                             mlir::MLIRContext &context);

/// Reads `path` and imports it; a file that cannot be read is an error.
mlir::OwningOpRef<mlir::ModuleOp> importONNXFile(llvm::StringRef path,
                                                 mlir::MLIRContext &context);

/// The ONNX ops (default domain) the importer converts, sorted.
llvm::SmallVector<llvm::StringRef> supportedONNXOps();

/// The dialects the imported IR uses.
void registerONNXImportDialects(mlir::DialectRegistry &registry);

} // namespace recur

#endif // RECUR_FRONTEND_ONNX_IMPORT_H
