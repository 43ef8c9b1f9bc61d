#!/usr/bin/env bash
# Builds the runtime on its own with AddressSanitizer + UndefinedBehavior-
# Sanitizer (clang-22), runs its unit tests under them (leaks fail too), then
# fuzzes the module loader over runtime/fuzz/corpus for a short while.
# Exits non-zero on any failure; ends with one summary line.
#
#   RECUR_ASAN_BUILD_DIR  build directory (default: build-rt-asan)
#   RECUR_FUZZ_SECONDS    fuzzing time (default: 20)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RECUR_ASAN_BUILD_DIR:-$root/build-rt-asan}"
fuzz_seconds="${RECUR_FUZZ_SECONDS:-20}"
log_dir="$build/sanitize-logs"

san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="exitcode=23"

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

summary=()
failed=""
fail() {
  failed="$failed $1"
  summary+=("$1 FAILED")
  echo "sanitize-runtime: $1 failed; log: $2" >&2
  tail -n 40 "$2" >&2
}

mkdir -p "$log_dir"
start=$SECONDS

# 1. Configure and build (runtime, unit tests, fuzzer).
if ! { cmake -G Ninja -S "$root/runtime" -B "$build" \
        -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
        "${launcher[@]}" \
        -DCMAKE_C_FLAGS="$san -O1" -DCMAKE_CXX_FLAGS="$san -O1" \
        -DCMAKE_EXE_LINKER_FLAGS="$san" \
        -DCMAKE_SHARED_LINKER_FLAGS="$san" \
        -DCMAKE_MODULE_LINKER_FLAGS="$san" \
        -DRECUR_RUNTIME_BUILD_TESTS=ON -DRECUR_RUNTIME_BUILD_FUZZER=ON &&
      ninja -C "$build"; } >"$log_dir/build.log" 2>&1; then
  fail build "$log_dir/build.log"
  echo "sanitize-runtime: FAILED (build) in $((SECONDS - start)) s"
  exit 1
fi
summary+=("build ok")

# 2. Unit tests.
tests_passed=0
for t in RecurRuntimeTests RecurRuntimeInternalTests; do
  exe="$build/tests/$t"
  if [ ! -x "$exe" ]; then
    echo "missing $exe (GoogleTest not found?)" >"$log_dir/$t.log"
    fail "$t" "$log_dir/$t.log"
    continue
  fi
  if "$exe" --gtest_brief=1 >"$log_dir/$t.log" 2>&1; then
    n=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\?\./\1/p' "$log_dir/$t.log")
    tests_passed=$((tests_passed + ${n:-0}))
  else
    fail "$t" "$log_dir/$t.log"
  fi
done
summary+=("$tests_passed unit tests passed")

# 3. Fuzz the loader, starting from the committed corpus; new inputs go to a
#    scratch directory so the committed corpus stays small.
work="$build/fuzz-corpus"
mkdir -p "$work"
if "$build/fuzz/recur_module_fuzzer" -max_total_time="$fuzz_seconds" \
    -timeout=10 -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
    -artifact_prefix="$log_dir/" \
    "$work" "$root/runtime/fuzz/corpus" >"$log_dir/fuzz.log" 2>&1; then
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log_dir/fuzz.log")
  summary+=("fuzzer ran ${runs:-?} inputs in ${fuzz_seconds} s")
else
  fail fuzzer "$log_dir/fuzz.log"
fi

joined=$(printf '%s, ' "${summary[@]}")
joined="${joined%, }"
if [ -n "$failed" ]; then
  echo "sanitize-runtime: FAILED:${failed} ($joined) in $((SECONDS - start)) s"
  exit 1
fi
echo "sanitize-runtime: OK ($joined) in $((SECONDS - start)) s"
