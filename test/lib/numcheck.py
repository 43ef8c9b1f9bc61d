#!/usr/bin/env python3
"""Compare the memrefs an execution test prints with the values it expects.

FileCheck matches text; printed floats need a tolerance. A test pipes
mlir-runner's output (printMemrefF32 / printMemrefI32 ...) into

    numcheck.py TESTFILE

which reads, from TESTFILE, one line per printed memref, in print order:

    // EXPECT: shape=[2, 3] [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]

(values flattened in row-major order) and optionally one tolerance line

    // TOLERANCE: 1e-5

A value passes when |got - want| <= tol * (1 + |want|). The default tolerance
is 1e-5: the expected values come from numpy in float64 and the test runs in
float32, so a few float32 ulps of rounding per step are expected and nothing
more. Exits non-zero, naming the first mismatches, on any difference in the
number of memrefs, their shapes or their values. Needs no third-party module.
"""

import math
import re
import sys

HEADER = re.compile(r"Memref base@ = \S+ rank = (\d+) offset = \d+ sizes = \[([^\]]*)\]")
NUMBER = re.compile(r"-?nan|-?inf|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def parse_printed(text):
    """Returns [(shape, values)] for every memref printed in `text`."""
    headers = list(HEADER.finditer(text))
    out = []
    for i, h in enumerate(headers):
        shape = [int(s) for s in h.group(2).split(",") if s.strip()]
        end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
        body = text[h.end():end]
        body = body[body.find("data =") + len("data ="):] if "data =" in body else body
        values = [float(v) for v in NUMBER.findall(body)]
        out.append((shape, values))
    return out


def parse_expected(path):
    expected, tol = [], 1e-5
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            m = re.match(r"\s*//\s*EXPECT:\s*shape=\[([^\]]*)\]\s*\[(.*)\]\s*$", line)
            if m:
                shape = [int(s) for s in m.group(1).split(",") if s.strip()]
                values = [float(v) for v in m.group(2).split(",") if v.strip()]
                if len(values) != math.prod(shape):
                    sys.exit(f"{path}:{lineno}: EXPECT has {len(values)} values "
                             f"for shape {shape}")
                expected.append((lineno, shape, values))
            m = re.match(r"\s*//\s*TOLERANCE:\s*(\S+)", line)
            if m:
                tol = float(m.group(1))
    return expected, tol


def close(got, want, tol):
    if math.isnan(want):
        return math.isnan(got)
    if math.isinf(want):
        return got == want
    return abs(got - want) <= tol * (1.0 + abs(want))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: numcheck.py TESTFILE < printed-output")
    path = sys.argv[1]
    expected, tol = parse_expected(path)
    printed = parse_printed(sys.stdin.read())
    if not expected:
        sys.exit(f"{path}: no EXPECT lines")
    if len(printed) != len(expected):
        sys.exit(f"{path}: expected {len(expected)} printed memrefs, got {len(printed)}")
    failed = False
    for (lineno, shape, want), (got_shape, got) in zip(expected, printed):
        if got_shape != shape:
            print(f"{path}:{lineno}: expected shape {shape}, got {got_shape}")
            failed = True
            continue
        if len(got) != len(want):
            print(f"{path}:{lineno}: expected {len(want)} values, parsed {len(got)}")
            failed = True
            continue
        bad = [(i, g, w) for i, (g, w) in enumerate(zip(got, want)) if not close(g, w, tol)]
        if bad:
            failed = True
            print(f"{path}:{lineno}: {len(bad)} of {len(want)} values differ "
                  f"beyond tolerance {tol}:")
            for i, g, w in bad[:8]:
                print(f"  flat index {i}: got {g!r}, expected {w!r}")
    if failed:
        sys.exit(1)
    print(f"numcheck: {len(expected)} memrefs match within {tol}")


if __name__ == "__main__":
    main()
