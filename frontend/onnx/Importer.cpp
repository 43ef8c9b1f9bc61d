//===- Importer.cpp - ONNX models to tensor-level MLIR --------------------===//
//
// The importer's core: parse and check the ModelProto, turn the main graph
// into one func.func, bind names to values (with captures across subgraph
// boundaries), convert tensors, and dispatch nodes to the op converters.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/Importer.h"
#include "frontend/onnx/Import.h"

#include "dialects/Recur/IR/RecurDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Verifier.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/MemoryBuffer.h"

#include "onnx/checker.h"

#include <exception>
#include <limits>

using namespace mlir;

namespace recur::onnx_import {

/// The most elements a static shape may describe: more is no real tensor
/// (a terabyte and up) and would overflow the size arithmetic.
static constexpr int64_t kMaxStaticElements = int64_t(1) << 40;

/// Whether `shape` has a negative static size, or static sizes whose
/// product (zeros left out, so that no partial product overflows either)
/// exceeds kMaxStaticElements.
static bool staticShapeTooLarge(llvm::ArrayRef<int64_t> shape) {
  int64_t product = 1;
  for (int64_t d : shape) {
    if (ShapedType::isDynamic(d) || d == 0)
      continue;
    if (d < 0 || d > kMaxStaticElements / product)
      return true;
    product *= d;
  }
  return false;
}

//===----------------------------------------------------------------------===//
// Types and tensors
//===----------------------------------------------------------------------===//

Type convertElementType(int32_t onnxType, MLIRContext *ctx) {
  switch (onnxType) {
  case onnx::TensorProto::FLOAT:
    return Float32Type::get(ctx);
  case onnx::TensorProto::DOUBLE:
    return Float64Type::get(ctx);
  case onnx::TensorProto::FLOAT16:
    return Float16Type::get(ctx);
  case onnx::TensorProto::BFLOAT16:
    return BFloat16Type::get(ctx);
  case onnx::TensorProto::BOOL:
    return IntegerType::get(ctx, 1);
  case onnx::TensorProto::INT8:
    return IntegerType::get(ctx, 8);
  case onnx::TensorProto::INT16:
    return IntegerType::get(ctx, 16);
  case onnx::TensorProto::INT32:
    return IntegerType::get(ctx, 32);
  case onnx::TensorProto::INT64:
    return IntegerType::get(ctx, 64);
  default:
    // Unsigned types would need their own signedness in every op that
    // compares, divides or converts them; strings and complex numbers have
    // no tensor-level form here.
    return nullptr;
  }
}

/// ONNX's name of an element type, for messages.
static std::string elementTypeName(int32_t onnxType) {
  if (onnx::TensorProto::DataType_IsValid(onnxType))
    return onnx::TensorProto::DataType_Name(
        static_cast<onnx::TensorProto::DataType>(onnxType));
  return "type " + std::to_string(onnxType);
}

static std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s;
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += "x";
    s += ShapedType::isDynamic(d) ? "?" : std::to_string(d);
  }
  return s.empty() ? "scalar" : s;
}

namespace {
/// Reads the little-endian elements of raw_data or a typed field into the
/// APInt / APFloat form DenseElementsAttr takes for any element type.
struct TensorReader {
  const onnx::TensorProto &tensor;
  Location loc;
  RankedTensorType type;
  int64_t count;

  InFlightDiagnostic error() {
    return emitError(loc) << "tensor '" << tensor.name() << "' ("
                          << elementTypeName(tensor.data_type()) << ", "
                          << shapeString(type.getShape()) << "): ";
  }

  template <typename T> FailureOr<DenseElementsAttr> fromRaw() {
    const std::string &raw = tensor.raw_data();
    size_t want = size_t(count) * sizeof(T);
    if (raw.size() != want) {
      error() << "raw_data holds " << raw.size() << " bytes, the shape needs "
              << want;
      return failure();
    }
    SmallVector<T> values(count);
    for (int64_t i = 0; i < count; ++i)
      values[i] = llvm::support::endian::read<T, llvm::endianness::little>(
          raw.data() + i * sizeof(T));
    return DenseElementsAttr::get(type, ArrayRef<T>(values));
  }

