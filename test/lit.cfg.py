# -*- Python -*-
# The recur lit suite. Tests sit under test/ in folders mirroring the source
# tree; each .mlir file is its own test, with its RUN lines.

import os

import lit.formats
from lit.llvm import llvm_config

config.name = "RECUR"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]  # .test: RUN-only tests (scripts, not IR)
config.excludes = ["lib", "gen", "Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.recur_obj_root, "test")

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.recur_tools_dir, append_path=True)

runner_libs = ",".join(
    os.path.join(config.mlir_runner_utils_dir, lib)
    for lib in ("libmlir_runner_utils.so", "libmlir_c_runner_utils.so"))

# %run-reference: lower the file's recur ops to sequential loops, then to LLVM,
# and execute @main on the CPU.
config.substitutions.append(
    ("%run-reference",
     "recur-opt %s --recur-reference-to-llvm | mlir-runner -e main "
     "-entry-point-result=void --shared-libs=" + runner_libs))
config.substitutions.append(("%mlir-runner-libs", runner_libs))
# %recur-runner: execute @main of LLVM-dialect IR read from stdin, e.g.
#   recur-opt %s --recur-linearize --recur-reference-to-llvm | %recur-runner
config.substitutions.append(
    ("%recur-runner",
     "mlir-runner -e main -entry-point-result=void --shared-libs=" + runner_libs))
# %numcheck: compare printed memrefs with the file's EXPECT lines, within a
# tolerance (see test/lib/numcheck.py).
config.substitutions.append(
    ("%numcheck", config.python_executable + " " +
     os.path.join(config.recur_src_root, "test", "lib", "numcheck.py") + " %s"))

# %npycheck TOL GOT WANT...: compare .npy files (see test/lib/npycheck.py).
config.substitutions.append(
    ("%npycheck", config.python_executable + " " +
     os.path.join(config.recur_src_root, "test", "lib", "npycheck.py")))
# %npyrand OUT SHAPE LOW HIGH SEED: a random float32 .npy (test/lib/npyrand.py).
config.substitutions.append(
    ("%npyrand", config.python_executable + " " +
     os.path.join(config.recur_src_root, "test", "lib", "npyrand.py")))
# %rmod-dump: print a module file's signatures, constants and plans.
config.substitutions.append(
    ("%rmod-dump", config.python_executable + " " +
     os.path.join(config.recur_src_root, "test", "lib", "rmod_dump.py") + " " +
     os.path.join(config.recur_src_root, "runtime", "schema", "module.fbs")))

tools = ["recur-opt", "recur-compile", "mlir-runner"]
llvm_config.add_tool_substitutions(tools, [config.recur_tools_dir, config.llvm_tools_dir])

# recur-run and the embedding example (examples/embed) link only the runtime.
llvm_config.add_tool_substitutions(["recur-run", "recur-embed-example"],
                                   [config.recur_tools_dir])
# Tests that compile a model first say REQUIRES: recur-compile.
import shutil
if shutil.which("recur-compile", path=config.recur_tools_dir):
    config.available_features.add("recur-compile")

# %onnx-pb IN.pb OUT.npy, or %onnx-pb --dir DATA_SET_DIR OUT_DIR: ONNX
# TensorProto files to .npy (see test/lib/onnx_pb.py).
config.substitutions.append(
    ("%onnx-pb", config.python_executable + " " +
     os.path.join(config.recur_src_root, "test", "lib", "onnx_pb.py")))
# The ONNX node tests (test/ONNX/Node) read Debian's libonnx-testdata.
onnx_testdata = "/usr/share/libonnx-testdata/data/node"
if os.path.isdir(onnx_testdata):
    config.available_features.add("onnx-testdata")
config.substitutions.append(("%onnx-node-data", onnx_testdata))

# GPU targets. `ptxas`: the CUDA toolkit's assembler exists (recur-compile
# then assembles every kernel of a cuda target, and fails on an error);
# %ptxas runs it. `cuda-device`: NVIDIA's driver loads and sees a GPU, so
# the end-to-end tests also run on the cuda device (elsewhere they skip
# those lines, and lit prints the note below once).
ptxas = os.environ.get("RECUR_PTXAS") or shutil.which("ptxas") or (
    "/usr/local/cuda/bin/ptxas"
    if os.access("/usr/local/cuda/bin/ptxas", os.X_OK) else None)
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))


def _cuda_device_count():
    import ctypes
    try:
        cuda = ctypes.CDLL(os.environ.get("RECUR_CUDA_DRIVER", "libcuda.so.1"))
        if cuda.cuInit(0) != 0:
            return 0
        count = ctypes.c_int(0)
        if cuda.cuDeviceGetCount(ctypes.byref(count)) != 0:
            return 0
        return count.value
    except OSError:
        return 0


if _cuda_device_count() > 0:
    config.available_features.add("cuda-device")
else:
    lit_config.note("no NVIDIA GPU (or driver) here: end-to-end runs on the "
                    "cuda device are skipped; host and sim run")
