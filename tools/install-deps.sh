#!/usr/bin/env bash
# Installs what Recur needs to build and test, from Debian 12's packages only.
# Idempotent: installs only what is missing; needs root (or sudo) for that.
set -euo pipefail

PACKAGES=(
  # LLVM/MLIR 22: libraries, CMake config, mlir-tblgen, mlir-runner,
  # FileCheck and lit, and clang as the compiler.
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  # Sanitizer and libFuzzer runtimes (the runtime's ASan/UBSan run).
  libclang-rt-22-dev
  # Module files (runtime), ONNX frontend and its node tests, unit tests.
  libflatbuffers-dev flatbuffers-compiler libonnx-dev libprotobuf-dev libonnx-testdata
  libgtest-dev
  # Build tools; python3-numpy regenerates test references (test/gen).
  cmake ninja-build ccache python3 python3-numpy
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then
    SUDO=sudo
  else
    echo "install-deps: missing ${missing[*]}; run as root or install them" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
