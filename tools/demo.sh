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
  "$opt" "$@" |
    /usr/lib/llvm-22/bin/mlir-runner -e main -entry-point-result=void \
      --shared-libs="$libs/libmlir_runner_utils.so,$libs/libmlir_c_runner_utils.so"
}
say() { printf '\n== %s\n' "$*"; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

say "Recur demo. Status: the dialect, the structure analyses and the parallel"
echo "   rewrites work, checked against the sequential reference; recur-compile /"
echo "   recur-run (CPU backend and runtime), GPU code and Newton are not built yet."
echo "   Every step below runs on this machine with recur-opt and mlir-runner."

say "1. A minGRU written as a plain recur.recurrence (examples/mingru.mlir):"
grep -v '^//' "$root/examples/mingru.mlir" | sed -n '/recur.recurrence/,/-> tensor/p'

say "2. What the compiler finds in it (--recur-explain):"
"$opt" "$root/examples/mingru.mlir" --recur-explain -o /dev/null 2>&1 | grep remark

say "3. Its parallel form (--recur-parallelize): one input-projection matmul over"
echo "   all steps, a coefficient map, and a chunked scan (scf.forall over chunks):"
"$opt" "$root/examples/mingru.mlir" --recur-parallelize=chunk-size=64 |
  grep -E 'linalg.matmul|recur.linear_scan|scf.forall \(' | sed 's/^ */   /' |
  cut -c1-150

cat "$root/examples/mingru.mlir" "$root/examples/mingru-main.mlir" > "$tmp/mingru.mlir"
say "4. Executed on the CPU (T=5, B=2, dynamic shapes), sequential reference:"
run "$tmp/mingru.mlir" --recur-reference-to-llvm
say "5. ... and the parallel form (chunks of 2 steps), which must agree:"
run "$tmp/mingru.mlir" --recur-parallel-to-llvm=chunk-size=2

if [ -f "$root/examples/lstm.mlir" ]; then
  say "6. An ONNX-semantics bidirectional LSTM (examples/lstm.mlir) decomposed by"
  echo "   --recur-decompose-cells into one recurrence per direction:"
  "$opt" "$root/examples/lstm.mlir" --recur-decompose-cells |
    grep -E 'recur.recurrence' | sed 's/^ */   /' | cut -c1-150
  "$opt" "$root/examples/lstm.mlir" --recur-decompose-cells --recur-explain \
    -o /dev/null 2>&1 | grep remark | sed 's/^/   /'
  say "7. ... and executed: y_h (final hidden state of each direction):"
  run "$root/examples/lstm.mlir" --recur-parallel-to-llvm
fi

say "Done. Next: bash tools/test.sh runs the whole test suite."
