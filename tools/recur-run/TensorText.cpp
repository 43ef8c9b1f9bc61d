//===- TensorText.cpp - tensors as recur-run reads and prints them --------===//

#include "tools/recur-run/TensorText.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace recur::run {

// Inline inputs are for small tensors and fills; a size typed by mistake
// ("100000x100000x...") should be an error, not an allocation failure.
static const size_t kMaxInlineBytes = size_t(1) << 30;

//===----------------------------------------------------------------------===//
// f16 and bf16
//===----------------------------------------------------------------------===//

static uint32_t floatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

static float bitsFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

/// IEEE binary16, rounded to nearest even.
static uint16_t floatToHalf(float value) {
  uint32_t bits = floatBits(value);
  uint16_t sign = (bits >> 16) & 0x8000;
  float magnitude = std::fabs(value);
  if (std::isnan(value))
    return sign | 0x7e00;
  if (magnitude >= 65520.0f) // rounds to infinity
    return sign | 0x7c00;
  if (magnitude < 6.103515625e-05f) // subnormal: a multiple of 2^-24
    return sign | uint16_t(std::nearbyint(magnitude * 16777216.0f));
  uint32_t mantissa = bits & 0x7fffff;
  int32_t exponent = int32_t((bits >> 23) & 0xff) - 127 + 15;
  uint32_t half = (uint32_t(exponent) << 10) | (mantissa >> 13);
  uint32_t rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1)))
    ++half; // may carry into the exponent, which is still right
  return sign | uint16_t(half);
}

static float halfToFloat(uint16_t half) {
  float sign = (half & 0x8000) ? -1.0f : 1.0f;
  uint32_t exponent = (half >> 10) & 0x1f, mantissa = half & 0x3ff;
  if (exponent == 0)
    return sign * std::ldexp(float(mantissa), -24);
  if (exponent == 31)
    return mantissa ? NAN : sign * INFINITY;
  return sign * std::ldexp(float(mantissa | 0x400), int(exponent) - 25);
}

/// bfloat16: the high half of an f32, rounded to nearest even.
static uint16_t floatToBFloat(float value) {
  uint32_t bits = floatBits(value);
  if (std::isnan(value))
    return uint16_t((bits >> 16) | 0x40);
  bits += 0x7fff + ((bits >> 16) & 1);
  return uint16_t(bits >> 16);
}

static float bfloatToFloat(uint16_t value) {
  return bitsFloat(uint32_t(value) << 16);
}

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

std::string formatType(recur_dtype dtype, const int64_t *shape, int32_t rank) {
  std::string text;
  for (int32_t i = 0; i < rank; ++i)
    text += (shape[i] < 0 ? std::string("?") : std::to_string(shape[i])) + "x";
  const ElementType *type = findElementType(dtype);
  return text + (type ? type->name : "invalid");
}

//===----------------------------------------------------------------------===//
// Inline inputs
//===----------------------------------------------------------------------===//

static std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

/// Parses one element of `dtype` from `token` into `out`.
static bool parseElement(recur_dtype dtype, std::string_view token,
                         uint8_t *out, std::string &error) {
  std::string text(trim(token));
  const ElementType *type = findElementType(dtype);
  auto fail = [&](const char *why) {
    error = "'" + text + "' " + why + " (" + type->name + ")";
    return false;
  };
  if (text.empty()) {
    error = "empty value";
    return false;
  }
  const char *begin = text.c_str();
  char *end = nullptr;
  errno = 0;

  if (dtype == RECUR_DTYPE_F32 || dtype == RECUR_DTYPE_F64 ||
      dtype == RECUR_DTYPE_F16 || dtype == RECUR_DTYPE_BF16) {
    double value = dtype == RECUR_DTYPE_F64 ? std::strtod(begin, &end)
                                            : std::strtof(begin, &end);
    if (end == begin || *end != '\0')
      return fail("is not a number");
    // Underflow to zero or a subnormal is fine; overflow is a typo.
    if (errno == ERANGE && std::isinf(value))
      return fail("is out of range");
    float single = float(value);
    if (dtype == RECUR_DTYPE_F64) {
      std::memcpy(out, &value, 8);
    } else if (dtype == RECUR_DTYPE_F32) {
      std::memcpy(out, &single, 4);
    } else {
      uint16_t bits = dtype == RECUR_DTYPE_F16 ? floatToHalf(single)
                                               : floatToBFloat(single);
      float back =
          dtype == RECUR_DTYPE_F16 ? halfToFloat(bits) : bfloatToFloat(bits);
      if (std::isinf(back) && !std::isinf(single))
        return fail("is out of range");
      std::memcpy(out, &bits, 2);
    }
    return true;
  }

  if (dtype == RECUR_DTYPE_I1) {
    if (text == "0" || text == "false" || text == "1" || text == "true") {
      *out = text == "1" || text == "true";
      return true;
    }
    return fail("is not 0, 1, true or false");
  }

  long long value = std::strtoll(begin, &end, 10);
  if (end == begin || *end != '\0')
    return fail("is not an integer");
  int64_t low = INT64_MIN, high = INT64_MAX;
  switch (dtype) {
  case RECUR_DTYPE_I8:
    low = INT8_MIN, high = INT8_MAX;
    break;
  case RECUR_DTYPE_U8:
    low = 0, high = UINT8_MAX;
    break;
  case RECUR_DTYPE_I16:
    low = INT16_MIN, high = INT16_MAX;
    break;
  case RECUR_DTYPE_I32:
    low = INT32_MIN, high = INT32_MAX;
    break;
  default:
    break;
  }
  if (errno == ERANGE || value < low || value > high)
    return fail("is out of range");
  int64_t wide = value;
  // Little-endian: the low bytes of the 64-bit value.
  std::memcpy(out, &wide, type->size);
  return true;
}

