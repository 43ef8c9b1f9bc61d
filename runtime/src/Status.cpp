//===- Status.cpp - status objects and message helpers --------------------===//
//
// A status is a code and a message. Creating one never throws: when even
// that allocation fails, the caller gets a static out-of-memory status that
// recur_status_free ignores.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <cstdio>
#include <new>

using namespace recur::rt;

namespace {
/// Returned when a status itself cannot be allocated. Never freed.
recur_status_s kOutOfMemory{RECUR_OUT_OF_MEMORY, std::string()};
} // namespace

recur_status recur::rt::makeStatus(recur_status_code code,
                                   std::string message) noexcept {
  auto *status = new (std::nothrow) recur_status_s;
  if (!status)
    return &kOutOfMemory;
  status->code = code;
  status->message = std::move(message);
  return status;
}

recur_status recur::rt::outOfMemoryStatus() noexcept {
  return makeStatus(RECUR_OUT_OF_MEMORY, "out of memory");
}

recur_status recur::rt::prefixStatus(recur_status status,
                                     std::string_view prefix) {
  if (!status || status == &kOutOfMemory)
    return status;
  status->message.insert(0, std::string(prefix));
  return status;
}

std::string recur::rt::quote(std::string_view name) {
  constexpr size_t kMaxShown = 80;
  std::string out = "'";
  size_t shown = 0;
  for (char c : name) {
    if (shown++ == kMaxShown) {
      out += "...";
      break;
    }
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '\'' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  out += "'";
  return out;
}

std::string recur::rt::shapeString(const int64_t *shape, size_t rank) {
  if (rank == 0)
    return "scalar";
  std::string out;
  for (size_t i = 0; i < rank; ++i) {
    if (i)
      out += 'x';
    out += shape[i] < 0 ? std::string("?") : std::to_string(shape[i]);
  }
  return out;
}

//===----------------------------------------------------------------------===//
// C API
//===----------------------------------------------------------------------===//

recur_status_code recur_status_get_code(recur_status status) {
  return status ? status->code : RECUR_OK;
}

const char *recur_status_get_message(recur_status status) {
  if (!status)
    return "";
  if (status == &kOutOfMemory)
    return "out of memory";
  return status->message.c_str();
}

void recur_status_free(recur_status status) {
  if (status != &kOutOfMemory)
    delete status;
}

const char *recur_status_code_name(recur_status_code code) {
  switch (rawEnum(code)) {
  case RECUR_OK:
    return "OK";
  case RECUR_INVALID_ARGUMENT:
    return "INVALID_ARGUMENT";
  case RECUR_INVALID_MODULE:
    return "INVALID_MODULE";
  case RECUR_NOT_FOUND:
    return "NOT_FOUND";
  case RECUR_UNAVAILABLE:
    return "UNAVAILABLE";
  case RECUR_OUT_OF_MEMORY:
    return "OUT_OF_MEMORY";
  case RECUR_IO_ERROR:
    return "IO_ERROR";
  case RECUR_INTERNAL:
    return "INTERNAL";
  }
  return "UNKNOWN";
}
