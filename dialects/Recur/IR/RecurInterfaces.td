//===- RecurInterfaces.td - interfaces of recurrence-like ops -*- tablegen -*-===//
//
// One view over every op that steps a state through a sequence, so analyses
// (state dependence, affine decomposition, Jacobian structure) and the
// explain report work on any of them.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_INTERFACES_TD
#define RECUR_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Recur_RecurrenceOpInterface : OpInterface<"RecurrenceOpInterface"> {
  let cppNamespace = "::recur";
  let description = [{
    An op that carries states through the steps of a sequence. The time axis
    is the axis of the sequence operands that is stepped over; with sequence
    lengths, dimension 0 of every per-step slice and every state is the batch.
    An op may run several independent directions (a bidirectional cell runs
    two); each direction is forward or reverse in time.
  }];
  let methods = [
    InterfaceMethod<"The initial states (may be empty when they default to zero).",
      "::mlir::ValueRange", "getInitialStateOperands">,
    InterfaceMethod<"The operands that carry a time axis.",
      "::mlir::ValueRange", "getSequenceOperands">,
    InterfaceMethod<"The per-batch sequence lengths, or null.",
      "::mlir::Value", "getSequenceLengthsOperand">,
    InterfaceMethod<"The axis of the sequence operands that is stepped over.",
      "int64_t", "getTimeAxisIndex">,
    InterfaceMethod<"How many independent directions the op runs.",
      "unsigned", "getNumDirections">,
    InterfaceMethod<"Whether direction `d` steps from the last element to the first.",
      "bool", "isReverseDirection", (ins "unsigned":$d)>
  ];
}

#endif // RECUR_INTERFACES_TD
