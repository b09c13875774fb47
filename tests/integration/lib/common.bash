# Helpers shared by the integration tests (sourced; not a test itself).
# ok / bad count checks; expect CODE PATTERN -- command... runs a command and
# checks its exit code and an extended regex in its stderr+stdout; json FILE
# EXPR prints a Python expression over the parsed file `d`; finish NAME prints
# the closing "NAME: N passed, M failed" line and returns non-zero on failure.
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect() {
  local code=$1 pat=$2; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -ne "$code" ]; then bad "exit $rc (wanted $code): $*"$'\n'"$(tail -20 <<<"$out")"; return; fi
  if ! grep -qE -- "$pat" <<<"$out"; then bad "no '$pat' in output of: $*"$'\n'"$(tail -20 <<<"$out")"; return; fi
  ok
}
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
finish() {
  echo "$1: $passes passed, $fails failed"
  [ "$fails" -eq 0 ]
}
