#!/usr/bin/env python3
"""Runs every execution test of the suite through the parallelizing pipeline.

An execution test is a .mlir file under ROOT with `// EXPECT:` lines (see
numcheck.py). Its expected values come from numpy and were checked against
the sequential reference by the test itself; here the same file goes through
`--recur-parallel-to-llvm` (decompose cells, linearize, hoist, fuse gates,
chunked scans) and must match the same values. So every rewrite is checked on
every input the suite has, not only on its own tests.

    parallel_differential.py --opt recur-opt --runner mlir-runner \
        --runner-libs LIBS --root test/ [--chunk-size N] [--jobs J]

Prints one line per failing file and a summary; exits non-zero on any
failure. Needs no third-party module.
"""

import argparse
import concurrent.futures
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numcheck  # noqa: E402


def run_one(path, args):
    # A test that needs passes before the pipeline (the Jacobian tests'
    # --recur-materialize-jacobian) names them on a line
    # `// DIFFERENTIAL-PRE-PASSES: FLAGS`.
    pre = []
    for line in open(path):
        if line.startswith("// DIFFERENTIAL-PRE-PASSES:"):
            pre += line.split(":", 1)[1].split()
    opt = subprocess.run(
        [args.opt, path] + pre +
        ["--recur-parallel-to-llvm=chunk-size=%d" % args.chunk_size],
        capture_output=True, text=True)
    if opt.returncode != 0:
        return path, "recur-opt failed: " + opt.stderr.strip()[:400]
    run = subprocess.run(
        [args.runner, "-e", "main", "-entry-point-result=void",
         "--shared-libs=" + args.runner_libs],
        input=opt.stdout, capture_output=True, text=True)
    if run.returncode != 0:
        return path, "mlir-runner failed: " + run.stderr.strip()[:400]
    expected, tol = numcheck.parse_expected(path)
    printed = numcheck.parse_printed(run.stdout)
    if len(printed) != len(expected):
        return path, "expected %d printed memrefs, got %d" % (len(expected), len(printed))
    for (lineno, shape, want), (got_shape, got) in zip(expected, printed):
        if got_shape != shape:
            return path, "line %d: expected shape %s, got %s" % (lineno, shape, got_shape)
        for i, (g, w) in enumerate(zip(got, want)):
            if not numcheck.close(g, w, tol):
                return path, "line %d, flat index %d: got %r, expected %r" % (lineno, i, g, w)
    return path, None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--opt", required=True)
    p.add_argument("--runner", required=True)
    p.add_argument("--runner-libs", required=True)
    p.add_argument("--root", required=True)
    p.add_argument("--chunk-size", type=int, default=3)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = p.parse_args()

    files = []
    for dirpath, _, names in os.walk(args.root):
        for name in sorted(names):
            path = os.path.join(dirpath, name)
            if name.endswith(".mlir") and "// EXPECT:" in open(path).read():
                files.append(path)
    files.sort()
    if not files:
        sys.exit("parallel_differential: no execution tests under " + args.root)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda f: run_one(f, args), files))
    failures = [(f, why) for f, why in results if why]
    for f, why in failures:
        print("FAIL %s: %s" % (os.path.relpath(f, args.root), why))
    print("parallel_differential: %d of %d execution tests match through "
          "--recur-parallel-to-llvm=chunk-size=%d"
          % (len(files) - len(failures), len(files), args.chunk_size))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
