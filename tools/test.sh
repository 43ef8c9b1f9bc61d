#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs the whole
# suite (the lit tests: dialect, passes, compiler, runtime unit tests,
# end-to-end runs against numpy references), then the runtime under
# ASan/UBSan with a short fuzz run of its loader.
# Ends with one summary line "tests: N passed, N failed".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RECUR_BUILD_DIR:-$root/build}"

"$root/tools/install-deps.sh"
"$root/tools/build.sh"

results="$build/test/lit-results.json"
status=0
/usr/lib/llvm-22/bin/lit -sv --output "$results" "$build/test" || status=$?

# The runtime again, under AddressSanitizer and UndefinedBehaviorSanitizer
# (its unit tests and a short fuzz run of the module loader).
sanitize=0
"$root/tools/sanitize-runtime.sh" || sanitize=$?

python3 - "$results" "$sanitize" <<'PY'
import json, sys
tests = json.load(open(sys.argv[1]))["tests"]
codes = [t["code"] for t in tests]
# The sanitizer run counts as one test.
codes.append("PASS" if sys.argv[2] == "0" else "FAIL")
passed = sum(c in ("PASS", "XFAIL") for c in codes)
failed = sum(c in ("FAIL", "XPASS", "UNRESOLVED", "TIMEOUT") for c in codes)
skipped = len(codes) - passed - failed
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
[ "$sanitize" -eq 0 ] || status=1
exit $status
