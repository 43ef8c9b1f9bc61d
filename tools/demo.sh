#!/usr/bin/env bash
# The demo command: installs what is missing, builds, and walks an example
# model through Recur: recur-compile writes a module, recur-run and a small C
# program run it on this CPU with the runtime.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RECUR_BUILD_DIR:-$root/build}"

"$root/tools/install-deps.sh"
mkdir -p "$build"
"$root/tools/build.sh" > "$build/demo-build.log" 2>&1 ||
  { cat "$build/demo-build.log"; exit 1; }

say() { printf '\n== %s\n' "$*"; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

compile="$build/bin/recur-compile"
runm="$build/bin/recur-run"

say "Recur demo: compile a recurrent model to a module file and run it on this"
echo "   CPU with the runtime. Works today: the dialect, the structure analyses,"
echo "   the parallel rewrites, recur-compile (MLIR or ONNX in; host, sim and cuda"
echo "   targets), the runtime (host, sim and cuda devices) and recur-run."
echo "   Not yet: tuned GPU kernels, Newton."

say "1. A minGRU written as a plain recur.recurrence (examples/mingru.mlir):"
grep -v '^//' "$root/examples/mingru.mlir" | sed -n '/recur.recurrence/,/-> tensor/p'

say "2. recur-compile --explain: what the compiler finds, and the module it writes"
echo "   (auto: the affine recurrence becomes a chunked parallel scan):"
"$compile" "$root/examples/mingru.mlir" --explain -o "$tmp/mingru.rmod" |
  sed "s|$root/||; s/^/   /"
"$compile" "$root/examples/mingru.mlir" --strategy=sequential \
  -o "$tmp/mingru-seq.rmod"
ls -l "$tmp/mingru.rmod" "$tmp/mingru-seq.rmod" | awk '{print "   " $5 " bytes  " $NF}' |
  sed "s|$tmp/||"

# T=5, B=2, I=3, H=4: x, h0, Wz, Wh.
inputs=(--input="5x2x3xf32=$(seq -s, -1.45 0.1 1.5)"
        --input="2x4xf32=$(seq -s, -0.35 0.1 0.4)"
        --input="3x4xf32=$(seq -s, -0.55 0.1 0.6)"
        --input="3x4xf32=$(seq -s, 0.6 -0.1 -0.5)")
say "3. recur-run on the host (T=5, B=2; T and B are dynamic in the module):"
echo "   parallel scan:"
"$runm" "$tmp/mingru.rmod" "${inputs[@]}" | sed 's/^/   /'
echo "   sequential strategy, which must agree:"
"$runm" "$tmp/mingru-seq.rmod" "${inputs[@]}" | sed 's/^/   /'

say "4. The same module with T=4096, B=8 (--benchmark=5: min/median/max):"
"$runm" "$tmp/mingru.rmod" --input=4096x8x3xf32=0.5 --input=8x4xf32=0 \
  --input=3x4xf32=0.1 --input=3x4xf32=0.2 --output=@"$tmp/y0.npy" \
  --output=@"$tmp/y1.npy" --benchmark=5 | sed 's/^/   /'

say "5. Embedding: examples/embed/embed.c links only librecur_runtime:"
"$build/bin/recur-embed-example" "$tmp/mingru.rmod" 2>&1 | sed 's/^/   /'

say "6. A bidirectional ONNX LSTM cell (examples/lstm.mlir): nonlinear in its"
echo "   state, so it runs step by step. T=4, B=2, sequence lengths [4, 2]:"
"$compile" "$root/examples/lstm.mlir" --explain -o "$tmp/lstm.rmod" |
  sed "s|$root/||; s/^/   /"
"$runm" "$tmp/lstm.rmod" \
  --input="4x2x3xf32=$(seq -s, -0.575 0.05 0.6)" --input="2xi32=4,2" |
  sed 's/^/   /'

say "7. ONNX from PyTorch: a minGRU written as a Python for loop, scripted and"
echo "   exported (test/ONNX/Inputs/torch/mingru.onnx, by test/gen/torch/):"
echo "   the importer turns the Loop into a recurrence, the analyses find a scan:"
fixture="$root/test/ONNX/Inputs/torch/mingru"
"$compile" "$fixture.onnx" --explain -o "$tmp/mingru-onnx.rmod" |
  sed "s|$root/||; s/^/   /"
echo "   run on PyTorch's inputs (T=12, B=3), compared with PyTorch's outputs:"
"$runm" "$tmp/mingru-onnx.rmod" --input=@"$fixture/T12B3/in0.npy" \
  --input=@"$fixture/T12B3/in1.npy" --output=@"$tmp/o0.npy" \
  --output=@"$tmp/o1.npy"
python3 "$root/test/lib/npycheck.py" 1e-4 "$tmp/o0.npy" "$fixture/T12B3/want0.npy" \
  "$tmp/o1.npy" "$fixture/T12B3/want1.npy" | sed "s|$tmp/||; s|$root/||; s/^/   /"

say "8. GPU kernels: the same ONNX model for sim and cuda (PTX through LLVM's NVPTX"
echo "   backend; cubins too where ptxas is installed). The sim device runs the GPU"
echo "   kernels on this CPU with GPU semantics (barriers, shuffles, shared memory):"
"$compile" "$fixture.onnx" --target=sim,cuda:sm_80,sm_90 -o "$tmp/mingru-gpu.rmod"
"$runm" "$tmp/mingru-gpu.rmod" --device=sim --input=@"$fixture/T12B3/in0.npy" \
  --input=@"$fixture/T12B3/in1.npy" --output=@"$tmp/s0.npy" \
  --output=@"$tmp/s1.npy"
python3 "$root/test/lib/npycheck.py" 1e-4 "$tmp/s0.npy" "$fixture/T12B3/want0.npy" \
  "$tmp/s1.npy" "$fixture/T12B3/want1.npy" | sed "s|$tmp/||; s|$root/||; s/^/   /"
echo "   The cuda device runs it where NVIDIA's driver and a GPU exist, and says why"
echo "   not elsewhere:"
"$runm" "$tmp/mingru-gpu.rmod" --device=cuda --input=@"$fixture/T12B3/in0.npy" \
  --input=@"$fixture/T12B3/in1.npy" 2>&1 | sed 's/^/   /' || true

say "Done. bash tools/test.sh runs the whole test suite; bench/run.sh and bench/ort/run.sh the benchmarks."
