//===- Npy.cpp - NumPy .npy files for recur-run ---------------------------===//
//
// A .npy file is a magic string, a version, a header length, a header that
// is a Python dict literal ({'descr': '<f4', 'fortran_order': False,
// 'shape': (2, 3), }) and the raw data. The header parser accepts exactly
// that literal grammar: strings, True/False and tuples of integers.
//
//===----------------------------------------------------------------------===//

#include "tools/recur-run/Npy.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>

namespace recur::run {

static const char kMagic[] = "\x93NUMPY";
static const size_t kMagicSize = 6;
// numpy's own limit on the number of dimensions.
static const size_t kMaxRank = 64;

/// Text from a file made safe for a one-line message: bytes outside
/// printable ASCII become \xNN.
static std::string printable(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f) {
      out += char(c);
      continue;
    }
    char escaped[5];
    std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
    out += escaped;
  }
  return out;
}

namespace {

/// The fields of a header dict.
struct NpyHeader {
  std::optional<std::string> descr;
  std::optional<bool> fortranOrder;
  std::optional<std::vector<int64_t>> shape;
};

/// Parses the header dict literal; errors say what was expected where.
class HeaderParser {
public:
  explicit HeaderParser(std::string_view text) : text(text) {}

  bool parse(NpyHeader &header, std::string &error) {
    if (!expect('{', error))
      return false;
    while (true) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      if (!parseString(key, error) || !expect(':', error))
        return false;
      if (key == "descr") {
        skipSpace();
        if (peek() == '[')
          return fail("structured dtypes are not supported", error);
        std::string descr;
        if (!parseString(descr, error))
          return false;
        header.descr = descr;
      } else if (key == "fortran_order") {
        bool value;
        if (!parseBool(value, error))
          return false;
        header.fortranOrder = value;
      } else if (key == "shape") {
        std::vector<int64_t> shape;
        if (!parseShape(shape, error))
          return false;
        header.shape = shape;
      } else {
        return fail("unexpected key '" + printable(key) + "'", error);
      }
      skipSpace();
      if (consume('}'))
        break;
      if (!expect(',', error))
        return false;
    }
    skipSpace();
    if (pos != text.size())
      return fail("unexpected text after the dict", error);
    const char *missing = !header.descr          ? "descr"
                          : !header.fortranOrder ? "fortran_order"
                          : !header.shape        ? "shape"
                                                 : nullptr;
    if (missing)
      return fail(std::string("no '") + missing + "' key", error);
    return true;
  }

private:
  std::string_view text;
  size_t pos = 0;

  char peek() const { return pos < text.size() ? text[pos] : '\0'; }
  void skipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' ||
                                 text[pos] == '\n' || text[pos] == '\r'))
      ++pos;
  }
  bool consume(char c) {
    if (peek() != c)
      return false;
    ++pos;
    return true;
  }
  bool fail(const std::string &what, std::string &error) const {
    error = "malformed .npy header: " + what;
    return false;
  }
  bool expect(char c, std::string &error) {
    skipSpace();
    if (consume(c))
      return true;
    return fail(std::string("expected '") + c + "' at offset " +
                    std::to_string(pos),
                error);
  }
  bool parseString(std::string &out, std::string &error) {
    skipSpace();
    char quote = peek();
    if (quote != '\'' && quote != '"')
      return fail("expected a string at offset " + std::to_string(pos), error);
    size_t end = text.find(quote, pos + 1);
    if (end == std::string_view::npos)
      return fail("unterminated string", error);
    out = std::string(text.substr(pos + 1, end - pos - 1));
    pos = end + 1;
    return true;
  }
  bool parseBool(bool &out, std::string &error) {
    skipSpace();
    for (bool value : {true, false}) {
      std::string_view word = value ? "True" : "False";
      if (text.substr(pos, word.size()) == word) {
        pos += word.size();
        out = value;
        return true;
      }
    }
    return fail("'fortran_order' is not True or False", error);
  }
  bool parseShape(std::vector<int64_t> &shape, std::string &error) {
    if (!expect('(', error))
      return false;
    while (true) {
      skipSpace();
      if (consume(')'))
        return true;
      if (peek() < '0' || peek() > '9')
        return fail("'shape' is not a tuple of non-negative integers", error);
      int64_t dim = 0;
      while (peek() >= '0' && peek() <= '9') {
        int64_t digit = peek() - '0';
        if (dim > (INT64_MAX - digit) / 10)
          return fail("a dimension of 'shape' is too large", error);
        dim = dim * 10 + digit;
        ++pos;
      }
      if (shape.size() == kMaxRank)
        return fail("'shape' has more than " + std::to_string(kMaxRank) +
                        " dimensions",
                    error);
      shape.push_back(dim);
      skipSpace();
      if (consume(')'))
        return true;
      if (!expect(',', error))
        return false;
    }
  }
};

} // namespace

