#!/usr/bin/env bash
# Recur against ONNX Runtime on the CPU: one command. Makes a virtual
# environment with onnxruntime, onnx and numpy (pinned; installed from
# Python's package index only when missing), builds recur-compile and
# recur-run, and runs bench/ort/bench.py, which prints one Markdown table
# (docs/performance.md). About 5 minutes on a 2-core machine.
#
#   bench/ort/run.sh [bench.py options: --quick --rows=lstm,gru --min-time=S
#                     --keep=DIR]
#
# RECUR_BUILD_DIR picks the build directory (default build/);
# RECUR_BENCH_VENV the virtual environment (default .venv/bench, git-ignored);
# PYTHON the interpreter that makes it (default python3, 3.11 or newer).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${RECUR_BUILD_DIR:-$root/build}"
venv="${RECUR_BENCH_VENV:-$root/.venv/bench}"

# The peers, pinned so that every run measures the same onnxruntime.
requirements=(onnxruntime==1.31.1 onnx==1.23.2 numpy==2.3.5)
installed='import importlib.metadata as m, sys
pins = (r.split("==") for r in sys.argv[1:])
sys.exit(any(m.version(name) != version for name, version in pins))'
if ! "$venv/bin/python" -c "$installed" "${requirements[@]}" 2>/dev/null; then
  echo "run.sh: installing ${requirements[*]} into $venv" >&2
  "${PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "${requirements[@]}"
fi

# Configure and build everything the first time; afterwards only the two
# tools this needs.
if [ ! -f "$build/build.ninja" ]; then
  RECUR_BUILD_DIR="$build" "$root/tools/build.sh"
fi
log="$build/bench-ort-build.log"
if ! ninja -C "$build" recur-compile recur-run >"$log" 2>&1; then
  cat "$log"
  exit 1
fi

exec "$venv/bin/python" "$root/bench/ort/bench.py" --build="$build" "$@"