  FailureOr<DenseElementsAttr> boolsFromRaw() {
    const std::string &raw = tensor.raw_data();
    if (raw.size() != size_t(count)) {
      error() << "raw_data holds " << raw.size() << " bytes, the shape needs "
              << count;
      return failure();
    }
    SmallVector<bool> values(count);
    for (int64_t i = 0; i < count; ++i)
      values[i] = raw[i] != 0;
    return DenseElementsAttr::get(type, ArrayRef<bool>(values));
  }

  /// 16-bit floats: raw bits, from raw_data or (as ONNX stores them) the
  /// low 16 bits of int32_data.
  FailureOr<DenseElementsAttr> halfs() {
    auto floatType = cast<FloatType>(type.getElementType());
    SmallVector<APFloat> values;
    values.reserve(count);
    if (tensor.has_raw_data()) {
      const std::string &raw = tensor.raw_data();
      if (raw.size() != size_t(count) * 2) {
        error() << "raw_data holds " << raw.size() << " bytes, the shape needs "
                << count * 2;
        return failure();
      }
      for (int64_t i = 0; i < count; ++i)
        values.emplace_back(
            floatType.getFloatSemantics(),
            APInt(
                16,
                llvm::support::endian::read<uint16_t, llvm::endianness::little>(
                    raw.data() + i * 2)));
    } else {
      if (tensor.int32_data_size() != count) {
        error() << "int32_data holds " << tensor.int32_data_size()
                << " values, the shape needs " << count;
        return failure();
      }
      for (int64_t i = 0; i < count; ++i)
        values.emplace_back(floatType.getFloatSemantics(),
                            APInt(16, uint16_t(tensor.int32_data(i))));
    }
    return DenseElementsAttr::get(type, values);
  }

  template <typename T, typename Field>
  FailureOr<DenseElementsAttr> fromField(const Field &field,
                                         llvm::StringRef fieldName) {
    if (field.size() != count) {
      error() << fieldName << " holds " << field.size()
              << " values, the shape needs " << count;
      return failure();
    }
    SmallVector<T> values(field.begin(), field.end());
    return DenseElementsAttr::get(type, ArrayRef<T>(values));
  }
};
} // namespace

FailureOr<DenseElementsAttr> convertTensorProto(const onnx::TensorProto &tensor,
                                                Location loc) {
  MLIRContext *ctx = loc.getContext();
  Type elemType = convertElementType(tensor.data_type(), ctx);
  if (!elemType)
    return emitError(loc) << "tensor '" << tensor.name()
                          << "' has element type "
                          << elementTypeName(tensor.data_type())
                          << ", which the importer does not support "
                             "(supported: FLOAT, DOUBLE, FLOAT16, BFLOAT16, "
                             "BOOL, INT8, INT16, INT32, INT64)";
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL ||
      tensor.external_data_size() > 0)
    return emitError(loc) << "tensor '" << tensor.name()
                          << "' keeps its data in an external file, which the "
                             "importer does not read; save the model with its "
                             "data inside (onnx.save_model(..., "
                             "save_as_external_data=False))";
  SmallVector<int64_t> shape;
  int64_t count = 1;
  for (int64_t d : tensor.dims()) {
    if (d < 0)
      return emitError(loc) << "tensor '" << tensor.name()
                            << "' has a negative dimension " << d;
    if (d != 0 && count > std::numeric_limits<int32_t>::max() / d)
      return emitError(loc)
             << "tensor '" << tensor.name() << "' is too large to import";
    count *= d;
    shape.push_back(d);
  }
  auto type = RankedTensorType::get(shape, elemType);
  TensorReader reader{tensor, loc, type, count};

  using TP = onnx::TensorProto;
  int32_t dt = tensor.data_type();
  if (dt == TP::FLOAT16 || dt == TP::BFLOAT16)
    return reader.halfs();
  if (tensor.has_raw_data()) {
    switch (dt) {
    case TP::FLOAT:
      return reader.fromRaw<float>();
    case TP::DOUBLE:
      return reader.fromRaw<double>();
    case TP::BOOL:
      return reader.boolsFromRaw();
    case TP::INT8:
      return reader.fromRaw<int8_t>();
    case TP::INT16:
      return reader.fromRaw<int16_t>();
    case TP::INT32:
      return reader.fromRaw<int32_t>();
    case TP::INT64:
      return reader.fromRaw<int64_t>();
    default:
      break;
    }
  } else {
    switch (dt) {
    case TP::FLOAT:
      return reader.fromField<float>(tensor.float_data(), "float_data");
    case TP::DOUBLE:
      return reader.fromField<double>(tensor.double_data(), "double_data");
    case TP::INT64:
      return reader.fromField<int64_t>(tensor.int64_data(), "int64_data");
    case TP::INT32:
      return reader.fromField<int32_t>(tensor.int32_data(), "int32_data");
    case TP::INT16: {
      if (tensor.int32_data_size() != count)
        return reader.error() << "int32_data holds "
                              << tensor.int32_data_size()
                              << " values, the shape needs " << count;
      SmallVector<int16_t> v;
      for (int32_t x : tensor.int32_data())
        v.push_back(int16_t(x));
      return DenseElementsAttr::get(type, ArrayRef<int16_t>(v));
    }
    case TP::INT8: {
      if (tensor.int32_data_size() != count)
        return reader.error() << "int32_data holds " << tensor.int32_data_size()
                              << " values, the shape needs " << count;
      SmallVector<int8_t> v;
      for (int32_t x : tensor.int32_data())
        v.push_back(int8_t(x));
      return DenseElementsAttr::get(type, ArrayRef<int8_t>(v));
    }
    case TP::BOOL: {
      if (tensor.int32_data_size() != count)
        return reader.error() << "int32_data holds " << tensor.int32_data_size()
                              << " values, the shape needs " << count;
      SmallVector<bool> v;
      for (int32_t x : tensor.int32_data())
        v.push_back(x != 0);
      return DenseElementsAttr::get(type, ArrayRef<bool>(v));
    }
    default:
      break;
    }
  }
  return reader.error() << "cannot read this element type's data";
}

