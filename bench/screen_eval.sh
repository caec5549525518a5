#!/usr/bin/env bash
# Screening figures for docs/PERFORMANCE.md: recall on the treated UN names, false positives on
# the 100,000 synthetic negatives, throughput and latency against the full CSL, index versus
# brute force, import time and memory, name-pair agreement, and the CLI end to end.
# Usage: bench/screen_eval.sh [BUILD_DIR] [SHARED_DATA_DIR]
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
shared=${2:-../shared/data}
if [ ! -d "$shared/eval/yente" ]; then
  echo "screen_eval: $shared is absent (see ../shared/data/PROVENANCE.md); skipped"
  exit 0
fi
"$build/bench/screen_eval" "$shared"

echo
echo "== exportctl lists import / screen --batch (100,000 negatives) end to end"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin="$build/exportctl"
/usr/bin/time -f "lists import: %e s wall, %M KB max RSS" \
  "$bin" --data-dir "$tmp/data" lists import "$shared/csl/consolidated_2026-07-31.json" > /dev/null
{ head -1 "$shared/eval/yente/negatives_us.csv"; tail -n +2 "$shared/eval/yente/negatives_us.csv";
  tail -n +2 "$shared/eval/yente/negatives_global.csv"; } > "$tmp/negatives.csv"
/usr/bin/time -f "screen --batch: %e s wall, %M KB max RSS" \
  "$bin" --data-dir "$tmp/data" screen --batch "$tmp/negatives.csv" > "$tmp/out.jsonl"
echo "rows with a hit: $(grep -vc '"hits":\[\]' "$tmp/out.jsonl") of $(wc -l < "$tmp/out.jsonl")"
