#!/usr/bin/env bash
# End-to-end: `exportctl simulate` on the bundled example demand, and its input errors.
# Usage: simulate_cli_test.sh path/to/exportctl repo_root
source "$(dirname "$0")/expect.sh" "$@"
json_ok() { python3 -c "import json,sys; d=json.load(open('$1')); sys.exit(0 if ($2) else 1)"; }

d="$tmp/data"
"$bin" simulate --demand "$root/examples/simulate/demand.csv" --policy enforced --policy codified \
  --out "$tmp/rep" --data-dir "$d" --json > "$tmp/summary.json"
expect "simulate on the example demand exits 0" test $? -eq 0
for f in summary.json report.html orders.csv by_country_quarter.csv exhausted.csv flips.csv; do
  expect "simulate writes $f" test -s "$tmp/rep/$f"
done
expect "--json prints summary.json" cmp -s "$tmp/summary.json" "$tmp/rep/summary.json"
expect "summary has both policy sets with totals per outcome" json_ok "$tmp/summary.json" \
  "[p['id'] for p in d['policy_sets']]==['enforced','codified'] and sum(t['orders'] for t in d['policy_sets'][1]['totals'].values())==d['orders']"
expect "codified exhausts the UAE country allocation (15 CFR 742.6(b)(10)(iii)(B))" json_ok "$tmp/summary.json" \
  "any(e['account']=='country:AE' for e in d['policy_sets'][1]['exhausted'])"
expect "flips name the first differing reason on both sides" json_ok "$tmp/summary.json" \
  "d['flips_total']>0 and all(f['first_difference'][k]['rule'] for f in d['flips'] for k in ('enforced','codified'))"
expect "orders.csv has one row per order" test "$(($(wc -l < "$tmp/rep/orders.csv") - 1))" -eq \
  "$(python3 -c "import json; print(json.load(open('$tmp/summary.json'))['orders'])")"
expect "the report has SVG charts and no script" sh -c "grep -q '<svg' '$tmp/rep/report.html' && ! grep -q '<script' '$tmp/rep/report.html'"
expect "nothing was written to the data directory's ledger" test ! -e "$d/ledger.sqlite"

# --- Bad input: exit 2 naming the file, line and field --------------------------------------------
printf '%s\n' '{"reference":"a","as_of":"2026-01-05","destination":"AE","items":[{"chip":"H100 SXM5 80GB","quantity":1}]}' \
  '{"reference":"b","as_of":"2026-01-05","destination":"Atlantis","items":[{"chip":"H100 SXM5 80GB","quantity":1}]}' > "$tmp/bad.jsonl"
"$bin" simulate --orders "$tmp/bad.jsonl" --out "$tmp/bad" --data-dir "$d" 2> "$tmp/err" > /dev/null
expect "a bad order line exits 2" test $? -eq 2
expect "the error names file:line.field" grep -q '"field":"bad.jsonl:2.destination"' "$tmp/err"
"$bin" simulate --orders "$tmp/bad.jsonl" --policy lenient --out "$tmp/bad" --data-dir "$d" 2> "$tmp/err" > /dev/null
expect "an unknown policy set exits 2 naming --policy" sh -c "test $? -eq 2 && grep -q '\"field\":\"--policy\"' '$tmp/err'"
"$bin" simulate --out "$tmp/bad" --data-dir "$d" 2> "$tmp/err" > /dev/null
expect "no orders and no demand exits 2" test $? -eq 2
printf 'country,quarter,chip,quantity,consignee_profile\nAE,2026-Q9,H100 SXM5 80GB,10,local\n' > "$tmp/demand.csv"
"$bin" simulate --demand "$tmp/demand.csv" --out "$tmp/bad" --data-dir "$d" 2> "$tmp/err" > /dev/null
expect "a bad demand row exits 2 naming row and column" sh -c "test $? -eq 2 && grep -q '\"field\":\"demand.csv:2.quarter\"' '$tmp/err'"
exit $fails
