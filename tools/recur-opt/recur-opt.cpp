//===- recur-opt.cpp - the recur optimizer driver -------------------------===//
//
// mlir-opt with the recur dialect and passes: every upstream dialect and
// pass, plus ours.
//
//===----------------------------------------------------------------------===//

#include "dialects/Recur/IR/RecurDialect.h"
#include "passes/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  recur::registerRecurPasses();
  recur::registerRecurPipelines();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<recur::RecurDialect>();

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "Recur optimizer driver\n", registry));
}
