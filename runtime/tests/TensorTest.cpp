//===- TensorTest.cpp - statuses, dtypes and tensors ----------------------===//

#include "TestUtil.h"

#include <cstring>

using namespace recur::test;

TEST(StatusTest, NullStatusIsOk) {
  EXPECT_EQ(recur_status_get_code(nullptr), RECUR_OK);
  EXPECT_STREQ(recur_status_get_message(nullptr), "");
  recur_status_free(nullptr);
}

TEST(StatusTest, CodeNames) {
  EXPECT_STREQ(recur_status_code_name(RECUR_OK), "OK");
  EXPECT_STREQ(recur_status_code_name(RECUR_INVALID_MODULE), "INVALID_MODULE");
  EXPECT_STREQ(recur_status_code_name(RECUR_INTERNAL), "INTERNAL");
  EXPECT_STREQ(recur_status_code_name(static_cast<recur_status_code>(99)),
               "UNKNOWN");
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  recur_tensor *t = nullptr;
  recur_status s = recur_tensor_create(RECUR_DTYPE_INVALID, 0, nullptr, &t);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(recur_status_get_code(s), RECUR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(recur_status_get_message(s)).find("invalid dtype 0"),
            std::string::npos);
  recur_status_free(s);
  EXPECT_EQ(t, nullptr);
}

TEST(DTypeTest, SizesAndNames) {
  EXPECT_EQ(recur_dtype_size(RECUR_DTYPE_F32), 4u);
  EXPECT_EQ(recur_dtype_size(RECUR_DTYPE_F64), 8u);
  EXPECT_EQ(recur_dtype_size(RECUR_DTYPE_F16), 2u);
  EXPECT_EQ(recur_dtype_size(RECUR_DTYPE_BF16), 2u);
  EXPECT_EQ(recur_dtype_size(RECUR_DTYPE_I1), 1u);
  EXPECT_EQ(recur_dtype_size(RECUR_DTYPE_I8), 1u);
  EXPECT_EQ(recur_dtype_size(RECUR_DTYPE_I16), 2u);
  EXPECT_EQ(recur_dtype_size(RECUR_DTYPE_I32), 4u);
  EXPECT_EQ(recur_dtype_size(RECUR_DTYPE_I64), 8u);
  EXPECT_EQ(recur_dtype_size(RECUR_DTYPE_U8), 1u);
  EXPECT_EQ(recur_dtype_size(RECUR_DTYPE_INVALID), 0u);
  EXPECT_EQ(recur_dtype_size(static_cast<recur_dtype>(77)), 0u);
  EXPECT_STREQ(recur_dtype_name(RECUR_DTYPE_BF16), "bf16");
  EXPECT_STREQ(recur_dtype_name(RECUR_DTYPE_U8), "u8");
  EXPECT_STREQ(recur_dtype_name(static_cast<recur_dtype>(77)), "invalid");
}

TEST(TensorTest, CreateIsZeroFilledAndOwned) {
  int64_t shape[] = {2, 3, 5};
  recur_tensor *t = nullptr;
  ASSERT_OK(recur_tensor_create(RECUR_DTYPE_F64, 3, shape, &t));
  EXPECT_EQ(recur_tensor_dtype(t), RECUR_DTYPE_F64);
  EXPECT_EQ(recur_tensor_rank(t), 3);
  EXPECT_EQ(recur_tensor_shape(t)[2], 5);
  EXPECT_EQ(recur_tensor_element_count(t), 30u);
  EXPECT_EQ(recur_tensor_byte_size(t), 240u);
  auto *data = static_cast<unsigned char *>(recur_tensor_data(t));
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(data) % 64, 0u);
  for (size_t i = 0; i < 240; ++i)
    ASSERT_EQ(data[i], 0);
  recur_tensor_release(t);
}

