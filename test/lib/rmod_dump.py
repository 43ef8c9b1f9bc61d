#!/usr/bin/env python3
"""Prints a Recur module (.rmod) in words, for FileCheck: its functions'
signatures, its constants and its targets' plans (not the code bytes).

Reads the file with flatc (the flatbuffers compiler) and the schema, so it
does not share code with the runtime's loader it helps to test.

usage: rmod_dump.py SCHEMA.fbs MODULE.rmod
"""
import json
import os
import subprocess
import sys
import tempfile

DTYPES = {1: "f32", 2: "f64", 3: "f16", 4: "bf16", 5: "i1", 6: "i8",
          7: "i16", 8: "i32", 9: "i64", 10: "u8"}


def dtype(t):
    d = t.get("dtype", 0)
    return d if isinstance(d, str) else DTYPES.get(d, "invalid")


def tensor(t):
    dims = ["?" if d == -1 else str(d) for d in t.get("shape", [])]
    s = "x".join(dims + [dtype(t)])
    syms = t.get("dim_symbols")
    if syms:
        s += " dims(" + ", ".join("-" if x < 0 else "s%d" % x for x in syms) + ")"
    return s


def value(v):
    kind = v.get("kind", "input")
    return "%s %d" % (kind, v.get("index", 0))


def main():
    schema, path = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["flatc", "--json", "--strict-json", "--raw-binary",
                        "-o", tmp, schema, "--", path], check=True)
        name = os.path.splitext(os.path.basename(path))[0] + ".json"
        with open(os.path.join(tmp, name)) as f:
            m = json.load(f)
    print("version %d" % m.get("version", 0))
    fns = m.get("functions", [])
    for f in fns:
        print("function %s" % f["name"])
        for kind in ("inputs", "outputs"):
            for i, p in enumerate(f.get(kind, [])):
                print("  %s %d %s: %s" % (kind[:-1], i, p["name"],
                                          tensor(p["type"])))
    for i, c in enumerate(m.get("constants", [])):
        print("constant %d %s: %s, %d bytes" % (i, c.get("name", ""),
                                                 tensor(c["type"]),
                                                 len(c.get("data", []))))
    for t in m.get("targets", []):
        print("target %s (%s) triple=%s binary=%s" % (
            t.get("name", ""), t.get("kind", "host"), t.get("triple", ""),
            "yes" if t.get("binary") else "no"))
        for p in t.get("plans", []):
            print("  plan %s" % fns[p.get("function", 0)]["name"])
            for entry in p.get("steps", []):
                kind, step = entry.get("step_type"), entry.get("step", {})
                ops = ", ".join(value(v) for v in step.get("operands", []))
                res = ", ".join(value(v) for v in step.get("results", []))
                print("    %s %s(%s) -> (%s)" % (kind, step.get("symbol"),
                                                ops, res))
        for i, k in enumerate(t.get("kernels", [])):
            print("  kernel %d %s shared=%d synchronizes=%s max_threads=%d "
                  "params=%d" % (
                      i, k["name"], k.get("static_shared_bytes", 0),
                      "yes" if k.get("synchronizes") else "no",
                      k.get("max_threads", 0), k.get("num_params", 0)))
        for image in t.get("images", []):
            print("  image %s %s, %d bytes" % (
                image["arch"], image.get("format", "ptx"),
                len(image.get("data", []))))


if __name__ == "__main__":
    main()
