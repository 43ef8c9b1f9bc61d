//===- HostArray.cpp - the element types recur-run knows ------------------===//

#include "tools/recur-run/HostArray.h"

namespace recur::run {

const std::vector<ElementType> &elementTypes() {
  // bf16 has no NumPy dtype of its own (ml_dtypes saves it as raw void
  // bytes), so it can be written inline and printed, not read or written
  // as .npy.
  static const std::vector<ElementType> types = {
      {RECUR_DTYPE_F32, "f32", "<f4", 4},
      {RECUR_DTYPE_F64, "f64", "<f8", 8},
      {RECUR_DTYPE_F16, "f16", "<f2", 2},
      {RECUR_DTYPE_BF16, "bf16", nullptr, 2},
      {RECUR_DTYPE_I1, "i1", "|b1", 1},
      {RECUR_DTYPE_I8, "i8", "|i1", 1},
      {RECUR_DTYPE_I16, "i16", "<i2", 2},
      {RECUR_DTYPE_I32, "i32", "<i4", 4},
      {RECUR_DTYPE_I64, "i64", "<i8", 8},
      {RECUR_DTYPE_U8, "u8", "|u1", 1},
  };
  return types;
}

const ElementType *findElementType(recur_dtype dtype) {
  for (const ElementType &type : elementTypes())
    if (type.dtype == dtype)
      return &type;
  return nullptr;
}

const ElementType *findElementType(std::string_view name) {
  for (const ElementType &type : elementTypes())
    if (name == type.name)
      return &type;
  return nullptr;
}

} // namespace recur::run
