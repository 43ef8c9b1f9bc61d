"""Writing MLIR text for the generated execution tests.

The generators in this folder (gen_scan_tests.py, gen_recurrence_tests.py,
gen_cell_tests.py, gen_hoist_fuse_tests.py) each compute their expected
values from their own numpy reference; what they share is only how a test
is spelled, which lives here:

- tensor types, dense constants (cast to dynamic sizes where a case asks),
  calls to printMemrefF32 and the `// EXPECT: shape=[..] [..]` line that
  numcheck compares each print with;
- function definitions and calls, for cases outlined so that their sizes
  stay dynamic at run time;
- the comment block opening every generated file (RUN lines, who generated
  it, how to regenerate it, the summary);
- TestFile and Case, the writer of the usual layout: @main holding the cases
  one after another, each its comment, its EXPECT lines and its ops, then the
  functions the cases outlined.

Nothing here knows the semantics of an op: the numpy references stay in the
scripts, independent of each other and of the compiler. Output must stay
byte for byte what the committed tests hold, so a change here is checked by
rerunning every generator and finding the test files unchanged.

Names: functions that need fresh SSA names take `fresh`, a callable that
maps a base ("c", "p") to a new name ("%c12", "%p13"), so that each script
keeps its own numbering.
"""

import os

import numpy as np

# The RUN line of a test that runs the reference lowering and checks its
# prints against the EXPECT lines.
RUN_REFERENCE = "// RUN: %run-reference | %numcheck"

# The declaration every test that prints needs.
PRINT_DECL = "func.func private @printMemrefF32(tensor<*xf32>)"


# ---------------------------------------------------------------------------
# Types and literals
# ---------------------------------------------------------------------------

def tensor_type(shape, elem="f32", dynamic=()):
    """The ranked tensor type of `shape`: a size is dynamic (`?`) when its
    index is in `dynamic` or it is None (or already "?")."""
    dims = ["?" if d in dynamic or s is None else str(s)
            for d, s in enumerate(shape)]
    return "tensor<" + "".join(d + "x" for d in dims) + elem + ">"


def fmt_f32(v):
    """The shortest decimal that reads back as the same f32."""
    return np.format_float_positional(np.float32(v), unique=True, trim="0")


def literal(arr):
    """The body of a dense<...> attribute holding `arr`: nested lists,
    integers as they are, floats as fmt_f32 spells them."""
    if arr.ndim == 0:
        v = arr.item()
        if isinstance(v, (int, np.integer)):
            return str(int(v))
        return fmt_f32(v)
    return "[" + ", ".join(literal(a) for a in arr) + "]"


def fmt_out(v):
    """An expected value as an EXPECT line holds it."""
    return "%.7g" % v


def expect_line(expected):
    """The `// EXPECT:` line numcheck compares a print of `expected` with."""
    expected = np.asarray(expected, dtype=np.float64)
    return "// EXPECT: shape=[%s] [%s]" % (
        ", ".join(str(s) for s in expected.shape),
        ", ".join(fmt_out(v) for v in expected.ravel()))


def comment_lines(text, prefix="// "):
    """`text` (stripped) as comment lines; an empty line is a bare `//`."""
    return [prefix + l if l else prefix.rstrip()
            for l in text.strip().splitlines()]


# ---------------------------------------------------------------------------
# Ops
# ---------------------------------------------------------------------------

def constant(fresh, arr, elem="f32", dynamic=()):
    """A dense constant holding `arr` (tensor.empty when it has no element),
    cast to make the `dynamic` dimensions dynamic. Returns (lines, value,
    type)."""
    static = tensor_type(arr.shape, elem)
    v = fresh("c")
    if arr.size == 0:
        lines = ["%s = tensor.empty() : %s" % (v, static)]
    else:
        lines = ["%s = arith.constant dense<%s> : %s"
                 % (v, literal(arr), static)]
    if not dynamic:
        return lines, v, static
    typ = tensor_type(arr.shape, elem, dynamic)
    d = fresh("d")
    lines.append("%s = tensor.cast %s : %s to %s" % (d, v, static, typ))
    return lines, d, typ


def print_call(fresh, value, typ):
    """The ops printing the f32 tensor `value` of type `typ`."""
    p = fresh("p")
    return ["%s = tensor.cast %s : %s to tensor<*xf32>" % (p, value, typ),
            "call @printMemrefF32(%s) : (tensor<*xf32>) -> ()" % p]


