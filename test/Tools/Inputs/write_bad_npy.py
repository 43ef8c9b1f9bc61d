#!/usr/bin/env python3
"""Writes malformed .npy files for recur-run's error tests: write_bad_npy.py DIR.

Plain Python (struct), no numpy: each file is built byte by byte so that it
is wrong in exactly one way. good.npy is a valid 2x3 float32 array the
others are derived from.
"""
import os
import struct
import sys


def npy(header, data=b"", version=(1, 0), length=None):
    """A .npy file: magic, version, header length, header, data."""
    header = header.encode("latin1")
    if length is None:
        length = len(header)
    size = struct.pack("<H" if version[0] == 1 else "<I", length)
    return b"\x93NUMPY" + bytes(version) + size + header + data


def dict_header(descr="'<f4'", fortran="False", shape="(2, 3)"):
    return "{'descr': %s, 'fortran_order': %s, 'shape': %s, }\n" % (
        descr, fortran, shape)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    six = struct.pack("<6f", 1, 2, 3, 4, 5, 6)
    good = npy(dict_header(), six)
    files = {
        "good.npy": good,
        "empty.npy": b"",
        "not-npy.npy": b"just some text\n",
        "no-version.npy": b"\x93NUMPY",
        "no-length.npy": good[:9],
        "version4.npy": npy(dict_header(), six, version=(4, 0)),
        "header-too-long.npy": npy(dict_header(), six, length=60000),
        "header-too-long-v2.npy": npy(dict_header(), six, version=(2, 0),
                                      length=0xFFFFFFFF),
        "truncated-header.npy": good[:30],
        "truncated-data.npy": good[:-5],
        "extra-data.npy": good + b"\0\0\0\0",
        "huge-shape.npy": npy(dict_header(shape="(4611686018427387904, 8)"),
                              six),
        "fortran.npy": npy(dict_header(fortran="True"), six),
        "big-endian.npy": npy(dict_header(descr="'>f4'"),
                              struct.pack(">6f", 1, 2, 3, 4, 5, 6)),
        "complex.npy": npy(dict_header(descr="'<c8'", shape="(3,)"), six),
        "structured.npy": npy(dict_header(descr="[('a', '<f4')]",
                                          shape="(6,)"), six),
        "not-a-dict.npy": npy("[1, 2, 3]\n", six),
        "missing-shape.npy": npy("{'descr': '<f4', 'fortran_order': False}\n",
                                 six),
        "negative-dim.npy": npy(dict_header(shape="(-2, 3)"), six),
        "unknown-key.npy": npy("{'descr': '<f4', 'fortran_order': False, "
                               "'shape': (2, 3), 'extra': 1}\n", six),
        "bad-bool.npy": npy(dict_header(descr="'|b1'", shape="(3,)"),
                            b"\x00\x01\x07"),
    }
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
