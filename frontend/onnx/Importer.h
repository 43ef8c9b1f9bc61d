//===- Importer.h - The ONNX importer's internals ---------------*- C++ -*-===//
//
// Shared by the importer's core (Importer.cpp: model, graphs, values,
// subgraphs) and its op converters (Ops*.cpp, Cells.cpp, ControlFlow.cpp).
// A converter reads a node's inputs with `input`, builds tensor-level IR
// with `builder()` at `loc(node)`, and binds the node's outputs with
// `define`. Everything it cannot import faithfully is an error through
// `nodeError`, which names the node, its op and the opset.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_FRONTEND_ONNX_IMPORTER_H
#define RECUR_FRONTEND_ONNX_IMPORTER_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OpDefinition.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

#include "onnx/onnx_pb.h"

#include <functional>
#include <optional>

namespace recur::onnx_import {

class GraphImporter;

/// Converts one node. On failure it has already emitted an error.
using NodeConverter =
    std::function<mlir::LogicalResult(GraphImporter &, const onnx::NodeProto &)>;

/// Op type (default domain "" or "ai.onnx") -> converter. Each converter file
/// adds its ops with a register function.
using ConverterTable = llvm::StringMap<NodeConverter>;
void registerElementwiseOps(ConverterTable &table);   // OpsElementwise.cpp
void registerTensorOps(ConverterTable &table);        // OpsTensor.cpp
void registerCellOps(ConverterTable &table);          // Cells.cpp
void registerControlFlowOps(ConverterTable &table);   // ControlFlow.cpp
const ConverterTable &converterTable();               // all of the above

/// ONNX element type (TensorProto::DataType) -> MLIR element type; null for
/// types the importer does not take.
mlir::Type convertElementType(int32_t onnxType, mlir::MLIRContext *ctx);

/// A TensorProto (initializer, Constant's value, ConstantOfShape's value)
/// as an attribute of its own type; raw_data and the typed fields both
/// read, lengths checked against the dims. Errors go to `loc`.
mlir::FailureOr<mlir::DenseElementsAttr>
convertTensorProto(const onnx::TensorProto &tensor, mlir::Location loc);

/// Imports one graph (the model's, or a Loop/Scan body) into a block.
/// Names resolve in this graph first, then in the enclosing importer's
/// scope: a body is built inside an isolated region (recur.recurrence), so
/// a name from an outer graph becomes a capture: `captureOuter` is asked to
/// turn the outer value into a value usable here (a new block argument),
/// once per value.
class GraphImporter {
public:
  /// `parent` is the importer of the enclosing graph (null for the model's
  /// graph); `opsets` maps domain ("" for the default) -> version.
  GraphImporter(mlir::OpBuilder &builder, mlir::Location fileLoc,
                const llvm::StringMap<int64_t> &opsets,
                GraphImporter *parent = nullptr);

  mlir::OpBuilder &builder() { return b; }
  mlir::MLIRContext *context() { return b.getContext(); }

  /// The location of a node: the file, then the node's name (or its first
  /// output's name when it has none) and op type.
  mlir::Location loc(const onnx::NodeProto &node);
  /// An error at `loc(node)` whose message ends with
  /// "(node 'NAME', op OpType, opset N)".
  mlir::InFlightDiagnostic nodeError(const onnx::NodeProto &node,
                                     const llvm::Twine &message);
  /// The opset version of a domain ("" and "ai.onnx" are the same).
  int64_t opset(llvm::StringRef domain = "") const;

  /// The value bound to `name` (here or in an enclosing graph, captured
  /// then). Fails with an error naming the node if it is undefined.
  mlir::FailureOr<mlir::Value> lookup(const onnx::NodeProto &node,
                                      llvm::StringRef name);
  /// Input `index` of `node`. Fails with an error if it is absent (index
  /// past the inputs, or the empty name ONNX uses for an omitted optional
  /// input) or undefined.
  mlir::FailureOr<mlir::Value> input(const onnx::NodeProto &node,
                                     int index);
  /// Optional input `index`: std::nullopt if absent or the empty name;
  /// failure only if it is named but undefined.
  mlir::FailureOr<std::optional<mlir::Value>>
  optionalInput(const onnx::NodeProto &node, int index);
  /// Whether output `index` of `node` exists and is used (non-empty name).
  bool hasOutput(const onnx::NodeProto &node, int index) const;
  /// Binds `name` (an output of the node being converted) to `value`.
  /// Redefining a name in the same graph is an error ONNX's checker already
  /// rules out; this asserts nothing and simply rebinds.
  void define(llvm::StringRef name, mlir::Value value);
  /// Binds output `index` of `node` (no-op if that output is absent).
  void defineOutput(const onnx::NodeProto &node, int index,
                    mlir::Value value);

  /// The compile-time value of `value` if it is a constant (an initializer,
  /// a Constant node, or anything folded to arith.constant).
  std::optional<mlir::DenseElementsAttr> constantValue(mlir::Value value);

  /// Known integer vectors: a 1-D (or 0-D) integer tensor whose elements
  /// are known at compile time as constants or as index values (e.g. the
  /// output of Shape: static sizes and tensor.dim results). Shape
  /// arithmetic (Shape, Gather, Slice, Concat, Unsqueeze, Squeeze, Cast,
  /// Add/Sub/Mul/Div on them) propagates these so Reshape, Expand,
  /// ConstantOfShape, Slice, Loop trip counts see sizes, not tensors.
  /// Constants are known vectors too (`knownInts` answers for them).
  std::optional<llvm::SmallVector<mlir::OpFoldResult>>
  knownInts(mlir::Value value);
  void setKnownInts(mlir::Value value,
                    llvm::ArrayRef<mlir::OpFoldResult> elements);

  /// Imports `graph`'s nodes in order (the checker guarantees topological
  /// order) after its inputs have been bound with `define`. Does not bind
  /// or create the graph's outputs: see `graphOutputs`.
  mlir::LogicalResult importNodes(const onnx::GraphProto &graph);
  /// The values of `graph`'s outputs, after importNodes.
  mlir::FailureOr<llvm::SmallVector<mlir::Value>>
  graphOutputs(const onnx::GraphProto &graph);
  /// Binds every initializer of `graph` as a constant.
  mlir::LogicalResult importInitializers(const onnx::GraphProto &graph);

  /// For subgraph importers: called with an outer value the first time a
  /// name of an enclosing graph is used here; returns the value to use in
  /// this graph's block (typically a new block argument, with the outer
  /// value recorded as a capture by the caller).
  std::function<mlir::Value(mlir::Value outer)> captureOuter;

  GraphImporter *parent() { return parentImporter; }
  /// The model file's location and the opset imports, for importers of
  /// subgraphs (Loop and Scan bodies).
  mlir::Location fileLocation() const { return fileLoc; }
  const llvm::StringMap<int64_t> &opsetImports() const { return opsets; }

private:
  mlir::OpBuilder &b;
  mlir::Location fileLoc;
  const llvm::StringMap<int64_t> &opsets;
  GraphImporter *parentImporter;
  llvm::StringMap<mlir::Value> values;
  llvm::DenseMap<mlir::Value, llvm::SmallVector<mlir::OpFoldResult>> ints;
};

} // namespace recur::onnx_import

#endif // RECUR_FRONTEND_ONNX_IMPORTER_H