def print_tensor(fresh, value, typ, expected):
    """Prints `value`, expecting `expected`; an empty tensor prints its
    shape instead (printMemrefF32 prints stray values for an empty memref).
    Returns (lines, the EXPECT line)."""
    expected = np.asarray(expected, dtype=np.float64)
    lines = []
    if expected.size == 0:
        rank = expected.ndim
        dims = []
        for d in range(rank):
            idx, dim, i64, f = (fresh(x) for x in ("i", "dim", "n", "f"))
            lines += [
                "%s = arith.constant %d : index" % (idx, d),
                "%s = tensor.dim %s, %s : %s" % (dim, value, idx, typ),
                "%s = arith.index_cast %s : index to i64" % (i64, dim),
                "%s = arith.sitofp %s : i64 to f32" % (f, i64)]
            dims.append(f)
        # The shape folds to a constant, which bufferization cannot pass to
        # the print as it is: print a copy.
        shape, empty, value = (fresh(x) for x in ("shape", "empty", "copy"))
        typ = tensor_type([rank])
        lines += [
            "%s = tensor.from_elements %s : %s"
            % (shape, ", ".join(dims), typ),
            "%s = tensor.empty() : %s" % (empty, typ),
            "%s = linalg.copy ins(%s : %s) outs(%s : %s) -> %s"
            % (value, shape, typ, empty, typ, typ)]
        expected = np.array(expected.shape, dtype=np.float64)
    return lines + print_call(fresh, value, typ), expect_line(expected)


def func_def(fn, args, arg_types, result_types, body, results):
    """The lines of func.func `fn` (args named `args`) whose `body` lines
    end by returning `results`; a blank line after it."""
    return ["func.func %s(%s) -> (%s) {" % (
        fn, ", ".join("%s: %s" % (a, t) for a, t in zip(args, arg_types)),
        ", ".join(result_types))] + ["  " + l for l in body] + [
        "  return %s : %s" % (", ".join(results), ", ".join(result_types)),
        "}", ""]


def call(result, fn, args, arg_types, result_types):
    """A call of `fn` whose results are named after `result` (%r, or %r#k
    when there are several). Returns (line, result names)."""
    n = len(result_types)
    line = "%s%s = call %s(%s) : (%s) -> (%s)" % (
        result, ":%d" % n if n > 1 else "", fn, ", ".join(args),
        ", ".join(arg_types), ", ".join(result_types))
    return line, [result + ("#%d" % k if n > 1 else "") for k in range(n)]


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------

def header(script, source, summary, runs=(RUN_REFERENCE,)):
    """The comment block opening a generated test: `runs` (its RUN lines,
    and any other directive), the script that wrote it and how to rerun it,
    where the expected values come from (`source`) and the summary."""
    return list(runs) + [
        "//",
        "// Generated by %s; do not edit. Regenerate with" % script,
        "//   /usr/bin/python3 %s" % script,
        "// Expected values: numpy (float64) from %s." % source,
        "//",
    ] + comment_lines(summary)


class Case:
    """One case of a TestFile: a comment, its EXPECT lines and its ops in
    @main."""

    def __init__(self, test, comment):
        self.test, self.comment = test, comment
        self.expects, self.ops = [], []

    def name(self, base):
        return self.test.name(base)

    def const(self, arr, elem="f32", dynamic=()):
        """A dense constant of `arr`, cast to make the `dynamic` dimensions
        dynamic; returns (value, type)."""
        lines, value, typ = constant(self.name, arr, elem, dynamic)
        self.ops += lines
        return value, typ

    def print(self, value, typ, expected):
        """Prints `value`, expecting `expected` (see print_tensor)."""
        lines, expect = print_tensor(self.name, value, typ, expected)
        self.ops += lines
        self.expects.append(expect)


class TestFile:
    """A generated test file of the usual layout: the header, the print
    declaration, @main running the cases in order, then the functions
    (`funcs`, lines) the cases outlined. Subclasses set `out_dir` (where the
    file goes), `script` (the generator, from the repository root),
    `source` (where the expected values come from) and may set `case_class`.
    `xfail`, when given, says why the lowering fails the file today: it then
    expects to fail, and passes once that is fixed, so lit reports XPASS
    (drop the xfail then)."""

    out_dir = None
    script = None
    source = "the op's definition"
    case_class = Case

    def __init__(self, filename, summary, xfail=None):
        self.filename, self.summary, self.xfail = filename, summary, xfail
        self.cases, self.funcs, self.counter = [], [], 0

    def name(self, base):
        """A fresh SSA name: `base` numbered by a counter of the file."""
        self.counter += 1
        return "%%%s%d" % (base, self.counter)

    def case(self, comment):
        c = self.case_class(self, comment)
        self.cases.append(c)
        return c

    def write(self):
        runs = [RUN_REFERENCE]
        if self.xfail:
            runs += ["// XFAIL: *"] + comment_lines(self.xfail)
        lines = header(self.script, self.source, self.summary, runs)
        lines += ["", PRINT_DECL, "", "func.func @main() {"]
        for i, c in enumerate(self.cases):
            if i:
                lines.append("")
            lines += comment_lines(c.comment, "  // ")
            lines += ["  " + e for e in c.expects]
            lines += ["  " + o for o in c.ops]
        lines += ["  return", "}", ""] + self.funcs
        with open(os.path.join(self.out_dir, self.filename), "w") as f:
            f.write("\n".join(lines))