//===----------------------------------------------------------------------===//
// GraphImporter
//===----------------------------------------------------------------------===//

GraphImporter::GraphImporter(OpBuilder &builder, Location fileLoc,
                             const llvm::StringMap<int64_t> &opsets,
                             GraphImporter *parent)
    : b(builder), fileLoc(fileLoc), opsets(opsets), parentImporter(parent) {}

/// The name a node goes by in messages: its own, else its first output's.
static std::string displayName(const onnx::NodeProto &node) {
  if (!node.name().empty())
    return node.name();
  for (const std::string &out : node.output())
    if (!out.empty())
      return out;
  return "";
}

Location GraphImporter::loc(const onnx::NodeProto &node) {
  std::string name = displayName(node) + " (" + node.op_type() + ")";
  return NameLoc::get(StringAttr::get(context(), name), fileLoc);
}

InFlightDiagnostic GraphImporter::nodeError(const onnx::NodeProto &node,
                                            const llvm::Twine &message) {
  InFlightDiagnostic diag = emitError(loc(node), message);
  diag << " (node '" << displayName(node) << "', op " << node.op_type()
       << ", opset " << opset(node.domain()) << ")";
  return diag;
}

int64_t GraphImporter::opset(llvm::StringRef domain) const {
  if (domain == "ai.onnx")
    domain = "";
  return opsets.lookup(domain);
}

