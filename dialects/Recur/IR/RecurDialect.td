//===- RecurDialect.td - the recur dialect --------------------*- tablegen -*-===//
//
// The dialect that describes recurrences h_t = f(h_{t-1}, x_t) and the scans
// they become once their structure is known.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_DIALECT_TD
#define RECUR_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Recur_Dialect : Dialect {
  let name = "recur";
  let cppNamespace = "::recur";
  let summary = "Recurrences over sequences and the scans that evaluate them";
  let description = [{
    The `recur` dialect describes recurrent sequence models at tensor level:
    the general recurrence `h_t = f(h_{t-1}, x_t)` (`recur.recurrence`), an
    associative scan with a user combiner (`recur.scan`), the linear
    recurrence `h_t = A_t h_{t-1} + b_t` with a declared transition structure
    (`recur.linear_scan`) and the named ONNX cells (`recur.lstm`, `recur.gru`,
    `recur.rnn`). Passes find the structure of a recurrence and rewrite it
    into parallel form; `--recur-lower-to-loops` gives every op its exact
    sequential meaning, the reference every rewrite is compared against.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::tensor::TensorDialect"
  ];
  let useDefaultAttributePrinterParser = 1;
}

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Recur_Direction : I32EnumAttr<"Direction", "direction of a named cell", [
    I32EnumAttrCase<"forward", 0>,
    I32EnumAttrCase<"reverse", 1>,
    I32EnumAttrCase<"bidirectional", 2>
  ]> {
  let cppNamespace = "::recur";
  let genSpecializedAttr = 0;
}
def Recur_DirectionAttr : EnumAttr<Recur_Dialect, Recur_Direction, "direction">;

def Recur_Structure : I32EnumAttr<"Structure",
    "structure of the transition A_t of a linear scan", [
    I32EnumAttrCase<"scalar", 0>,
    I32EnumAttrCase<"diagonal", 1>,
    I32EnumAttrCase<"block_diagonal", 2>,
    I32EnumAttrCase<"identity_plus_low_rank", 3>,
    I32EnumAttrCase<"dense", 4>
  ]> {
  let cppNamespace = "::recur";
  let genSpecializedAttr = 0;
}
def Recur_StructureAttr : EnumAttr<Recur_Dialect, Recur_Structure, "structure">;

#endif // RECUR_DIALECT_TD