TEST(TensorTest, ScalarAndZeroSize) {
  recur_tensor *t = nullptr;
  ASSERT_OK(recur_tensor_create(RECUR_DTYPE_I32, 0, nullptr, &t));
  EXPECT_EQ(recur_tensor_element_count(t), 1u);
  EXPECT_EQ(recur_tensor_byte_size(t), 4u);
  recur_tensor_release(t);

  int64_t shape[] = {4, 0, 7};
  ASSERT_OK(recur_tensor_create(RECUR_DTYPE_F32, 3, shape, &t));
  EXPECT_EQ(recur_tensor_element_count(t), 0u);
  EXPECT_EQ(recur_tensor_byte_size(t), 0u);
  recur_tensor_release(t);

  // Wrapping nothing, with any pointer, works too.
  ASSERT_OK(recur_tensor_wrap(RECUR_DTYPE_F32, 3, shape, nullptr, 0, &t));
  recur_tensor_release(t);
}

TEST(TensorTest, WrapUsesCallerMemory) {
  float values[6] = {1, 2, 3, 4, 5, 6};
  int64_t shape[] = {2, 3};
  recur_tensor *t = nullptr;
  ASSERT_OK(
      recur_tensor_wrap(RECUR_DTYPE_F32, 2, shape, values, sizeof(values), &t));
  EXPECT_EQ(recur_tensor_data(t), values);
  recur_tensor_release(t); // must not free `values`
  EXPECT_EQ(values[5], 6);
}

TEST(TensorTest, InvalidArguments) {
  recur_tensor *t = nullptr;
  int64_t shape[17] = {};
  for (int64_t &d : shape)
    d = 1;
  EXPECT_ERROR(recur_tensor_create(static_cast<recur_dtype>(11), 1, shape, &t),
               RECUR_INVALID_ARGUMENT, "invalid dtype 11");
  EXPECT_ERROR(recur_tensor_create(RECUR_DTYPE_F32, -1, shape, &t),
               RECUR_INVALID_ARGUMENT, "rank -1 is out of range");
  EXPECT_ERROR(recur_tensor_create(RECUR_DTYPE_F32, 17, shape, &t),
               RECUR_INVALID_ARGUMENT, "rank 17 is out of range");
  EXPECT_ERROR(recur_tensor_create(RECUR_DTYPE_F32, 2, nullptr, &t),
               RECUR_INVALID_ARGUMENT, "shape is NULL");
  int64_t negative[] = {3, -2};
  EXPECT_ERROR(recur_tensor_create(RECUR_DTYPE_F32, 2, negative, &t),
               RECUR_INVALID_ARGUMENT, "dimension 1 is -2");
  int64_t huge[] = {INT64_MAX, INT64_MAX};
  EXPECT_ERROR(recur_tensor_create(RECUR_DTYPE_F32, 2, huge, &t),
               RECUR_INVALID_ARGUMENT, "overflows");
  int64_t big[] = {int64_t(1) << 62};
  EXPECT_ERROR(recur_tensor_create(RECUR_DTYPE_F32, 1, big, &t),
               RECUR_INVALID_ARGUMENT, "overflows");
  EXPECT_ERROR(recur_tensor_create(RECUR_DTYPE_F32, 0, nullptr, nullptr),
               RECUR_INVALID_ARGUMENT, "out is NULL");
  EXPECT_EQ(t, nullptr);

  float values[4];
  int64_t four[] = {4};
  EXPECT_ERROR(recur_tensor_wrap(RECUR_DTYPE_F32, 1, four, values, 12, &t),
               RECUR_INVALID_ARGUMENT,
               "byte_size is 12 but shape 4 of f32 needs 16");
  EXPECT_ERROR(recur_tensor_wrap(RECUR_DTYPE_F32, 1, four, nullptr, 16, &t),
               RECUR_INVALID_ARGUMENT, "data is NULL");
  EXPECT_EQ(t, nullptr);
}

TEST(TensorTest, NullHandles) {
  recur_tensor_release(nullptr);
  EXPECT_EQ(recur_tensor_rank(nullptr), 0);
  EXPECT_EQ(recur_tensor_data(nullptr), nullptr);
  EXPECT_EQ(recur_tensor_byte_size(nullptr), 0u);
}
