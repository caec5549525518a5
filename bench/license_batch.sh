#!/usr/bin/env bash
# check --batch throughput with and without licenses (issue: "check --batch throughput with
# licenses ≥ 0.9 of without"). Usage: bench/license_batch.sh BUILD_DIR [LICENSES] [LINES] [ROUNDS]
# Three data directories: none (no license recorded), and two holding LICENSES licenses for B300
# to AE (`licenses add` of generated files), each naming its own consignee "Compute Company N LLC".
# The same batch of LINES one-item B300 orders to AE is checked (`check --no-audit --batch`) with
#   - no licenses (LICENSE_REQUIRED);
#   - the consignee named on one license (LICENSED; the ledger's license accounts read);
#   - the consignee ("Falcon Desert Compute FZ-LLC") named on none but sharing "compute" with all.
# Prints wall seconds per run, best of ROUNDS, and the ratio of each to the run without licenses.
set -euo pipefail
build=${1:-build}
licenses=${2:-300}
lines=${3:-2000}
rounds=${4:-3}
bin="$(cd "$build" && pwd)/exportctl"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" "$licenses" "$lines" <<'PY'
import json, os, sys
tmp, n, lines = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(f"{tmp}/files")
for k in range(n):
    json.dump({"number": f"D{2000000 + k}", "holder": "Example Exporter Inc", "issued": "2026-01-01",
               "expires": "2027-12-31", "destinations": ["AE"],
               "items": [{"chip": "B300 SXM", "quantity": 1000000}], "tpp_limit": None, "value_usd_limit": None,
               "parties": [{"role": "ultimate_consignee", "name": f"Compute Company {k} LLC", "country": "AE"}],
               "conditions": ["No reexport without BIS authorization"]}, open(f"{tmp}/files/{k}.json", "w"))
def batch(path, name):
    with open(path, "w") as f:
        for i in range(lines):
            f.write(json.dumps({"reference": f"SO-{i}", "as_of": "2026-06-01", "posture": "enforced", "destination": "AE",
                                "items": [{"chip": "B300 SXM (HGX, Blackwell Ultra)", "quantity": 1}],
                                "parties": [{"role": "ultimate_consignee", "name": name, "country": "AE", "headquarters": "AE",
                                             "ultimate_parent_headquarters": "AE"}]}, separators=(",", ":")) + "\n")
batch(f"{tmp}/named.jsonl", "Compute Company 7 LLC")
batch(f"{tmp}/alike.jsonl", "Falcon Desert Compute FZ-LLC")
PY
mkdir -p "$tmp/none"
for f in "$tmp"/files/*.json; do "$bin" --data-dir "$tmp/lic" licenses add "$f" > /dev/null; done
run() {  # data dir, batch file → seconds (wall)
  local s e
  s=$(date +%s%N)
  "$bin" --data-dir "$tmp/$1" check --no-audit --json --batch "$tmp/$2" > "$tmp/out.jsonl"
  e=$(date +%s%N)
  echo "scale=3; ($e - $s) / 1000000000" | bc
}
best() {  # data dir, batch file → best of the rounds
  local b="" t
  for _ in $(seq "$rounds"); do
    t=$(run "$1" "$2")
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
  done
  echo "$b"
}
outcome() { python3 -c "import json,sys; print(json.loads(open('$tmp/out.jsonl').readline())['outcome'])"; }
none=$(best none named.jsonl); o1=$(outcome)
named=$(best lic named.jsonl); o2=$(outcome)
alike=$(best lic alike.jsonl); o3=$(outcome)
echo "$lines orders, $licenses licenses, best of $rounds (wall seconds), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "no licenses ($o1): $none"
echo "consignee named on one ($o2): $named  ratio $(echo "scale=2; $none / $named" | bc)"
echo "consignee named on none, sharing a word with all ($o3): $alike  ratio $(echo "scale=2; $none / $alike" | bc)"