static std::string formatNpyShape(const std::vector<int64_t> &shape) {
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

/// The element type of a descr such as '<f4'; sets error when there is none.
static const ElementType *parseDescr(const std::string &descr,
                                     std::string &error) {
  // The byte-order mark matters only for multi-byte types.
  char order = descr.empty() ? '\0' : descr[0];
  std::string_view code(descr);
  if (order == '<' || order == '>' || order == '=' || order == '|')
    code.remove_prefix(1);
  for (const ElementType &type : elementTypes()) {
    if (!type.npyDescr || code != std::string_view(type.npyDescr + 1))
      continue;
    if (order == '>' && type.size > 1) {
      error = "big-endian dtype '" + descr +
              "' is not supported; save the array as little-endian "
              "(arr.astype('" +
              type.npyDescr + "'))";
      return nullptr;
    }
    return &type;
  }
  error = "dtype '" + printable(descr) + "' is not supported; supported:";
  for (const ElementType &type : elementTypes())
    if (type.npyDescr)
      error += std::string(" ") + type.npyDescr;
  return nullptr;
}

bool parseNpy(const uint8_t *data, size_t size, HostArray &out,
              std::string &error) {
  if (size == 0) {
    error = "not a .npy file (it is empty)";
    return false;
  }
  if (size < kMagicSize || std::memcmp(data, kMagic, kMagicSize) != 0) {
    error = "not a .npy file (it does not start with \\x93NUMPY)";
    return false;
  }
  if (size < kMagicSize + 2) {
    error = "truncated .npy file (no format version)";
    return false;
  }
  unsigned major = data[6], minor = data[7];
  if (major < 1 || major > 3 || minor != 0) {
    error = "unsupported .npy format version " + std::to_string(major) + "." +
            std::to_string(minor) + " (expected 1.0, 2.0 or 3.0)";
    return false;
  }
  // 1.0 has a 2-byte header length, 2.0 and 3.0 a 4-byte one.
  size_t lengthBytes = major == 1 ? 2 : 4;
  size_t headerStart = kMagicSize + 2 + lengthBytes;
  if (size < headerStart) {
    error = "truncated .npy file (no header length)";
    return false;
  }
  size_t headerLength = 0;
  for (size_t i = 0; i < lengthBytes; ++i)
    headerLength |= size_t(data[kMagicSize + 2 + i]) << (8 * i);
  if (headerLength > size - headerStart) {
    error = "the header length (" + std::to_string(headerLength) +
            " bytes) runs past the end of the file (" + std::to_string(size) +
            " bytes)";
    return false;
  }

  NpyHeader header;
  std::string_view text(reinterpret_cast<const char *>(data) + headerStart,
                        headerLength);
  if (!HeaderParser(text).parse(header, error))
    return false;
  const ElementType *type = parseDescr(*header.descr, error);
  if (!type)
    return false;
  if (*header.fortranOrder) {
    error = "Fortran-order arrays are not supported; save "
            "np.ascontiguousarray(arr)";
    return false;
  }

  // The data must be exactly what the header announces.
  const std::vector<int64_t> &shape = *header.shape;
  size_t dataStart = headerStart + headerLength;
  size_t dataSize = size - dataStart;
  size_t expected = type->size;
  bool overflow = false;
  for (int64_t dim : shape)
    overflow |= __builtin_mul_overflow(expected, size_t(dim), &expected);
  if (overflow || expected != dataSize) {
    error = "the header announces shape " + formatNpyShape(shape) + " of '" +
            *header.descr + "' (" +
            (overflow ? std::string("over 2^64") : std::to_string(expected)) +
            " bytes) but the file holds " + std::to_string(dataSize) +
            " bytes of data";
    return false;
  }
  const uint8_t *values = data + dataStart;
  if (type->dtype == RECUR_DTYPE_I1)
    for (size_t i = 0; i < dataSize; ++i)
      if (values[i] > 1) {
        error = "boolean element " + std::to_string(i) + " is " +
                std::to_string(values[i]) + ", not 0 or 1";
        return false;
      }

  out.dtype = type->dtype;
  out.shape = shape;
  out.bytes.assign(values, values + dataSize);
  return true;
}

static bool readFile(const std::string &path, std::vector<uint8_t> &bytes,
                     std::string &error) {
  FILE *file = std::fopen(path.c_str(), "rb");
  if (!file) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  // Reading in chunks also works for pipes (--input=@/dev/stdin).
  uint8_t chunk[1 << 16];
  size_t count;
  while ((count = std::fread(chunk, 1, sizeof(chunk), file)) > 0)
    bytes.insert(bytes.end(), chunk, chunk + count);
  bool failed = std::ferror(file);
  int readErrno = errno;
  std::fclose(file);
  if (failed) {
    error = "cannot read '" + path + "': " + std::strerror(readErrno);
    return false;
  }
  return true;
}

bool readNpy(const std::string &path, HostArray &out, std::string &error) {
  std::vector<uint8_t> bytes;
  if (!readFile(path, bytes, error))
    return false;
  if (!parseNpy(bytes.data(), bytes.size(), out, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

bool writeNpy(const std::string &path, recur_dtype dtype, const int64_t *shape,
              int32_t rank, const void *data, size_t byteSize,
              std::string &error) {
  const ElementType *type = findElementType(dtype);
  if (!type || !type->npyDescr) {
    error = std::string("cannot write ") + (type ? type->name : "invalid") +
            " data to '" + path + "': NumPy has no such dtype";
    return false;
  }
  std::vector<int64_t> dims(shape, shape + rank);
  std::string header =
      std::string("{'descr': '") + type->npyDescr +
      "', 'fortran_order': False, 'shape': " + formatNpyShape(dims) + ", }";
  // numpy pads the header with spaces and a newline so that the data starts
  // at a multiple of 64 bytes.
  bool version1 = header.size() + 1 + 63 <= 0xffff;
  size_t prefix = kMagicSize + 2 + (version1 ? 2 : 4);
  size_t padded = (prefix + header.size() + 1 + 63) / 64 * 64 - prefix;
  header.append(padded - header.size() - 1, ' ');
  header += '\n';

  std::string start(kMagic, kMagicSize);
  start += char(version1 ? 1 : 2);
  start += char(0);
  for (size_t i = 0; i < (version1 ? 2u : 4u); ++i)
    start += char((header.size() >> (8 * i)) & 0xff);
  start += header;

  FILE *file = std::fopen(path.c_str(), "wb");
  if (!file) {
    error = "cannot write '" + path + "': " + std::strerror(errno);
    return false;
  }
  errno = 0;
  bool ok = std::fwrite(start.data(), 1, start.size(), file) == start.size() &&
            (byteSize == 0 || std::fwrite(data, 1, byteSize, file) == byteSize);
  int writeErrno = errno;
  if (std::fclose(file) != 0 && ok) {
    ok = false;
    writeErrno = errno;
  }
  if (!ok) {
    error = "cannot write '" + path + "': " + std::strerror(writeErrno);
    std::remove(path.c_str());
    return false;
  }
  return true;
}

} // namespace recur::run
