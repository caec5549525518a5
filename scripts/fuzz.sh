#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, seeded from the examples and (when present) the
# heads of the real lists in ../shared/data. Fails on the first crash.
set -euo pipefail
build=${1:-build-fuzz}
seconds=${2:-60}
cd "$(dirname "$0")/.."
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
mkdir -p "$corpus/transaction"
cp examples/*.json "$corpus/transaction/"
split -l 1 -d examples/batch.jsonl "$corpus/transaction/batch-"
shared=../shared/data
seed() {  # seed NAME FILE LINES
  mkdir -p "$corpus/$1"
  [ -f "$2" ] && head -c 20000 "$2" > "$corpus/$1/head" || true
}
seed csl_json "$shared/csl/consolidated_2026-07-31.json"
seed csl_csv "$shared/csl/consolidated_2025-06_sample.csv"
seed sdn_csv "$shared/ofac/sdn_2024-05-03.csv"
seed dpl_txt "$shared/bis/dpl_2022-09.txt"
mkdir -p "$corpus/screen" "$corpus/csv"
printf 'Huawei Technologies' > "$corpus/screen/latin"
printf 'H U A W E I Technologies' > "$corpus/screen/spaced"
printf '\xe2\x80\xaeseigolonhceT iewauH' > "$corpus/screen/rlo"
printf '\xd0\x9d\xd0\xb8\xd0\xb0wei' > "$corpus/screen/mixed"
printf 'Soci\xe9t\xe9' > "$corpus/screen/latin1"
printf 'name,country,id\nHuawei,CN,1\n"Soci\xe9t\xe9, SA",FR,2\n' > "$corpus/csv/batch"
mkdir -p "$corpus/bom"
cp examples/server-bom.csv "$corpus/bom/"
mkdir -p "$corpus/ownership"
printf 'owner,owned,percent,source,as_of,owner_country,owned_country,owner_id,owned_id,start_date,end_date\nX,A,60%%,Orbis,2026-10-01,CN,MY,,,,\n"Y, Ltd",A,25-40%%,Orbis,2026-10-01,cn,my,Y-1,,2020-01,2026\n' > "$corpus/ownership/csv"
printf '{"id":"o1","schema":"Ownership","properties":{"owner":["c1"],"asset":["c2"],"percentage":["51%%"],"startDate":["2020"]},"datasets":["d"]}\n{"id":"c1","schema":"Company","properties":{"name":["Holdco"],"country":["cn"],"registrationNumber":["9144"]}}\n{"id":"c2","schema":"Company","properties":{"name":["Opco"],"jurisdiction":["my"]}}\n' > "$corpus/ownership/ftm"
for target in "$build"/fuzz/*_fuzz; do
  name=$(basename "$target" _fuzz)
  name=${name#list_}
  dir="$corpus/$name"
  mkdir -p "$dir"
  if [ -n "${FUZZ_RUNS:-}" ]; then
    # A fixed number of runs from a fixed seed: the same inputs every time (what CI runs).
    limit=(-runs="$FUZZ_RUNS" -seed=1)
    echo "== $(basename "$target"): $FUZZ_RUNS runs, seed 1"
  else
    limit=(-max_total_time="$seconds")
    echo "== $(basename "$target") for ${seconds}s"
  fi
  "$target" "$dir" "${limit[@]}" -max_len=65536 -rss_limit_mb=4096 -print_final_stats=1 > "$corpus/log" 2>&1 ||
    { tail -40 "$corpus/log"; echo "fuzz target $(basename "$target") failed"; exit 1; }
  tail -4 "$corpus/log"
done
