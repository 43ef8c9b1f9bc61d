#!/usr/bin/env python3
"""Compares .npy files.

    npycheck.py TOL GOT WANT [GOT WANT ...]
    npycheck.py --rtol=R --atol=A GOT WANT [GOT WANT ...]

Each GOT must have WANT's shape and every element must satisfy
|got - want| <= TOL * (1 + |want|) (see docs/testing.md). The second form
is the ONNX backend tests' own check (numpy's assert_allclose):
|got - want| <= A + R * |want|, NaN matching NaN; there GOT must also have
WANT's dtype. Reads NumPy's format itself (little-endian, C order; f2, f4,
f8, b1, i1/u1, i2/u2, i4/u4, i8/u8), so the suite needs no numpy, and
shares no code with recur-run's reader.
"""
import ast
import math
import struct
import sys

FORMATS = {"<f4": "f", "<f8": "d", "<f2": "e", "|i1": "b", "|u1": "B",
           "|b1": "?", "<i2": "h", "<i4": "i", "<i8": "q", "<u2": "H",
           "<u4": "I", "<u8": "Q"}


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
    return header["descr"], shape, struct.unpack("<%d%s" % (count, fmt), body)


def main():
    args = sys.argv[1:]
    onnx_mode = args and args[0].startswith("--rtol=")
    try:
        if onnx_mode:
            if len(args) < 2 or not args[1].startswith("--atol="):
                raise ValueError
            rtol = float(args[0][len("--rtol="):])
            atol = float(args[1][len("--atol="):])
            args = args[2:]
        else:
            tol = float(args[0])
            args = args[1:]
    except (ValueError, IndexError):
        args = []
    if not args or len(args) % 2:
        sys.exit("usage: npycheck.py TOL GOT WANT [GOT WANT ...]\n"
                 "       npycheck.py --rtol=R --atol=A GOT WANT "
                 "[GOT WANT ...]")
    if onnx_mode:
        bound = f"{atol} + {rtol} |want|"

        def close(g, w):
            return (g == w or (g != g and w != w) or
                    abs(g - w) <= atol + rtol * abs(w))
    else:
        bound = f"{tol}"

        def close(g, w):
            return g == w or abs(g - w) <= tol * (1 + abs(w))
    failed = False
    for got_path, want_path in zip(args[0::2], args[1::2]):
        gdescr, gshape, got = load(got_path)
        wdescr, wshape, want = load(want_path)
        if gshape != wshape:
            print(f"{got_path}: shape {gshape}, want {wshape}")
            failed = True
            continue
        if onnx_mode and gdescr != wdescr:
            print(f"{got_path}: dtype {gdescr}, want {wdescr}")
            failed = True
            continue
        bad = [(i, g, w) for i, (g, w) in enumerate(zip(got, want))
               if not close(g, w)]
        if bad:
            failed = True
            i, g, w = bad[0]
            print(f"{got_path}: {len(bad)} of {len(got)} elements differ "
                  f"beyond {bound}; first at flat index {i}: got {g!r}, "
                  f"want {w!r}")
        else:
            print(f"{got_path}: {len(got)} elements within {bound}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