FailureOr<Value> GraphImporter::lookup(const onnx::NodeProto &node,
                                       llvm::StringRef name) {
  auto it = values.find(name);
  if (it != values.end())
    return it->second;
  if (!parentImporter) {
    nodeError(node, "input '" + name +
                        "' is not defined by an earlier node, an "
                        "initializer or a graph input");
    return failure();
  }
  FailureOr<Value> outer = parentImporter->lookup(node, name);
  if (failed(outer))
    return failure();

  // Constants are copied into this graph rather than captured: they stay
  // visible to constantValue (shapes, axes, indices) and cost nothing.
  Value inner;
  DenseElementsAttr constant;
  if (matchPattern(*outer, m_Constant(&constant))) {
    Type type = outer->getType();
    inner = arith::ConstantOp::create(b, outer->getLoc(), type,
                                      cast<TypedAttr>(constant));
    values[name] = inner;
    return inner;
  }
  inner = captureOuter ? captureOuter(*outer) : *outer;
  values[name] = inner;

  // Known integer vectors survive the capture: static elements as they
  // are, dynamic ones read back from the captured tensor.
  if (std::optional<SmallVector<OpFoldResult>> known =
          parentImporter->knownInts(*outer)) {
    auto type = dyn_cast<RankedTensorType>(inner.getType());
    if (type && type.getRank() <= 1 &&
        isa<IntegerType>(type.getElementType())) {
      SmallVector<OpFoldResult> here;
      Location l = inner.getLoc();
      for (auto [i, e] : llvm::enumerate(*known)) {
        if (isa<Attribute>(e)) {
          here.push_back(e);
          continue;
        }
        SmallVector<Value> idx;
        if (type.getRank() == 1)
          idx.push_back(arith::ConstantIndexOp::create(b, l, i));
        Value elem = tensor::ExtractOp::create(b, l, inner, idx);
        here.push_back(arith::IndexCastOp::create(b, l, b.getIndexType(), elem)
                           .getResult());
      }
      ints[inner] = std::move(here);
    }
  }
  return inner;
}

FailureOr<Value> GraphImporter::input(const onnx::NodeProto &node, int index) {
  if (index >= node.input_size() || node.input(index).empty()) {
    nodeError(node, "input " + llvm::Twine(index) +
                        " is missing; this op needs it (the node has " +
                        llvm::Twine(node.input_size()) + " inputs)");
    return failure();
  }
  return lookup(node, node.input(index));
}

FailureOr<std::optional<Value>>
GraphImporter::optionalInput(const onnx::NodeProto &node, int index) {
  if (index >= node.input_size() || node.input(index).empty())
    return std::optional<Value>();
  FailureOr<Value> v = lookup(node, node.input(index));
  if (failed(v))
    return failure();
  return std::optional<Value>(*v);
}

bool GraphImporter::hasOutput(const onnx::NodeProto &node, int index) const {
  return index < node.output_size() && !node.output(index).empty();
}

void GraphImporter::define(llvm::StringRef name, Value value) {
  values[name] = value;
}

void GraphImporter::defineOutput(const onnx::NodeProto &node, int index,
                                 Value value) {
  if (hasOutput(node, index))
    define(node.output(index), value);
}

std::optional<DenseElementsAttr> GraphImporter::constantValue(Value value) {
  DenseElementsAttr attr;
  if (value && matchPattern(value, m_Constant(&attr)))
    return attr;
  return std::nullopt;
}

std::optional<SmallVector<OpFoldResult>> GraphImporter::knownInts(Value value) {
  auto it = ints.find(value);
  if (it != ints.end())
    return it->second;
  // An empty integer vector is known whatever made it (an empty Slice of
  // a shape, say).
  if (auto t = dyn_cast<RankedTensorType>(value.getType()))
    if (t.getRank() == 1 && t.getDimSize(0) == 0 &&
        isa<IntegerType>(t.getElementType()))
      return SmallVector<OpFoldResult>{};
  std::optional<DenseElementsAttr> attr = constantValue(value);
  if (!attr)
    return std::nullopt;
  auto type = cast<ShapedType>(attr->getType());
  if (type.getRank() > 1 || !isa<IntegerType>(type.getElementType()))
    return std::nullopt;
  SmallVector<OpFoldResult> out;
  for (const APInt &v : attr->getValues<APInt>())
    out.push_back(b.getIndexAttr(type.getElementType().isInteger(1)
                                     ? int64_t(v.getZExtValue())
                                     : v.getSExtValue()));
  return out;
}

void GraphImporter::setKnownInts(Value value, ArrayRef<OpFoldResult> elements) {
  ints[value] = SmallVector<OpFoldResult>(elements);
}

/// Ops whose converters take sequence-valued inputs (the Loop pattern's
/// placeholders); every other op sees tensors only.
static bool takesSequences(llvm::StringRef opType) {
  return opType == "Loop" || opType == "SequenceInsert" ||
         opType == "ConcatFromSequence";
}

