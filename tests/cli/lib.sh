# Assertions for the end-to-end CLI tests. Each test script is run as
#   bash tests/cli/test_X.sh <path to shamisa> <tests/data folder>
set -u
SHAMISA="$1"
DATA="$2"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
failures=0

# run ARGS…: runs shamisa, keeping stdout, stderr and the exit code in $WORK/out, $WORK/err, $rc.
run() {
  "$SHAMISA" "$@" >"$WORK/out" 2>"$WORK/err"
  rc=$?
}

fail() {
  echo "FAIL: $*" >&2
  echo "  stdout: $(head -c 600 "$WORK/out")" >&2
  echo "  stderr: $(head -c 600 "$WORK/err")" >&2
  failures=$((failures + 1))
}

expect_rc() { [ "$rc" -eq "$1" ] || fail "expected exit $1, got $rc (${2:-})"; }
expect_stdout() { grep -qF -- "$1" "$WORK/out" || fail "stdout lacks '$1'"; }
expect_stderr() { grep -qF -- "$1" "$WORK/err" || fail "stderr lacks '$1'"; }
expect_stdout_lines() {
  local n
  n=$(wc -l <"$WORK/out")
  [ "$n" -eq "$1" ] || fail "expected $1 stdout lines, got $n"
}
expect_empty_stderr() { [ ! -s "$WORK/err" ] || fail "stderr should be empty"; }

finish() {
  if [ "$failures" -gt 0 ]; then
    echo "$failures assertion(s) failed" >&2
    exit 1
  fi
  exit 0
}
