#!/usr/bin/env bash
# The policy simulator at scale: SIM_ORDERS orders (default 1,000,000, from a demand CSV) under
# four policy sets; wall time, CPU time and peak memory against the target (10 s, 1 GB), with the
# machine's load average before and after (docs/PERFORMANCE.md, "Policy simulator").
# Usage: bench/simulate.sh [build-dir]   (make bench-simulate; SIM_ORDERS=20000 for a quick run)
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
orders=${SIM_ORDERS:-1000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp/demand.csv" "$orders" <<'PY'
import sys
out, total = sys.argv[1], int(sys.argv[2])
countries = ["AE", "SA", "IN", "MY", "VN", "SG", "IL", "BR", "MX", "DE"]
chips = ["H100 SXM5 80GB", "B200 SXM (HGX)", "H200 SXM 141GB", "L40S PCIe 48GB"]
profiles = ["local", "us_headquartered", "china_headquartered"]
quarters = [f"{y}-Q{q}" for y in (2026, 2027) for q in range(1, 5)]
rows = [(c, q, chips[i % len(chips)], profiles[i % len(profiles)]) for i, (c, q) in
        enumerate((c, q) for c in countries for q in quarters)]
per_row = total // len(rows)
with open(out, "w") as f:
    f.write("country,quarter,chip,quantity,consignee_profile,orders\n")
    for i, (c, q, chip, prof) in enumerate(rows):
        n = per_row + (1 if i < total % len(rows) else 0)
        f.write(f"{c},{q},{chip},{n * 8},{prof},{n}\n")
PY
echo '{"posture": "enforced"}' > "$tmp/e.json"
echo '{"posture": "codified"}' > "$tmp/c.json"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "wall_seconds %e  user_seconds %U  sys_seconds %S  max_rss_kb %M" "$build/exportctl" --data-dir "$tmp/data" simulate \
  --demand "$tmp/demand.csv" --policy enforced --policy codified --policy enforced2="$tmp/e.json" \
  --policy codified2="$tmp/c.json" --out "$tmp/out" 2>&1 | grep -v '^Report'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "orders: $orders, policy sets: 4 (target at 1,000,000: wall_seconds <= 10, max_rss_kb <= 1048576)"
