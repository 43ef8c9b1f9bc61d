//===- TestUtil.h - helpers shared by the runtime's unit tests --*- C++ -*-===//

#ifndef RECUR_RUNTIME_TESTS_TESTUTIL_H
#define RECUR_RUNTIME_TESTS_TESTUTIL_H

#include "ModuleBuilder.h"
#include "recur/runtime.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace recur::test {

/// Passes when `status` is NULL; frees it.
inline ::testing::AssertionResult isOk(recur_status status) {
  if (!status)
    return ::testing::AssertionSuccess();
  auto result = ::testing::AssertionFailure()
                << recur_status_code_name(recur_status_get_code(status)) << ": "
                << recur_status_get_message(status);
  recur_status_free(status);
  return result;
}

/// Passes when `status` has `code` and a message containing `text`; frees it.
inline ::testing::AssertionResult
isError(recur_status status, recur_status_code code, const std::string &text) {
  if (!status)
    return ::testing::AssertionFailure()
           << "succeeded; expected " << recur_status_code_name(code)
           << " with '" << text << "'";
  recur_status_code got = recur_status_get_code(status);
  std::string message = recur_status_get_message(status);
  recur_status_free(status);
  if (got != code || message.find(text) == std::string::npos)
    return ::testing::AssertionFailure()
           << "got " << recur_status_code_name(got) << ": " << message
           << "\nexpected " << recur_status_code_name(code)
           << " containing: " << text;
  return ::testing::AssertionSuccess();
}

#define EXPECT_OK(expr) EXPECT_TRUE(::recur::test::isOk(expr))
#define ASSERT_OK(expr) ASSERT_TRUE(::recur::test::isOk(expr))
#define EXPECT_ERROR(expr, code, text)                                         \
  EXPECT_TRUE(::recur::test::isError((expr), (code), (text)))

/// unique_ptrs over the C handles.
struct ModuleDeleter {
  void operator()(recur_module *m) const { recur_module_release(m); }
};
struct DeviceDeleter {
  void operator()(recur_device *d) const { recur_device_release(d); }
};
struct SessionDeleter {
  void operator()(recur_session *s) const { recur_session_release(s); }
};
struct TensorDeleter {
  void operator()(recur_tensor *t) const { recur_tensor_release(t); }
};
using ModulePtr = std::unique_ptr<recur_module, ModuleDeleter>;
using DevicePtr = std::unique_ptr<recur_device, DeviceDeleter>;
using SessionPtr = std::unique_ptr<recur_session, SessionDeleter>;
using TensorPtr = std::unique_ptr<recur_tensor, TensorDeleter>;

/// The fake kernels shared object (fake_kernels.c), read once.
inline const std::vector<uint8_t> &fakeKernels() {
  static const std::vector<uint8_t> bytes =
      readFileBytes(RECUR_FAKE_KERNELS_PATH);
  return bytes;
}

/// A small stand-in for a binary, for modules that are never run.
inline std::vector<uint8_t> stubBinary() {
  std::vector<uint8_t> b = {0x7f, 'E', 'L', 'F', 's', 't', 'u', 'b'};
  b.resize(64, 0);
  return b;
}

} // namespace recur::test

#endif // RECUR_RUNTIME_TESTS_TESTUTIL_H
