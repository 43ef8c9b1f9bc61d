#!/usr/bin/env python3
"""Converts ONNX TensorProto files (.pb) to NumPy .npy files.

    onnx_pb.py IN.pb OUT.npy
    onnx_pb.py --dir DATA_SET_DIR OUT_DIR

The second form converts every input_N.pb and output_N.pb of an ONNX test
data set (e.g. .../node/test_gru_defaults/test_data_set_0) into
OUT_DIR/input_N.npy and OUT_DIR/output_N.npy, creating OUT_DIR.

Decodes the protobuf wire format itself (varints, fixed 32/64-bit fields,
length-delimited fields, packed and unpacked repeated fields), so the test
suite needs neither the onnx nor the protobuf package, nor numpy. Reads the
TensorProto fields dims (1), data_type (2), float_data (4), int32_data (5),
int64_data (7), name (8), raw_data (9), double_data (10) and uint64_data
(11); handles float, double, float16, bool, int8/16/32/64 and
uint8/16/32/64. Anything else (strings, bfloat16, complex, float8, external
or segmented data, a SequenceProto or OptionalProto) is an error that says
what the file holds; so is a truncated or malformed file.
"""
import os
import re
import struct
import sys


class PbError(Exception):
    pass


# TensorProto.DataType -> (name, .npy descr, struct format, field that holds
# the values when raw_data is absent).
DTYPES = {
    1: ("float", "<f4", "f", "float_data"),
    2: ("uint8", "|u1", "B", "int32_data"),
    3: ("int8", "|i1", "b", "int32_data"),
    4: ("uint16", "<u2", "H", "int32_data"),
    5: ("int16", "<i2", "h", "int32_data"),
    6: ("int32", "<i4", "i", "int32_data"),
    7: ("int64", "<i8", "q", "int64_data"),
    9: ("bool", "|b1", "?", "int32_data"),
    10: ("float16", "<f2", "e", "int32_data"),
    11: ("double", "<f8", "d", "double_data"),
    12: ("uint32", "<u4", "I", "uint64_data"),
    13: ("uint64", "<u8", "Q", "uint64_data"),
}
UNSUPPORTED = {0: "UNDEFINED", 8: "string", 14: "complex64",
               15: "complex128", 16: "bfloat16", 17: "float8e4m3fn",
               18: "float8e4m3fnuz", 19: "float8e5m2", 20: "float8e5m2fnuz",
               21: "uint4", 22: "int4", 23: "float4e2m1"}

# Field number -> (name, kind). "varint" fields may be packed (wire type 2)
# or not (wire type 0); "f32"/"f64" likewise with wire types 5/1.
FIELDS = {
    1: ("dims", "varint"),
    2: ("data_type", "varint"),
    3: ("segment", "bytes"),
    4: ("float_data", "f32"),
    5: ("int32_data", "varint"),
    6: ("string_data", "bytes"),
    7: ("int64_data", "varint"),
    8: ("name", "bytes"),
    9: ("raw_data", "bytes"),
    10: ("double_data", "f64"),
    11: ("uint64_data", "varint"),
    12: ("doc_string", "bytes"),
    13: ("external_data", "bytes"),
    14: ("data_location", "varint"),
    16: ("metadata_props", "bytes"),
}


def read_varint(buf, pos, end):
    value, shift = 0, 0
    while True:
        if pos >= end:
            raise PbError(f"truncated varint at byte {pos}")
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7
        if shift >= 70:
            raise PbError(f"varint longer than 10 bytes at byte {pos}")


def signed64(v):
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >= 1 << 63 else v