LogicalResult GraphImporter::importNodes(const onnx::GraphProto &graph) {
  const ConverterTable &table = converterTable();
  for (const onnx::NodeProto &node : graph.node()) {
    llvm::StringRef domain = node.domain();
    if (!domain.empty() && domain != "ai.onnx")
      return nodeError(node, "op " + node.op_type() + " of domain '" + domain +
                                 "' is not supported: the importer takes "
                                 "ONNX's default domain only");
    auto it = table.find(node.op_type());
    if (it == table.end())
      return nodeError(node, "unsupported op '" + node.op_type() + "'");
    // Resolve every input first: undefined names are reported here, the
    // same way for every op, and sequences reach only the ops that take
    // them.
    for (const std::string &name : node.input()) {
      if (name.empty())
        continue;
      FailureOr<Value> v = lookup(node, name);
      if (failed(v))
        return failure();
      if (!isa<RankedTensorType>(v->getType()) &&
          !takesSequences(node.op_type()))
        return nodeError(node, "input '" + name +
                                   "' is a sequence; sequences are supported "
                                   "only as a Loop's SequenceEmpty / "
                                   "SequenceInsert accumulators read by "
                                   "ConcatFromSequence after the loop");
    }
    // Attributes of the type the op's schema gives (ONNX's checker, which
    // would check this, does not run on newer models): a converter reads
    // the field of the type it expects and would see a default instead.
    if (const onnx::OpSchema *schema = onnx::OpSchemaRegistry::Schema(
            node.op_type(), opset(), onnx::ONNX_DOMAIN)) {
      for (const onnx::AttributeProto &attr : node.attribute()) {
        auto known = schema->attributes().find(attr.name());
        if (known == schema->attributes().end() ||
            attr.type() == onnx::AttributeProto::UNDEFINED ||
            attr.type() == known->second.type)
          continue;
        return nodeError(
            node, "attribute '" + attr.name() + "' has type " +
                      onnx::AttributeProto::AttributeType_Name(attr.type()) +
                      ", expected " +
                      onnx::AttributeProto::AttributeType_Name(
                          known->second.type));
      }
    }
    if (failed(it->second(*this, node)))
      return failure();
    // Sizes an op computed from attributes or constants (Expand, Tile,
    // ConstantOfShape...) stay within what the size arithmetic holds.
    for (const std::string &name : node.output()) {
      auto out = values.find(name);
      if (name.empty() || out == values.end())
        continue;
      auto type = dyn_cast<RankedTensorType>(out->second.getType());
      if (type && staticShapeTooLarge(type.getShape()))
        return nodeError(node, "output '" + name +
                                   "' would have static sizes of more than "
                                   "2^40 elements in all (or a negative "
                                   "size), which the importer does not take");
    }
  }
  return success();
}

FailureOr<SmallVector<Value>>
GraphImporter::graphOutputs(const onnx::GraphProto &graph) {
  SmallVector<Value> result;
  for (const onnx::ValueInfoProto &out : graph.output()) {
    auto it = values.find(out.name());
    if (it != values.end()) {
      result.push_back(it->second);
      continue;
    }
    if (!parentImporter)
      return emitError(fileLoc)
             << "graph '" << graph.name() << "' output '" << out.name()
             << "' is not defined by any node, "
                "initializer or input";
    // A subgraph may return a value of an enclosing graph unchanged.
    onnx::NodeProto asNode;
    asNode.set_name("output of graph '" + graph.name() + "'");
    asNode.set_op_type("Output");
    FailureOr<Value> v = lookup(asNode, out.name());
    if (failed(v))
      return failure();
    result.push_back(*v);
  }
  return result;
}

LogicalResult GraphImporter::importInitializers(const onnx::GraphProto &graph) {
  if (graph.sparse_initializer_size() > 0)
    return emitError(fileLoc)
           << "graph '" << graph.name() << "' has sparse initializers ('"
           << graph.sparse_initializer(0).values().name()
           << "'), which the importer does not support";
  for (const onnx::TensorProto &init : graph.initializer()) {
    Location l = NameLoc::get(
        StringAttr::get(context(), init.name() + " (initializer)"), fileLoc);
    FailureOr<DenseElementsAttr> attr = convertTensorProto(init, l);
    if (failed(attr))
      return failure();
    define(init.name(), arith::ConstantOp::create(b, l, *attr).getResult());
  }
  return success();
}

