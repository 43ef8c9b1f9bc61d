#!/usr/bin/env python3
"""Compares .npy files: npycheck.py TOL GOT WANT [GOT WANT ...].

Each GOT must have WANT's shape and every element must satisfy
|got - want| <= TOL * (1 + |want|) (see docs/testing.md). Reads NumPy's
format itself (little-endian, C order; f4, f8, i1/u1/b1, i2, i4, i8), so
the suite needs no numpy, and shares no code with recur-run's reader.
"""
import ast
import math
import struct
import sys

FORMATS = {"<f4": "f", "<f8": "d", "|i1": "b", "|u1": "B", "|b1": "?",
           "<i2": "h", "<i4": "i", "<i8": "q"}


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:6] != b"\x93NUMPY":
        sys.exit(f"npycheck: {path}: not a .npy file")
    major = data[6]
    if major == 1:
        hlen, start = struct.unpack("<H", data[8:10])[0], 10
    else:
        hlen, start = struct.unpack("<I", data[8:12])[0], 12
    header = ast.literal_eval(data[start:start + hlen].decode("latin1"))
    if header["fortran_order"]:
        sys.exit(f"npycheck: {path}: Fortran order")
    fmt = FORMATS.get(header["descr"])
    if fmt is None:
        sys.exit(f"npycheck: {path}: dtype {header['descr']} not supported")
    shape = tuple(header["shape"])
    count = math.prod(shape)
    body = data[start + hlen:]
    size = struct.calcsize(fmt)
    if len(body) != count * size:
        sys.exit(f"npycheck: {path}: {len(body)} bytes of data for shape "
                 f"{shape}")
    return shape, struct.unpack("<%d%s" % (count, fmt), body)


def main():
    tol = float(sys.argv[1])
    args = sys.argv[2:]
    if not args or len(args) % 2:
        sys.exit("usage: npycheck.py TOL GOT WANT [GOT WANT ...]")
    failed = False
    for got_path, want_path in zip(args[0::2], args[1::2]):
        gshape, got = load(got_path)
        wshape, want = load(want_path)
        if gshape != wshape:
            print(f"{got_path}: shape {gshape}, want {wshape}")
            failed = True
            continue
        bad = [(i, g, w) for i, (g, w) in enumerate(zip(got, want))
               if not (g == w or abs(g - w) <= tol * (1 + abs(w)))]
        if bad:
            failed = True
            i, g, w = bad[0]
            print(f"{got_path}: {len(bad)} of {len(got)} elements differ "
                  f"beyond {tol}; first at flat index {i}: got {g!r}, "
                  f"want {w!r}")
        else:
            print(f"{got_path}: {len(got)} elements within {tol}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
