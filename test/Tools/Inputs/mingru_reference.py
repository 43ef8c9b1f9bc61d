#!/usr/bin/env python3
"""minGRU inputs and a float64 numpy reference for the end-to-end tests of
recur-run and the embedding example (model: examples/mingru.mlir).

  mingru_reference.py inputs DIR [T B]   writes DIR/{x,h0,wz,wh}.npy (seeded)
  mingru_reference.py check DIR HT HS    compares recur-run's .npy outputs
                                         for the inputs in DIR
  mingru_reference.py check-embed SIZE OUT
                                         compares the values examples/embed
                                         printed (OUT) for its inputs

The reference implements the model's equations, not the compiler's code:
  z_t = sigmoid(x_t Wz),  h_t = (1 - z_t) * h_{t-1} + z_t * (x_t Wh)
outputs: the last state hT [B, H] and every state hs [T, B, H]. A value
passes when |got - want| <= 1e-5 * (1 + |want|) (see docs/testing.md).
"""
import os
import sys

import numpy as np

I, H = 3, 4
TOL = 1e-5


def mingru(x, h0, wz, wh):
    x, h = x.astype(np.float64), h0.astype(np.float64)
    wz, wh = wz.astype(np.float64), wh.astype(np.float64)
    states = []
    for t in range(x.shape[0]):
        z = 1.0 / (1.0 + np.exp(-(x[t] @ wz)))
        h = (1.0 - z) * h + z * (x[t] @ wh)
        states.append(h)
    hs = np.stack(states) if states else np.zeros((0,) + h.shape)
    return h, hs


def compare(name, got, want):
    """Exits with a message unless got matches want."""
    if got.shape != want.shape:
        sys.exit(f"{name}: shape {got.shape}, expected {want.shape}")
    error = np.abs(got.astype(np.float64) - want)
    bad = error > TOL * (1.0 + np.abs(want))
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        sys.exit(f"{name}: {int(bad.sum())} values off; first at {index}: "
                 f"got {got[index]!r}, expected {want[index]!r}")


def write_inputs(out, steps, batch):
    rng = np.random.default_rng(7)
    arrays = {
        "x": rng.standard_normal((steps, batch, I)),
        "h0": rng.standard_normal((batch, H)),
        "wz": rng.standard_normal((I, H)) * 0.5,
        "wh": rng.standard_normal((I, H)) * 0.5,
    }
    for name, value in arrays.items():
        np.save(os.path.join(out, name + ".npy"), value.astype(np.float32))


def check(directory, hT_path, hs_path):
    inputs = [np.load(os.path.join(directory, n + ".npy"))
              for n in ("x", "h0", "wz", "wh")]
    want_hT, want_hs = mingru(*inputs)
    for name, path, want in (("hT", hT_path, want_hT),
                             ("hs", hs_path, want_hs)):
        got = np.load(path)
        if got.dtype != np.float32:
            sys.exit(f"{name}: dtype {got.dtype}, expected float32")
        compare(name, got, want)


def check_embed(size, output_path):
    """examples/embed fills f32 input i's element k with
    ((7k + i) mod 11) / 11 - 0.5 and gives every dynamic dimension `size`."""
    def fill(i, shape):
        k = np.arange(int(np.prod(shape)))
        values = ((k * 7 + i) % 11).astype(np.float32) / np.float32(11.0)
        return (values - np.float32(0.5)).reshape(shape)

    inputs = [fill(0, (size, size, I)), fill(1, (size, H)), fill(2, (I, H)),
              fill(3, (I, H))]
    wants = mingru(*inputs)
    lines = [l for l in open(output_path).read().splitlines()
             if l.startswith("output ")]
    if len(lines) != 2:
        sys.exit(f"expected 2 output lines, got {len(lines)}")
    for line, want in zip(lines, wants):
        head, _, values = line.partition("): ")
        fields = values.split()
        shape = "x".join(str(d) for d in want.shape) + "xf32"
        if fields[0] != shape:
            sys.exit(f"{head}: shape {fields[0]}, expected {shape}")
        got = np.array([float(v) for v in fields[1:]])
        compare(head, got, want.reshape(-1)[:len(got)])
        if len(got) != min(8, want.size):
            sys.exit(f"{head}: {len(got)} values printed")


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "inputs":
        steps, batch = (int(a) for a in args[1:3]) if len(args) > 1 else (7, 3)
        write_inputs(args[0], steps, batch)
    elif command == "check":
        check(*args)
    elif command == "check-embed":
        check_embed(int(args[0]), args[1])
    else:
        sys.exit(f"unknown command {command!r}")
    print("ok")


if __name__ == "__main__":
    main()
