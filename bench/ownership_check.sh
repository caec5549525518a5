#!/usr/bin/env bash
# check --batch throughput with and without an ownership graph (issue: "check throughput drops by
# at most 10 % with a graph loaded"). Usage: bench/ownership_check.sh BUILD_DIR [STAKES] [LINES]
# Generates a graph of STAKES stakes (three layers of companies, 1 % of the top layer on the Entity
# List), a batch of LINES orders (half the consignees in the graph, half not) and times
# `check --no-audit --batch` on a data directory without the graph and one with it, alternating,
# three rounds. The graph's load and the name matcher's build are fixed costs: each run is also
# timed on a one-line batch and the difference gives the per-line rate.
set -euo pipefail
build=${1:-build}
stakes=${2:-1000000}
lines=${3:-20000}
bin="$(cd "$build" && pwd)/exportctl"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" "$stakes" "$lines" <<'PY'
import json, random, sys
tmp, stakes, lines = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(11)
tops = max(100, stakes // 200)
mids = max(1000, stakes // 10)
with open(f"{tmp}/graph.csv", "w") as f:
    f.write("owner,owned,percent,source,as_of,owner_country,owned_country\n")
    n = 0
    for m in range(mids):
        f.write(f"Parent Group {random.randrange(tops)},Regional Holdco {m},{random.choice([30, 50, 60, 100])},Registry,2026-10-01,CN,HK\n")
        n += 1
    ops = 0
    while n < stakes:
        f.write(f"Regional Holdco {random.randrange(mids)},Operating Co {ops},{random.choice([20, 50, 51, 100])},Registry,2026-10-01,HK,MY\n")
        n += 1
        ops += 1
listed = [{"id": f"el{k}", "source": "Entity List (EL) - Bureau of Industry and Security", "name": f"Parent Group {k}",
           "addresses": [{"country": "CN"}], "federal_register_notice": "90 FR 1"} for k in range(0, tops, 100)]
json.dump({"results": listed}, open(f"{tmp}/consolidated_2026-11-29.json", "w"))
chips = ["H100 SXM5 80GB", "H20", "L40", "B200", "L4"]
dests = ["IN", "MY", "VN", "AE", "SG", "BR"]
def line(i):
    d = random.choice(dests)
    name = f"Operating Co {random.randrange(ops)}" if i % 2 == 0 else f"Consignee {i}"
    return json.dumps({"reference": f"SO-{i}", "as_of": "2026-11-20", "destination": d,
                       "items": [{"chip": random.choice(chips), "quantity": random.randint(1, 200)}],
                       "parties": [{"role": "ultimate_consignee", "name": name, "country": d, "headquarters": d,
                                    "ultimate_parent_headquarters": d, "restricted_lists": []}]}, separators=(",", ":"))
with open(f"{tmp}/batch.jsonl", "w") as f:
    for i in range(lines):
        f.write(line(i) + "\n")
with open(f"{tmp}/one.jsonl", "w") as f:
    f.write(line(1) + "\n")
PY
for d in without with; do
  "$bin" --data-dir "$tmp/$d" lists import "$tmp/consolidated_2026-11-29.json" > /dev/null
done
start=$(date +%s%N)
"$bin" --data-dir "$tmp/with" --max-list-age-days 36500 ownership import "$tmp/graph.csv" > /dev/null
echo "imported $stakes stakes in $(( ($(date +%s%N) - start) / 1000000 )) ms"
run() {  # data dir, batch file → milliseconds
  local s e
  s=$(date +%s%N)
  "$bin" --data-dir "$tmp/$1" --max-list-age-days 36500 check --no-audit --batch "$tmp/$2" > "$tmp/out.jsonl"
  e=$(date +%s%N)
  echo $(( (e - s) / 1000000 ))
}
for round in 1 2 3; do
  for d in without with; do
    one=$(run "$d" one.jsonl)
    all=$(run "$d" batch.jsonl)
    covered=$(grep -c 'Parent Group' "$tmp/out.jsonl" || true)
    echo "round $round, $d graph: one line ${one} ms, $lines lines ${all} ms, per-line rate $(python3 -c "print(int(($lines-1)/max(1e-3,($all-$one)/1000)))") lines/s; decisions naming a listed owner: $covered"
  done
done
