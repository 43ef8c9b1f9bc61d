//===- TensorText.h - tensors as recur-run reads and prints them -*- C++
//-*-===//
//
// The text forms of tensors on recur-run's command line and in its output:
// types ("?x?x4xf32"), inline inputs ("2x3xf32=1,2,3,4,5,6") and the
// leading values of an output ("[0.5, -1, 2.25, ... 61 more]").
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_TOOLS_RECUR_RUN_TENSORTEXT_H
#define RECUR_TOOLS_RECUR_RUN_TENSORTEXT_H

#include "tools/recur-run/HostArray.h"

#include <string>
#include <string_view>

namespace recur::run {

/// "2x3xf32": the sizes, "?" for a dynamic one (-1), then the element type;
/// "f32" for a scalar.
std::string formatType(recur_dtype dtype, const int64_t *shape, int32_t rank);

/// Parses an inline input, SHAPExDTYPE=VALUES: "2x3xf32=1,2,3,4,5,6",
/// "f32=3.5" (a scalar), "4x8xi32=0" (one value fills the tensor),
/// "0x4xf32=" (empty). Floats take C's syntax (and inf, nan); i1 takes
/// 0, 1, true, false. On failure returns false with one line in `error`.
bool parseInlineArray(std::string_view text, HostArray &out,
                      std::string &error);

/// Element `i` of `data` as text: "2.5", "-3", "true".
std::string formatElement(recur_dtype dtype, const uint8_t *data, size_t i);

/// The first `limit` of `count` elements, "[1, 2.5, ... 14 more]"; floats
/// with six significant digits.
std::string formatValues(recur_dtype dtype, const void *data, size_t count,
                         size_t limit);

} // namespace recur::run

#endif // RECUR_TOOLS_RECUR_RUN_TENSORTEXT_H
