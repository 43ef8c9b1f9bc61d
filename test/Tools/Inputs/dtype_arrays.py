#!/usr/bin/env python3
"""Arrays of every dtype for recur-run's .npy round trip (Inputs/passthrough.mlir).

  dtype_arrays.py write DIR   np.save()s DIR/in0.npy ... in7.npy, the inputs
                              of @copy (in0 in format 2.0, in1 in 3.0)
  dtype_arrays.py check DIR   np.load()s DIR/out0.npy ... and requires each
                              to equal its input exactly, dtype and shape too
"""
import os
import sys

import numpy as np

ARRAYS = [
    np.array([[1.5, -2.25, 3e-8], [3.4e38, -0.0, 1e30]], dtype="<f4"),
    np.array([0.1, -1e300, np.pi], dtype="<f8"),
    np.array([True, False, True, True]),
    np.array([[-128, 0, 127], [1, -1, 5]], dtype="i1"),
    np.array([-32768, 32767, 0], dtype="<i2"),
    np.array([-2**31, 2**31 - 1, 42], dtype="<i4"),
    np.array([-2**63, 2**63 - 1], dtype="<i8"),
    np.array(3.5, dtype="<f4"),
]


def main():
    command, directory = sys.argv[1], sys.argv[2]
    for i, want in enumerate(ARRAYS):
        if command == "write":
            with open(os.path.join(directory, f"in{i}.npy"), "wb") as f:
                version = {0: (2, 0), 1: (3, 0)}.get(i, (1, 0))
                np.lib.format.write_array(f, want, version=version)
            continue
        got = np.load(os.path.join(directory, f"out{i}.npy"))
        if got.dtype != want.dtype or got.shape != want.shape:
            sys.exit(f"out{i}.npy: {got.dtype} {got.shape}, expected "
                     f"{want.dtype} {want.shape}")
        if got.tobytes() != want.tobytes():
            sys.exit(f"out{i}.npy: {got!r}, expected {want!r}")
    print("ok")


if __name__ == "__main__":
    main()
