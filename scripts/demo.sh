#!/usr/bin/env bash
# The main job on bundled data: classify catalog chips and decide example shipments.
set -euo pipefail
bin=${1:-build/exportctl}
cd "$(dirname "$0")/.."
echo "== Classification of catalog chips (as of 2026-11-29, enforced posture)"
for chip in "H100 SXM5 80GB" "H20" "L40" "GeForce RTX 4090" "B200" "Ascend 910B" "MLU370-X8"; do
  "$bin" classify "$chip" --as-of 2026-11-29
done
echo
echo "== Decisions on example shipments (examples/*.json)"
for f in examples/0*.json; do
  echo "-- $f"
  "$bin" check --text "$f"
done
echo "== A batch (examples/batch.jsonl) as CSV for a spreadsheet; the bad line is reported, not guessed"
"$bin" check --batch examples/batch.jsonl --csv || echo "(exit code $?: one line was invalid input, as intended)"
echo "== Every decision above is in the audit log (./exportctl-data/audit.sqlite); its hash chain verifies"
"$bin" audit verify