const ConverterTable &converterTable() {
  static const ConverterTable table = [] {
    ConverterTable t;
    registerElementwiseOps(t);
    registerTensorOps(t);
    registerCellOps(t);
    registerControlFlowOps(t);
    return t;
  }();
  return table;
}

//===----------------------------------------------------------------------===//
// The model
//===----------------------------------------------------------------------===//

/// A graph's name made a C identifier (function names are symbols).
static std::string functionName(llvm::StringRef graphName) {
  std::string name;
  for (char c : graphName)
    name += llvm::isAlnum(c) ? c : '_';
  if (name.empty())
    return "main";
  if (llvm::isDigit(name[0]))
    name = "_" + name;
  return name;
}

/// The tensor type a graph input or output declares; failure (with an error)
/// where it is not a tensor or has no rank. `what` names it in messages.
static FailureOr<RankedTensorType>
declaredType(const onnx::ValueInfoProto &info, llvm::StringRef what,
             Location loc) {
  const onnx::TypeProto &type = info.type();
  if (!type.has_tensor_type())
    return emitError(loc) << what << " '" << info.name()
                          << "' is not a tensor (sequences, maps and "
                             "optionals are not supported as model inputs "
                             "or outputs)";
  const onnx::TypeProto::Tensor &tensor = type.tensor_type();
  Type elem = convertElementType(tensor.elem_type(), loc.getContext());
  if (!elem)
    return emitError(loc) << what << " '" << info.name()
                          << "' has element type "
                          << elementTypeName(tensor.elem_type())
                          << ", which the importer does not support "
                             "(supported: FLOAT, DOUBLE, FLOAT16, BFLOAT16, "
                             "BOOL, INT8, INT16, INT32, INT64)";
  if (!tensor.has_shape())
    return emitError(loc) << what << " '" << info.name()
                          << "' has no shape; the importer needs the rank of "
                             "every input and output (sizes may be "
                             "symbolic)";
  SmallVector<int64_t> shape;
  for (const onnx::TensorShapeProto::Dimension &d : tensor.shape().dim())
    shape.push_back(d.has_dim_value() && d.dim_value() >= 0
                        ? d.dim_value()
                        : ShapedType::kDynamic);
  if (staticShapeTooLarge(shape))
    return emitError(loc) << what << " '" << info.name()
                          << "' declares static sizes of more than 2^40 "
                             "elements in all, which the importer does not "
                             "take";
  return RankedTensorType::get(shape, elem);
}

/// Checks a built graph output against its declared type: the same element
/// type and rank, and no disagreement on a static size. A size the model
/// declares static but the IR has as dynamic stays dynamic: a cast would
/// be a promise nothing checks at run time, and a wrong declaration would
/// then give a wrong shape silently.
static FailureOr<Value> matchDeclared(Location loc, Value value,
                                      const onnx::ValueInfoProto &info) {
  auto built = dyn_cast<RankedTensorType>(value.getType());
  if (!built)
    return emitError(loc) << "graph output '" << info.name()
                          << "' is a sequence; model outputs must be tensors "
                             "(stack it with ConcatFromSequence)";
  if (!info.has_type() || !info.type().has_tensor_type() ||
      !info.type().tensor_type().has_shape() ||
      info.type().tensor_type().elem_type() == onnx::TensorProto::UNDEFINED)
    return value; // nothing declared to check against
  FailureOr<RankedTensorType> declared =
      declaredType(info, "graph output", loc);
  if (failed(declared))
    return failure();
  auto mismatch = [&] {
    return emitError(loc) << "graph output '" << info.name() << "' is declared "
                          << *declared << ", but the model computes " << built;
  };
  if (declared->getElementType() != built.getElementType() ||
      declared->getRank() != built.getRank())
    return mismatch();
  for (auto [d, bd] : llvm::zip(declared->getShape(), built.getShape()))
    if (!ShapedType::isDynamic(d) && !ShapedType::isDynamic(bd) && d != bd)
      return mismatch();
  return value;
}

