# Shared by the end-to-end CLI scripts: $bin, $root, a temporary directory $tmp removed on exit,
# and `expect NAME CONDITION...`, which counts failures in $fails.
# Usage (from a script): source "$(dirname "$0")/expect.sh" "$@"
set -uo pipefail
bin=$1
root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
expect() {  # expect NAME CONDITION...
  local name=$1; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
