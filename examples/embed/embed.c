/* embed.c - runs a compiled Recur model from C (C99): load the module,
 * create the host device and a session, make the inputs, call the module's
 * first function, read the outputs. Every status is checked and every
 * object released.
 *
 *   cc embed.c -lrecur_runtime -o embed
 *   ./embed mingru.rmod [SIZE]      (every dynamic dimension is SIZE, or 3) */
#include <recur/runtime.h>

#include <stdio.h>
#include <stdlib.h>

enum { MAX_PARAMS = 16, MAX_RANK = 8, SHOWN = 8 };

/* True on success; otherwise prints the status and frees it. */
static int ok(recur_status status) {
  int failed = status != NULL;
  if (failed) {
    fprintf(stderr, "embed: %s\n", recur_status_get_message(status));
    recur_status_free(status);
  }
  return !failed;
}

/* The inputs of function 0: dynamic sizes become `size`; f32 elements
 * follow a fixed pattern, other element types stay zero. */
static int make_inputs(const recur_module *module, int64_t size,
                       recur_tensor **inputs) {
  if (recur_function_input_count(module, 0) > MAX_PARAMS ||
      recur_function_output_count(module, 0) > MAX_PARAMS) {
    fprintf(stderr, "embed: too many inputs or outputs\n");
    return 0;
  }
  for (size_t i = 0; i < recur_function_input_count(module, 0); ++i) {
    recur_param_info info;
    int64_t shape[MAX_RANK];
    if (!ok(recur_function_input_info(module, 0, i, &info)))
      return 0;
    if (info.rank > MAX_RANK) {
      fprintf(stderr, "embed: input %s has rank %d\n", info.name, info.rank);
      return 0;
    }
    for (int32_t d = 0; d < info.rank; ++d)
      shape[d] = info.shape[d] < 0 ? size : info.shape[d];
    if (!ok(recur_tensor_create(info.dtype, info.rank, shape, &inputs[i])))
      return 0;
    if (info.dtype == RECUR_DTYPE_F32) {
      float *data = recur_tensor_data(inputs[i]);
      for (size_t k = 0; k < recur_tensor_element_count(inputs[i]); ++k)
        data[k] = (float)((k * 7 + i) % 11) / 11.0f - 0.5f;
    }
  }
  return 1;
}

/* Prints each output's name, shape and first values. */
static int print_outputs(const recur_module *module, recur_tensor **outputs) {
  for (size_t i = 0; i < recur_function_output_count(module, 0); ++i) {
    recur_param_info info;
    recur_dtype dtype = recur_tensor_dtype(outputs[i]);
    const int64_t *shape = recur_tensor_shape(outputs[i]);
    if (!ok(recur_function_output_info(module, 0, i, &info)))
      return 0;
    printf("output %zu (%s): ", i, info.name);
    for (int32_t d = 0; d < recur_tensor_rank(outputs[i]); ++d)
      printf("%lldx", (long long)shape[d]);
    printf("%s", recur_dtype_name(dtype));
    for (size_t k = 0; dtype == RECUR_DTYPE_F32 && k < SHOWN &&
                       k < recur_tensor_element_count(outputs[i]);
         ++k)
      printf(" %g", ((const float *)recur_tensor_data(outputs[i]))[k]);
    printf("\n");
  }
  return 1;
}

int main(int argc, char **argv) {
  recur_module *module = NULL;
  recur_device *device = NULL;
  recur_session *session = NULL;
  recur_tensor *inputs[MAX_PARAMS] = {NULL}, *outputs[MAX_PARAMS] = {NULL};
  int64_t size = argc > 2 ? atoll(argv[2]) : 3;
  int success;
  if (argc < 2 || size < 0) {
    fprintf(stderr, "usage: embed MODULE.rmod [SIZE]\n");
    return 2;
  }

  success =
      ok(recur_module_load_file(argv[1], &module)) &&
      ok(recur_device_create("host", NULL, &device)) &&
      ok(recur_session_create(device, module, &session)) &&
      make_inputs(module, size, inputs) &&
      ok(recur_session_call(session, recur_module_function_name(module, 0),
                            inputs, recur_function_input_count(module, 0),
                            outputs, recur_function_output_count(module, 0))) &&
      print_outputs(module, outputs);

  for (size_t i = 0; i < MAX_PARAMS; ++i) {
    recur_tensor_release(inputs[i]);
    recur_tensor_release(outputs[i]);
  }
  recur_session_release(session);
  recur_device_release(device);
  recur_module_release(module);
  return success ? 0 : 1;
}
