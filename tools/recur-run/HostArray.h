//===- HostArray.h - an input tensor read from the command line -*- C++ -*-===//
//
// recur-run reads each --input (a .npy file or inline text) into a HostArray
// before it loads the module, so that a bad command line fails fast; the
// array becomes a recur_tensor once the module is there. Also the table of
// element types recur-run knows: their names and their .npy spelling.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_TOOLS_RECUR_RUN_HOSTARRAY_H
#define RECUR_TOOLS_RECUR_RUN_HOSTARRAY_H

#include "recur/runtime.h"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace recur::run {

/// A dense row-major array owned by recur-run.
struct HostArray {
  recur_dtype dtype = RECUR_DTYPE_INVALID;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

/// How recur-run spells an element type.
struct ElementType {
  recur_dtype dtype;
  const char *name;     // as in "2x3xf32"; equals recur_dtype_name
  const char *npyDescr; // NumPy's little-endian descr; nullptr: none
  size_t size;          // bytes per element
};

/// Every element type of the C API, in the order of recur_dtype.
const std::vector<ElementType> &elementTypes();
/// The entry for `dtype`; nullptr for RECUR_DTYPE_INVALID or an unknown value.
const ElementType *findElementType(recur_dtype dtype);
/// The entry named `name` ("f32", ...); nullptr when none is.
const ElementType *findElementType(std::string_view name);

} // namespace recur::run

#endif // RECUR_TOOLS_RECUR_RUN_HOSTARRAY_H