def parse_tensor(buf):
    """Returns {field name: [values]} for the TensorProto in buf."""
    out = {}
    pos, end = 0, len(buf)
    while pos < end:
        start = pos
        key, pos = read_varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise PbError(f"field number 0 at byte {start}")
        name, kind = FIELDS.get(number, (None, None))
        if wire == 0:
            v, pos = read_varint(buf, pos, end)
            vals = [v]
        elif wire == 1:
            if pos + 8 > end:
                raise PbError(f"truncated 64-bit field {number} at byte {start}")
            vals = [buf[pos:pos + 8]]
            pos += 8
        elif wire == 5:
            if pos + 4 > end:
                raise PbError(f"truncated 32-bit field {number} at byte {start}")
            vals = [buf[pos:pos + 4]]
            pos += 4
        elif wire == 2:
            n, pos = read_varint(buf, pos, end)
            if pos + n > end:
                raise PbError(f"field {number} at byte {start} is {n} bytes "
                              f"long but only {end - pos} remain (truncated "
                              f"file?)")
            vals = [buf[pos:pos + n]]
            pos += n
        else:
            raise PbError(f"wire type {wire} (field {number}) at byte {start} "
                          f"is not valid here")
        if name is None:
            continue  # unknown fields are skipped, as protobuf does
        # Check the wire type against the field's kind, unpacking packed
        # repeated fields.
        if kind == "varint":
            if wire == 2:
                packed, vals, p = vals[0], [], 0
                while p < len(packed):
                    v, p = read_varint(packed, p, len(packed))
                    vals.append(v)
            elif wire != 0:
                raise PbError(f"field {name} has wire type {wire}, expected a "
                              f"varint: not a TensorProto")
        elif kind in ("f32", "f64"):
            size, fmt, fixed = (4, "<f", 5) if kind == "f32" else (8, "<d", 1)
            if wire == 2:
                packed = vals[0]
                if len(packed) % size:
                    raise PbError(f"packed {name} has {len(packed)} bytes, "
                                  f"not a multiple of {size}")
                vals = [packed[i:i + size]
                        for i in range(0, len(packed), size)]
            elif wire != fixed:
                raise PbError(f"field {name} has wire type {wire}: not a "
                              f"TensorProto")
            vals = [struct.unpack(fmt, v)[0] for v in vals]
        elif kind == "bytes" and wire != 2:
            raise PbError(f"field {name} has wire type {wire}, expected "
                          f"length-delimited: not a TensorProto")
        out.setdefault(name, []).extend(vals)
    return out


CONTAINER_ELEM = {0: "undefined", 1: "tensor", 2: "sparse tensor",
                  3: "sequence", 4: "map", 5: "optional"}


def container_kind(data):
    """If data reads as an ONNX SequenceProto or OptionalProto (name = 1,
    elem_type = 2, values in length-delimited fields 3-7), returns a
    description of it; else None."""
    try:
        pos, end, name, elem = 0, len(data), "", None
        while pos < end:
            key, pos = read_varint(data, pos, end)
            number, wire = key >> 3, key & 7
            if number == 2 and wire == 0:
                elem, pos = read_varint(data, pos, end)
            elif 1 <= number <= 7 and number != 2 and wire == 2:
                n, pos = read_varint(data, pos, end)
                if pos + n > end:
                    return None
                if number == 1:
                    name = data[pos:pos + n].decode("utf-8")
                pos += n
            else:
                return None
    except (PbError, UnicodeDecodeError):
        return None
    if elem not in CONTAINER_ELEM:
        return None
    return (f"a SequenceProto or OptionalProto '{name}' (elements: "
            f"{CONTAINER_ELEM[elem]}), not a TensorProto")


def tensor_from_pb(data):
    """Returns (name, descr, shape, little-endian bytes) of a TensorProto."""
    try:
        return tensor_fields_to_npy(data)
    except PbError:
        kind = container_kind(data)
        if kind:
            raise PbError(f"the file holds {kind}; only tensors convert "
                          f"to .npy")
        raise


