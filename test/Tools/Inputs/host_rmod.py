#!/usr/bin/env python3
"""Writes a Recur module (.rmod) around a host shared object built in a test,
for recur-run tests of what recur-compile does not make on its own (here:
code that reports Newton solves through the host ABI).

Each function takes and returns one i64 vector of the given size; its plan
is one HostCall of the shared object's __recur_entry_<name>. The file is
written by flatc (the flatbuffers compiler) from the schema, so it shares
no code with the runtime that reads it.

usage: host_rmod.py SCHEMA.fbs LIB.so OUT.rmod NAME:SIZE...
"""
import json
import os
import platform
import subprocess
import sys
import tempfile


def main():
    schema, lib, out = sys.argv[1:4]
    functions, plans = [], []
    for index, spec in enumerate(sys.argv[4:]):
        name, size = spec.split(":")
        vec = {"dtype": "i64", "shape": [int(size)]}
        functions.append({"name": name,
                          "inputs": [{"name": "x", "type": vec}],
                          "outputs": [{"name": "output0", "type": vec}]})
        plans.append({"function": index, "steps": [{
            "step_type": "HostCall",
            "step": {"symbol": "__recur_entry_" + name,
                     "operands": [{"kind": "input", "index": 0}],
                     "results": [{"kind": "output", "index": 0}]}}]})
    with open(lib, "rb") as f:
        binary = list(f.read())
    module = {"version": 1, "producer": "host_rmod.py",
              "functions": functions,
              "targets": [{"kind": "host", "name": "host",
                           "triple": platform.machine() + "-unknown-linux-gnu",
                           "binary": binary, "plans": plans}]}
    with tempfile.TemporaryDirectory() as tmp:
        # flatc's parser refuses the schema's force_align: 64 (above its
        # limit of 32). Alignment only places the bytes; the layout, hence
        # what the runtime reads, is the same, and the runtime copies data
        # it finds misaligned.
        with open(schema) as f:
            text = f.read().replace("force_align: 64", "force_align: 32")
        schema = os.path.join(tmp, "module.fbs")
        with open(schema, "w") as f:
            f.write(text)
        path = os.path.join(tmp, "module.json")
        with open(path, "w") as f:
            json.dump(module, f)
        subprocess.run(["flatc", "-b", "-o", tmp, schema, path], check=True)
        with open(os.path.join(tmp, "module.rmod"), "rb") as f:
            data = f.read()
    with open(out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