bool parseInlineArray(std::string_view text, HostArray &out,
                      std::string &error) {
  size_t equals = text.find('=');
  if (equals == std::string_view::npos) {
    error = "expected SHAPExDTYPE=VALUES, e.g. 2x3xf32=1,2,3,4,5,6";
    return false;
  }
  std::string_view typeText = text.substr(0, equals);
  std::string_view valuesText = text.substr(equals + 1);

  // "2x3xf32": sizes, then the element type after the last 'x'.
  size_t lastX = typeText.rfind('x');
  std::string_view dtypeText =
      lastX == std::string_view::npos ? typeText : typeText.substr(lastX + 1);
  const ElementType *type = findElementType(dtypeText);
  if (dtypeText.empty()) {
    error = "missing element type in '" + std::string(typeText) +
            "' (e.g. 2x3xf32)";
    return false;
  }
  if (!type) {
    error = "unknown element type '" + std::string(dtypeText) + "'; known:";
    for (const ElementType &known : elementTypes())
      error += std::string(" ") + known.name;
    return false;
  }
  std::vector<int64_t> shape;
  size_t count = 1;
  if (lastX != std::string_view::npos) {
    std::string_view dims = typeText.substr(0, lastX + 1);
    while (!dims.empty()) {
      size_t x = dims.find('x');
      std::string_view dim = dims.substr(0, x);
      dims.remove_prefix(x + 1);
      if (dim.empty()) {
        error = "missing size in '" + std::string(typeText) +
                "' (e.g. 2x3xf32; a scalar is f32)";
        return false;
      }
      int64_t size = 0;
      bool digits = dim.size() <= 18;
      for (size_t i = 0; digits && i < dim.size(); ++i) {
        digits = dim[i] >= '0' && dim[i] <= '9';
        size = size * 10 + (dim[i] - '0');
      }
      if (!digits) {
        error = "bad size '" + std::string(dim) + "' in '" +
                std::string(typeText) + "' (sizes are numbers: 2x3xf32)";
        return false;
      }
      shape.push_back(size);
      if (__builtin_mul_overflow(count, size_t(size), &count))
        count = SIZE_MAX;
    }
  }
  size_t byteSize;
  if (__builtin_mul_overflow(count, type->size, &byteSize) ||
      byteSize > kMaxInlineBytes) {
    error = "'" + std::string(typeText) +
            "' is too large for an inline input (1 GiB at most); use a "
            ".npy file";
    return false;
  }

  std::vector<std::string_view> tokens;
  if (!trim(valuesText).empty()) {
    while (true) {
      size_t comma = valuesText.find(',');
      tokens.push_back(valuesText.substr(0, comma));
      if (comma == std::string_view::npos)
        break;
      valuesText.remove_prefix(comma + 1);
    }
  }
  bool fill = tokens.size() == 1 && count != 1;
  if (!fill && tokens.size() != count) {
    error = std::to_string(tokens.size()) + " value" +
            (tokens.size() == 1 ? "" : "s") + " for " + std::to_string(count) +
            " element" + (count == 1 ? "" : "s") + " of " +
            std::string(typeText) + " (give " + std::to_string(count) +
            ", or one to fill the tensor)";
    return false;
  }

  out.dtype = type->dtype;
  out.shape = shape;
  out.bytes.assign(byteSize, 0);
  if (fill) {
    uint8_t element[8];
    if (!parseElement(type->dtype, tokens[0], element, error))
      return false;
    for (size_t i = 0; i < count; ++i)
      std::memcpy(out.bytes.data() + i * type->size, element, type->size);
    return true;
  }
  for (size_t i = 0; i < tokens.size(); ++i)
    if (!parseElement(type->dtype, tokens[i], out.bytes.data() + i * type->size,
                      error))
      return false;
  return true;
}

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

static std::string formatFloat(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", value);
  return buffer;
}

std::string formatElement(recur_dtype dtype, const uint8_t *data, size_t i) {
  const ElementType *type = findElementType(dtype);
  if (!type)
    return "?";
  const uint8_t *at = data + i * type->size;
  auto load = [at](auto value) {
    std::memcpy(&value, at, sizeof(value));
    return value;
  };
  switch (dtype) {
  case RECUR_DTYPE_F32:
    return formatFloat(load(float()));
  case RECUR_DTYPE_F64:
    return formatFloat(load(double()));
  case RECUR_DTYPE_F16:
    return formatFloat(halfToFloat(load(uint16_t())));
  case RECUR_DTYPE_BF16:
    return formatFloat(bfloatToFloat(load(uint16_t())));
  case RECUR_DTYPE_I1:
    return *at ? "true" : "false";
  case RECUR_DTYPE_I8:
    return std::to_string(load(int8_t()));
  case RECUR_DTYPE_I16:
    return std::to_string(load(int16_t()));
  case RECUR_DTYPE_I32:
    return std::to_string(load(int32_t()));
  case RECUR_DTYPE_I64:
    return std::to_string(load(int64_t()));
  case RECUR_DTYPE_U8:
    return std::to_string(*at);
  case RECUR_DTYPE_INVALID:
    break;
  }
  return "?";
}

std::string formatValues(recur_dtype dtype, const void *data, size_t count,
                         size_t limit) {
  const auto *bytes = static_cast<const uint8_t *>(data);
  std::string text = "[";
  size_t shown = count < limit ? count : limit;
  for (size_t i = 0; i < shown; ++i)
    text += (i ? ", " : "") + formatElement(dtype, bytes, i);
  if (shown < count)
    text += ", ... " + std::to_string(count - shown) + " more";
  return text + "]";
}

} // namespace recur::run
