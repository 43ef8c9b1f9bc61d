#!/usr/bin/env python3
"""Writes a float32 .npy of uniform pseudo-random numbers, for inputs too
large to commit (compared against another build's output, not a stored
answer).

    npyrand.py OUT SHAPE LOW HIGH SEED      (SHAPE like 100000x1x2)

Pure Python (the suite needs no numpy); deterministic for a seed.
"""
import random
import struct
import sys


def main():
    if len(sys.argv) != 6:
        sys.exit("usage: npyrand.py OUT SHAPE LOW HIGH SEED")
    out, shape_text, low, high, seed = sys.argv[1:]
    shape = tuple(int(d) for d in shape_text.split("x"))
    count = 1
    for d in shape:
        count *= d
    rng = random.Random(int(seed))
    lo, hi = float(low), float(high)
    values = [rng.uniform(lo, hi) for _ in range(count)]
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % dims
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    with open(out, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)))
        f.write(header.encode("latin1"))
        f.write(struct.pack("<%df" % count, *values))


if __name__ == "__main__":
    main()
