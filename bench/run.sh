#!/usr/bin/env bash
# Builds recur-compile and recur-bench, compiles each model of bench/models
# with each strategy that applies to it, and runs recur-bench: one table of
# compiled module against hand-written loop (docs/benchmarks.md). A few
# minutes on a 2-core machine.
#
#   bench/run.sh [recur-bench options, e.g. --min-time=0.2 --sizes=1024x1]
#
# RECUR_BUILD_DIR picks the build directory (default build/);
# RECUR_COMPILE_FLAGS adds recur-compile options (e.g. --chunk-size=128).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RECUR_BUILD_DIR:-$root/build}"

# Configure and build everything the first time; afterwards only the two
# tools this needs.
if [ ! -f "$build/build.ninja" ]; then
  "$root/tools/build.sh"
fi
if ! ninja -C "$build" recur-compile recur-bench >"$build/bench-build.log" 2>&1; then
  cat "$build/bench-build.log"
  if grep -q "unknown target 'recur-bench'" "$build/bench-build.log"; then
    echo "run.sh: the top-level CMakeLists.txt needs add_subdirectory(bench)" >&2
  fi
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

modules=()
compile() { # MODEL STRATEGY
  local out="$tmp/$1-$2.rmod"
  # shellcheck disable=SC2086 # RECUR_COMPILE_FLAGS is a list of options
  "$build/bin/recur-compile" "$root/bench/models/$1.mlir" -o "$out" \
    --strategy="$2" ${RECUR_COMPILE_FLAGS:-}
  modules+=("$1:$2=$out")
}
# The affine models both ways (the scan and the step-by-step loop the
# compiler would otherwise emit); the LSTM is nonlinear: sequential only.
compile mingru scan
compile mingru sequential
compile mamba scan
compile mamba sequential
compile lstm sequential
# A nonlinear cell with a diagonal Jacobian: step by step, and by Newton's
# method (recur-bench adds a table of its work and depth).
compile gru_diag sequential
compile gru_diag newton

echo "recur-bench on $(nproc) cores, $(date -u +%Y-%m-%d)"
"$build/bin/recur-bench" "$@" "${modules[@]}"