/// The first tensor of `graph` (initializers, Constant values, subgraphs)
/// whose data lives in an external file, or null. Looked for before the
/// checker runs, which would look for the file relative to the working
/// directory and report it missing.
static const onnx::TensorProto *
findExternalTensor(const onnx::GraphProto &graph) {
  auto external = [](const onnx::TensorProto &t) {
    return t.data_location() == onnx::TensorProto::EXTERNAL ||
           t.external_data_size() > 0;
  };
  for (const onnx::TensorProto &t : graph.initializer())
    if (external(t))
      return &t;
  for (const onnx::NodeProto &node : graph.node()) {
    for (const onnx::AttributeProto &attr : node.attribute()) {
      if (attr.has_t() && external(attr.t()))
        return &attr.t();
      for (const onnx::TensorProto &t : attr.tensors())
        if (external(t))
          return &t;
      if (attr.has_g())
        if (const onnx::TensorProto *t = findExternalTensor(attr.g()))
          return t;
      for (const onnx::GraphProto &g : attr.graphs())
        if (const onnx::TensorProto *t = findExternalTensor(g))
          return t;
    }
  }
  return nullptr;
}

/// Whether ONNX's checker (the library's version) knows the model's IR
/// version and every opset of the default domain it imports. A newer model
/// is not checked by it: its schemas for newer opsets are missing, so it
/// would refuse every model a current exporter writes. The importer's own
/// checks remain (every name defined before use, every op's inputs,
/// attributes and types checked by its converter).
static bool checkerKnows(const onnx::ModelProto &model) {
  if (model.ir_version() > onnx::IR_VERSION)
    return false;
  const auto &ranges =
      onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  auto known = ranges.find(onnx::ONNX_DOMAIN);
  for (const onnx::OperatorSetIdProto &op : model.opset_import()) {
    bool defaultDomain = op.domain().empty() || op.domain() == "ai.onnx";
    if (defaultDomain && known != ranges.end() &&
        op.version() > known->second.second)
      return false;
  }
  return true;
}

/// Runs ONNX's checker where it knows the model's versions; its exceptions
/// become an error at `loc`.
static LogicalResult checkModel(const onnx::ModelProto &model, Location loc) {
  if (!checkerKnows(model))
    return success();
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception &e) {
    std::string what = e.what();
    // The checker appends a context line ("==> Context: ...") to some
    // messages; keep it, on one line.
    for (char &c : what)
      if (c == '\n')
        c = ' ';
    while (!what.empty() && what.back() == ' ')
      what.pop_back();
    return emitError(loc) << "invalid ONNX model: " << what;
  }
  return success();
}

} // namespace recur::onnx_import

using namespace recur::onnx_import;

