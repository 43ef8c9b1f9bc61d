#!/usr/bin/env bash
# The demo command: installs what is missing, builds, and walks an example
# model through Recur. Today that means the recur dialect and its sequential
# reference lowering, executed with MLIR's own mlir-runner; recur-compile and
# recur-run (the CPU backend, issue 4) do not exist yet, and the demo says so.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RECUR_BUILD_DIR:-$root/build}"

"$root/tools/install-deps.sh"
mkdir -p "$build"
"$root/tools/build.sh" > "$build/demo-build.log" 2>&1 ||
  { cat "$build/demo-build.log"; exit 1; }

opt="$build/bin/recur-opt"
libs=/usr/lib/llvm-22/lib
run() {
  "$opt" "$@" --recur-reference-to-llvm |
    /usr/lib/llvm-22/bin/mlir-runner -e main -entry-point-result=void \
      --shared-libs="$libs/libmlir_runner_utils.so,$libs/libmlir_c_runner_utils.so"
}
say() { printf '\n== %s\n' "$*"; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

say "Recur demo. Status: dialect, verifiers, cell decomposition and the"
echo "   sequential reference lowering work; recur-compile/recur-run (CPU backend),"
echo "   the parallel scan rewrites, GPU and Newton are not built yet. Every step"
echo "   below runs on this machine with recur-opt and mlir-runner."

say "1. A minGRU written as a plain recur.recurrence (examples/mingru.mlir):"
grep -v '^//' "$root/examples/mingru.mlir" | sed -n '/recur.recurrence/,/-> tensor/p'

say "2. recur-opt --recur-lower-to-loops gives its exact sequential meaning:"
"$opt" "$root/examples/mingru.mlir" --recur-lower-to-loops |
  grep -E 'scf.for|extract_slice|insert_slice|scf.yield' | sed 's/^ */   /'

say "3. Executed on the CPU (T=5, B=2, dynamic shapes); final state, then all steps:"
cat "$root/examples/mingru.mlir" "$root/examples/mingru-main.mlir" > "$tmp/mingru.mlir"
run "$tmp/mingru.mlir"

if [ -f "$root/examples/lstm.mlir" ]; then
  say "4. An ONNX-semantics bidirectional LSTM (examples/lstm.mlir) decomposed by"
  echo "   --recur-decompose-cells into one recurrence per direction:"
  "$opt" "$root/examples/lstm.mlir" --recur-decompose-cells |
    grep -E 'recur.recurrence|linalg.matmul|math.tanh|reverse' | sed 's/^ */   /' | head -20
  say "5. ... and executed: y_h (final hidden state of each direction):"
  run "$root/examples/lstm.mlir"
fi

say "Done. Next: bash tools/test.sh runs the whole test suite."
