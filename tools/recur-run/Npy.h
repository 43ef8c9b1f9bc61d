//===- Npy.h - NumPy .npy files for recur-run -------------------*- C++ -*-===//
//
// Reads and writes NumPy's .npy format (format versions 1.0, 2.0 and 3.0;
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
// C-order little-endian arrays of the dtypes in HostArray.h. Every field of
// a file is checked before it is used, so a truncated file or a header that
// lies about its size is an error message, never a crash.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_TOOLS_RECUR_RUN_NPY_H
#define RECUR_TOOLS_RECUR_RUN_NPY_H

#include "tools/recur-run/HostArray.h"

#include <string>

namespace recur::run {

/// Reads the .npy file at `path`. On failure returns false and sets `error`
/// to one line that starts with the path.
bool readNpy(const std::string &path, HostArray &out, std::string &error);

/// Parses the bytes of a .npy file; `error` does not name a file.
bool parseNpy(const uint8_t *data, size_t size, HostArray &out,
              std::string &error);

/// Writes an array as a .npy file (format 1.0, or 2.0 when the header does
/// not fit 1.0). On failure no file is left behind.
bool writeNpy(const std::string &path, recur_dtype dtype, const int64_t *shape,
              int32_t rank, const void *data, size_t byteSize,
              std::string &error);

} // namespace recur::run

#endif // RECUR_TOOLS_RECUR_RUN_NPY_H