OwningOpRef<ModuleOp> recur::importONNX(llvm::StringRef bytes,
                                        llvm::StringRef fileName,
                                        MLIRContext &context) {
  context.loadDialect<func::FuncDialect, arith::ArithDialect,
                      tensor::TensorDialect, linalg::LinalgDialect,
                      math::MathDialect, scf::SCFDialect, RecurDialect>();
  Location fileLoc = FileLineColLoc::get(&context, fileName, 0, 0);

  onnx::ModelProto model;
  if (bytes.size() > size_t(std::numeric_limits<int>::max()) ||
      !model.ParseFromArray(bytes.data(), int(bytes.size()))) {
    emitError(fileLoc) << "not an ONNX model (could not parse ModelProto)";
    return nullptr;
  }
  if (const onnx::TensorProto *t = findExternalTensor(model.graph())) {
    emitError(fileLoc) << "tensor '" << t->name()
                       << "' keeps its data in an external file, which the "
                          "importer does not read; save the model with its "
                          "data inside (onnx.save_model(..., "
                          "save_as_external_data=False))";
    return nullptr;
  }
  // The newest IR version the importer was checked against (ONNX 1.23's);
  // a newer one may mean things it does not know.
  constexpr int64_t kNewestIRVersion = 14;
  if (model.ir_version() > kNewestIRVersion) {
    emitError(fileLoc) << "IR version " << model.ir_version()
                       << " is newer than the importer knows (up to "
                       << kNewestIRVersion << ")";
    return nullptr;
  }
  if (failed(checkModel(model, fileLoc)))
    return nullptr;

  llvm::StringMap<int64_t> opsets;
  for (const onnx::OperatorSetIdProto &op : model.opset_import()) {
    llvm::StringRef domain = op.domain();
    opsets[domain == "ai.onnx" ? "" : domain] = op.version();
  }
  if (!opsets.count("")) {
    emitError(fileLoc) << "the model imports no opset of ONNX's default "
                          "domain";
    return nullptr;
  }
  const onnx::GraphProto &graph = model.graph();

  OpBuilder b(&context);
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  b.setInsertionPointToEnd(module->getBody());

  // Inputs: those that are not initializers (an initializer may also be
  // listed as an input: a default the caller could override; Recur keeps
  // it a constant).
  llvm::StringSet<> initializerNames;
  for (const onnx::TensorProto &init : graph.initializer())
    initializerNames.insert(init.name());
  SmallVector<const onnx::ValueInfoProto *> inputs;
  SmallVector<Type> inputTypes;
  for (const onnx::ValueInfoProto &in : graph.input()) {
    if (initializerNames.contains(in.name()))
      continue;
    FailureOr<RankedTensorType> type = declaredType(in, "graph input", fileLoc);
    if (failed(type))
      return nullptr;
    inputs.push_back(&in);
    inputTypes.push_back(*type);
  }

  std::string name = functionName(graph.name());
  auto func =
      func::FuncOp::create(b, fileLoc, name, b.getFunctionType(inputTypes, {}));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);

  GraphImporter importer(b, fileLoc, opsets);
  for (auto [i, in] : llvm::enumerate(inputs)) {
    importer.define(in->name(), entry->getArgument(i));
    func.setArgAttr(i, "recur.name", b.getStringAttr(in->name()));
    // Symbolic sizes by name ("" where a size has none): ONNX says one
    // name is one size across the graph's inputs, so the signature ties
    // them and the runtime checks them before a call.
    const auto &dims = in->type().tensor_type().shape().dim();
    if (llvm::any_of(dims, [](const onnx::TensorShapeProto::Dimension &d) {
          return d.has_dim_param() && !d.dim_param().empty();
        })) {
      SmallVector<Attribute> names;
      for (const onnx::TensorShapeProto::Dimension &d : dims)
        names.push_back(
            b.getStringAttr(d.has_dim_param() ? d.dim_param() : ""));
      func.setArgAttr(i, "recur.dims", b.getArrayAttr(names));
    }
  }
  if (failed(importer.importInitializers(graph)) ||
      failed(importer.importNodes(graph)))
    return nullptr;
  FailureOr<SmallVector<Value>> outs = importer.graphOutputs(graph);
  if (failed(outs))
    return nullptr;
  SmallVector<Value> results;
  for (auto [v, info] : llvm::zip(*outs, graph.output())) {
    FailureOr<Value> r = matchDeclared(fileLoc, v, info);
    if (failed(r))
      return nullptr;
    results.push_back(*r);
  }
  func::ReturnOp::create(b, fileLoc, results);
  func.setType(b.getFunctionType(inputTypes, ValueRange(results).getTypes()));
  for (auto [i, info] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "recur.name", b.getStringAttr(info.name()));

  // Placeholders of the Loop pattern that nothing reads any more.
  for (bool changed = true; changed;) {
    changed = false;
    func.walk([&](UnrealizedConversionCastOp op) {
      if (op->use_empty() && op->hasAttr("onnx.sequence")) {
        op->erase();
        changed = true;
      }
    });
  }

  if (failed(verify(*module)))
    return nullptr;
  return module;
}

OwningOpRef<ModuleOp> recur::importONNXFile(llvm::StringRef path,
                                            MLIRContext &context) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!buffer) {
    emitError(FileLineColLoc::get(&context, path, 0, 0))
        << "cannot open input file '" << path
        << "': " << buffer.getError().message();
    return nullptr;
  }
  return importONNX((*buffer)->getBuffer(), path, context);
}

llvm::SmallVector<llvm::StringRef> recur::supportedONNXOps() {
  llvm::SmallVector<llvm::StringRef> ops;
  for (const auto &entry : converterTable())
    ops.push_back(entry.getKey());
  llvm::sort(ops);
  return ops;
}

void recur::registerONNXImportDialects(DialectRegistry &registry) {
  registry.insert<func::FuncDialect, arith::ArithDialect, tensor::TensorDialect,
                  linalg::LinalgDialect, math::MathDialect, scf::SCFDialect,
                  RecurDialect>();
}
