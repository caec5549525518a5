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
# --- Country agreements as overlays (--overlay FILE|ID) -------------------------------------------
"$bin" simulate --demand "$root/examples/simulate/demand.csv" --policy codified \
  --overlay us-uae-ai-acceleration-partnership-2025 --out "$tmp/ov" --data-dir "$d" --json > "$tmp/ov.json"
expect "simulate --overlay with a bundled id exits 0" test $? -eq 0
expect "the policy set names the overlay it ran under" json_ok "$tmp/ov.json" \
  "d['policy_sets'][0]['overlays'][0]['id']=='us-uae-ai-acceleration-partnership-2025' and d['policy_sets'][0]['overlays'][0]['status']=='announced'"
ae_plain=$(python3 -c "import json; print([e['date'] for e in json.load(open('$tmp/summary.json'))['policy_sets'][1]['exhausted'] if e['account']=='country:AE'][0])")
expect "the doubled UAE allocation (1,580,000,000 TPP) runs out later than the codified one" json_ok "$tmp/ov.json" \
  "[(e['cap_tpp'], e['date']>'$ae_plain') for e in d['policy_sets'][0]['exhausted'] if e['account']=='country:AE']==[(1580000000, True)]"
"$bin" simulate --demand "$root/examples/simulate/demand.csv" --overlay no-such-deal --out "$tmp/bad" --data-dir "$d" 2> "$tmp/err" > /dev/null
expect "an unknown overlay exits 2 naming --overlay" sh -c "test $? -eq 2 && grep -q '\"field\":\"--overlay\"' '$tmp/err'"
cat > "$tmp/late.json" <<'JSON'
{"id": "late-deal", "title": "A deal after the demand", "country": "AE", "effective": "2030-01-01", "expiry": null,
 "status": "hypothetical", "changes": [{"kind": "allocation_uplift", "fraction": 0.5, "citation": "15 CFR 742.6(b)(10)(iii)(C)"}]}
JSON
"$bin" simulate --demand "$root/examples/simulate/demand.csv" --overlay "$tmp/late.json" --out "$tmp/bad" --data-dir "$d" 2> "$tmp/err" > /dev/null
expect "an overlay in force on no order's date exits 2 naming it" sh -c "test $? -eq 2 && grep -q 'late-deal' '$tmp/err'"
sed 's/"fraction": 0.5/"fraction": 2/' "$tmp/late.json" > "$tmp/bad-deal.json"
"$bin" simulate --demand "$root/examples/simulate/demand.csv" --overlay "$tmp/bad-deal.json" --out "$tmp/bad" --data-dir "$d" 2> "$tmp/err" > /dev/null
expect "a bad overlay field exits 2 naming file and field" sh -c "test $? -eq 2 && grep -q '\"field\":\"bad-deal.json.changes\[0\].fraction\"' '$tmp/err'"

printf '%s' '{"as_of":"2026-03-01","posture":"codified","destination":"AE","items":[{"chip":"B200 SXM (HGX)","quantity":100}],"parties":[{"role":"ultimate_consignee","name":"G42","country":"AE","headquarters":"AE","ultimate_parent_headquarters":"AE"}]}' > "$tmp/g42.json"
"$bin" check "$tmp/g42.json" --overlay uae-g42-gb300-approval-2025-11 --no-audit --data-dir "$d" > "$tmp/dec.json"
expect "check --overlay exits 0" test $? -eq 0
expect "the decision names the overlay and warns that it is announced" json_ok "$tmp/dec.json" \
  "d['overlays'][0]['id']=='uae-g42-gb300-approval-2025-11' and any('announced, not codified law' in w for w in d['warnings'])"
"$bin" check "$tmp/g42.json" --overlay us-uae-ai-acceleration-partnership-2025 --overlay uae-g42-gb300-approval-2025-11 --no-audit --data-dir "$d" > "$tmp/dec2.json"
expect "check --overlay is repeatable and names every overlay weighed" json_ok "$tmp/dec2.json" "len(d['overlays'])==2"
sed 's/2026-03-01/2025-03-01/' "$tmp/g42.json" > "$tmp/g42-early.json"
"$bin" check "$tmp/g42-early.json" --overlay uae-g42-gb300-approval-2025-11 --no-audit --data-dir "$d" 2> "$tmp/err" > /dev/null
expect "an order dated outside its overlay exits 2 naming --overlay" sh -c "test $? -eq 2 && grep -q '\"field\":\"--overlay\"' '$tmp/err'"
"$bin" check "$tmp/g42.json" --overlay uae-g42-gb300-approval-2025-11 --reserve --data-dir "$d" 2> "$tmp/err" > /dev/null
expect "an announced overlay may not shape a reservation (exit 2)" test $? -eq 2
# --- Policy sets that change the data --------------------------------------------------------------
"$bin" simulate --demand "$root/examples/simulate/demand.csv" --policy codified \
  --policy "uae-tier1=$root/examples/simulate/policy-diffusion-uae-tier1.json" --out "$tmp/pd" --data-dir "$d" --json > "$tmp/pd.json"
expect "a policy file that changes the data runs (exit 0)" test $? -eq 0
expect "the UAE in Tier 1 has no country allocation to exhaust" json_ok "$tmp/pd.json" \
  "any(e['account']=='country:AE' for e in d['policy_sets'][0]['exhausted']) and not any(e['account']=='country:AE' for e in d['policy_sets'][1]['exhausted'])"
printf '{"posture": "codified", "tiers": {"AE": 3}}' > "$tmp/t3.json"
"$bin" simulate --demand "$root/examples/simulate/demand.csv" --policy "t3=$tmp/t3.json" --out "$tmp/bad" --data-dir "$d" 2> "$tmp/err" > /dev/null
expect "tier 3 in a policy file exits 2 naming the field" sh -c "test $? -eq 2 && grep -q 't3.json.tiers.AE' '$tmp/err'"
exit $fails