def tensor_fields_to_npy(data):
    f = parse_tensor(data)
    if "data_type" not in f:
        raise PbError("no data_type: not a TensorProto (a SequenceProto, "
                      "OptionalProto or other message?)")
    dt = f["data_type"][-1]
    name = f.get("name", [b""])[-1].decode("utf-8", "replace")
    if dt not in DTYPES:
        if dt not in UNSUPPORTED:
            raise PbError(f"data_type {dt} is no ONNX data type: not a "
                          f"TensorProto file?")
        raise PbError(f"tensor '{name}' holds {UNSUPPORTED[dt]} elements, "
                      f"which have no .npy form here")
    if "segment" in f:
        raise PbError(f"tensor '{name}' is segmented; not supported")
    if f.get("data_location", [0])[-1] == 1 or "external_data" in f:
        raise PbError(f"tensor '{name}' keeps its data in an external file; "
                      f"not supported")
    tname, descr, fmt, field = DTYPES[dt]
    shape = tuple(signed64(d) for d in f.get("dims", []))
    if any(d < 0 for d in shape):
        raise PbError(f"tensor '{name}' has a negative dimension: {shape}")
    count = 1
    for d in shape:
        count *= d
    size = struct.calcsize("<" + fmt)
    if "raw_data" in f:
        raw = f["raw_data"][-1]
        if len(raw) != count * size:
            raise PbError(f"tensor '{name}': raw_data holds {len(raw)} bytes, "
                          f"but shape {list(shape)} of {tname} needs "
                          f"{count * size}")
        if dt == 9 and any(b > 1 for b in raw):
            raise PbError(f"tensor '{name}': bool raw_data holds a byte "
                          f"other than 0 or 1")
        return name, descr, shape, bytes(raw)
    vals = f.get(field, [])
    others = [k for k in ("float_data", "int32_data", "int64_data",
                          "double_data", "uint64_data", "string_data")
              if k != field and k in f]
    if others:
        raise PbError(f"tensor '{name}' of {tname} has its values in "
                      f"{others[0]}, expected {field} or raw_data")
    if len(vals) != count:
        raise PbError(f"tensor '{name}': {field} holds {len(vals)} values, "
                      f"but shape {list(shape)} needs {count}")
    if dt == 10:
        # float16: the IEEE bits, in the low 16 bits of an int32.
        body = b"".join(struct.pack("<H", v & 0xFFFF) for v in vals)
    elif dt == 9:
        body = bytes(1 if v else 0 for v in vals)
    elif fmt in "bhiq":
        lo, hi = -(1 << (8 * size - 1)), (1 << (8 * size - 1)) - 1
        ints = [signed64(v) for v in vals]
        if any(v < lo or v > hi for v in ints):
            raise PbError(f"tensor '{name}': a value does not fit {tname}")
        body = struct.pack("<%d%s" % (count, fmt), *ints)
    elif fmt in "BHIQ":
        if any(v >= 1 << (8 * size) for v in vals):
            raise PbError(f"tensor '{name}': a value does not fit {tname}")
        body = struct.pack("<%d%s" % (count, fmt), *vals)
    else:
        body = struct.pack("<%d%s" % (count, fmt), *vals)
    return name, descr, shape, body


def npy_bytes(descr, shape, body):
    """A format 1.0 .npy file, C order."""
    if len(shape) == 1:
        shape_s = "(%d,)" % shape[0]
    else:
        shape_s = "(" + ", ".join(str(d) for d in shape) + ")"
    header = ("{'descr': '%s', 'fortran_order': False, 'shape': %s, }"
              % (descr, shape_s))
    # Magic (6) + version (2) + length (2) + header + '\n', padded to 64.
    total = 10 + len(header) + 1
    header += " " * ((64 - total % 64) % 64) + "\n"
    return (b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) +
            header.encode("latin1") + body)


def convert(in_path, out_path):
    try:
        with open(in_path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        raise PbError(f"cannot read: {e.strerror}")
    _, descr, shape, body = tensor_from_pb(data)
    tmp = out_path + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(npy_bytes(descr, shape, body))
    os.replace(tmp, out_path)


def main(argv):
    if len(argv) == 3 and argv[0] == "--dir":
        src, dst = argv[1], argv[2]
        try:
            names = sorted(n for n in os.listdir(src)
                           if re.fullmatch(r"(input|output)_\d+\.pb", n))
        except OSError as e:
            sys.exit(f"onnx_pb: {src}: {e.strerror}")
        if not names:
            sys.exit(f"onnx_pb: {src}: no input_N.pb or output_N.pb files")
        os.makedirs(dst, exist_ok=True)
        pairs = [(os.path.join(src, n), os.path.join(dst, n[:-3] + ".npy"))
                 for n in names]
    elif len(argv) == 2 and not argv[0].startswith("-"):
        pairs = [(argv[0], argv[1])]
    else:
        sys.exit("usage: onnx_pb.py IN.pb OUT.npy\n"
                 "       onnx_pb.py --dir DATA_SET_DIR OUT_DIR")
    for src, dst in pairs:
        try:
            convert(src, dst)
        except PbError as e:
            sys.exit(f"onnx_pb: {src}: {e}")


if __name__ == "__main__":
    main(sys.argv[1:])
