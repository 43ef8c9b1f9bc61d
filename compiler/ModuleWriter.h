//===- ModuleWriter.h - the .rmod file --------------------------*- C++ -*-===//

#ifndef RECUR_COMPILER_MODULEWRITER_H
#define RECUR_COMPILER_MODULEWRITER_H

#include "compiler/Constants.h"
#include "compiler/HostCodegen.h"
#include "compiler/Signature.h"

#include <cstdint>
#include <vector>

namespace recur {

/// The symbol of a function's host entry point (host_abi.h).
std::string hostEntrySymbol(llvm::StringRef function);

struct HostTarget {
  HostMachine machine;
  std::vector<char> binary;
};

/// Serializes a module: the functions' signatures, the constants, and the
/// host target whose plan calls each function's entry with its inputs, then
/// the constants `constants.arguments` lists for it.
std::vector<uint8_t> writeModule(llvm::ArrayRef<FunctionSignature> functions,
                                 const ExternalizedConstants &constants,
                                 const HostTarget &host);

} // namespace recur

#endif // RECUR_COMPILER_MODULEWRITER_H
