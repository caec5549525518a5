#!/usr/bin/env bash
# `make bench`: engine benchmarks, then every module's bench script (bench/*.sh).
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
bin="$build/exportctl"

echo "== Engine: in-process determinations (Google Benchmark)"
"$build/bench/engine_bench" --benchmark_min_time=1

echo
echo "== Engine: check --batch end to end (JSONL in, JSONL out)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp/batch.jsonl" <<'PY'
import json, random, sys
random.seed(7)
chips = ["H100 SXM5 80GB", "H20", "L40", "B200", "GeForce RTX 4090", "MI300X", "L4", "H200 SXM 141GB"]
dests = ["DE", "IN", "MY", "CN", "VN", "AE", "SG", "BR", "JP", "SA"]
with open(sys.argv[1], "w") as f:
    for i in range(200000):
        d = random.choice(dests)
        tx = {"reference": f"SO-{i}", "as_of": random.choice(["2024-06-01", "2025-06-01", "2026-03-01"]),
              "destination": d, "items": [{"chip": random.choice(chips), "quantity": random.randint(1, 2000)}],
              "parties": [{"role": "ultimate_consignee", "name": f"Consignee {i}", "country": d, "headquarters": d,
                           "restricted_lists": []}]}
        f.write(json.dumps(tx, separators=(",", ":")) + "\n")
PY
lines=$(wc -l < "$tmp/batch.jsonl")
for mode in --no-audit --audit; do
  # --audit: every decision appended to a fresh SQLite audit log (one commit per 4,096 lines).
  rm -rf "$tmp/data"
  flags=(--no-audit)
  [ "$mode" = --audit ] && flags=()
  start=$(date +%s%N)
  "$bin" --data-dir "$tmp/data" check "${flags[@]}" --batch "$tmp/batch.jsonl" > "$tmp/out.jsonl"
  end=$(date +%s%N)
  ns=$((end - start))
  echo "$mode  lines: $lines  seconds: $(python3 -c "print(f'{$ns/1e9:.3f}')")  lines/s: $(python3 -c "print(int($lines/($ns/1e9)))")  outputs: $(wc -l < "$tmp/out.jsonl")"
done

echo
echo "== Engine: start-up (load and validate all regulatory data, print one country), 20 runs"
start=$(date +%s%N)
for _ in $(seq 20); do "$bin" countries CN --as-of 2026-01-01 > /dev/null; done
end=$(date +%s%N)
echo "mean wall time per run: $(python3 -c "print(f'{($end-$start)/20/1e6:.1f} ms')")"

if [ -x "$build/bench/ledger_bench" ]; then
  echo
  echo "== Ledger: durable reservations/s vs the raw database (PostgreSQL from scripts/start-postgres.sh)"
  "$build/bench/ledger_bench" --seconds 4 --data "$PWD/data"
fi

if [ -x "$build/bench/server_load" ]; then
  echo
  echo "== Server: POST /v1/check on loopback vs a trivial route, audit log off and on"
  "$build/bench/server_load" --seconds 3
fi

for s in bench/*.sh; do
  [ -e "$s" ] || continue
  echo
  echo "== $s"
  "$s" "$build"
done
