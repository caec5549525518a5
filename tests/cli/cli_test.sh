#!/usr/bin/env bash
# End-to-end checks of the exportctl command: exit codes, JSON errors naming the field, batch
# alignment, CSV. Usage: cli_test.sh path/to/exportctl repo_root
source "$(dirname "$0")/expect.sh" "$@"

"$bin" check "$root/examples/03-h200-to-china.json" > "$tmp/out.json" 2> "$tmp/err"
rc=$?
expect "valid transaction exits 0" test $rc -eq 0
expect "decision is JSON with outcome" python3 -c "import json,sys; d=json.load(open('$tmp/out.json')); sys.exit(0 if d['outcome']=='LICENSE_REQUIRED' and d['review_policy']=='case_by_case' and d['reasons'] else 1)"

echo '{"as_of":"2025-06-01","destination":"DE","items":[{"chip":"H20","quantity":-1}]}' | "$bin" check - > "$tmp/out" 2> "$tmp/err"
rc=$?
expect "negative quantity exits 2" test $rc -eq 2
expect "error names the field" python3 -c "import json,sys; e=json.load(open('$tmp/err'))['error']; sys.exit(0 if e['field']=='items[0].quantity' else 1)"
expect "no partial decision on stdout" test ! -s "$tmp/out"

echo '{"as_of":"2025-06-01","destination":"DE","destination":"CN","items":[{"chip":"H100 SXM5 80GB","quantity":8}]}' | "$bin" check --no-audit - > "$tmp/out" 2> "$tmp/err"
expect "a key repeated in one object exits 2" test $? -eq 2
expect "the error names the repeated key" python3 -c "import json,sys; e=json.load(open('$tmp/err'))['error']; sys.exit(0 if e['field']=='destination' else 1)"
printf '{"as_of":"2025-06-01","destination":"DE","items":[{"chip":"H100 SXM5 80GB","quantity":8}]}\n{"as_of":"2025-06-01","destination":"DE","items":[{"chip":"H100 SXM5 80GB","quantity":8,"quantity":1}]}\n' | "$bin" check --no-audit --batch - > "$tmp/out" 2> "$tmp/err"
expect "a batch line with a repeated key is an error in its place" python3 -c "import json,sys; l=[json.loads(x) for x in open('$tmp/out')]; sys.exit(0 if len(l)==2 and 'outcome' in l[0] and l[1]['error']['field']=='items[0].quantity' else 1)"

echo '{"as_of": "2025-06-01", "destination": ' | "$bin" check - > "$tmp/out" 2> "$tmp/err"
expect "malformed JSON exits 2" test $? -eq 2
expect "malformed JSON error is JSON" python3 -c "import json; json.load(open('$tmp/err'))['error']['message']"

"$bin" --data-dir "$tmp/jd" jurisdiction "$root/examples/08-foreign-server-to-vietnam.json" > "$tmp/j.json" 2> "$tmp/err"
expect "jurisdiction exits 0" test $? -eq 0
expect "jurisdiction gives the de minimis worksheet" python3 -c "import json,sys; j=json.load(open('$tmp/j.json'))['items'][0]['jurisdiction']; sys.exit(0 if j['verdict']=='subject' and j['de_minimis']['numerator_usd']==200000 else 1)"
"$bin" --data-dir "$tmp/jd" deminimis "$root/examples/server-bom.csv" --destination VN --as-of 2025-06-01 --json > "$tmp/dm.json" 2> "$tmp/err"
expect "deminimis exits 0" test $? -eq 0
expect "deminimis counts only US content controlled to the destination" python3 -c "import json,sys; w=json.load(open('$tmp/dm.json'))['worksheet']; sys.exit(0 if w['numerator_usd']==200000 and w['denominator_usd']==300000 and w['exceeds'] else 1)"
printf 'part,eccn_or_chip,origin_country,quantity,unit_value_usd\nGPU,H100 SXM5 80GB,US,8,-1\n' | "$bin" --data-dir "$tmp/jd" deminimis - --destination VN --as-of 2025-06-01 > /dev/null 2> "$tmp/err"
expect "a negative BOM value exits 2" test $? -eq 2
expect "the error names the BOM line and column" python3 -c "import json,sys; e=json.load(open('$tmp/err'))['error']; sys.exit(0 if e['field']=='BOM.line 2.unit_value_usd' else 1)"

"$bin" --data-dir "$tmp/jd" jurisdiction --text "$root/examples/08-foreign-server-to-vietnam.json" > "$tmp/j.txt" 2> "$tmp/err"
expect "jurisdiction --text cites each de minimis line once" python3 -c "import sys; t=open('$tmp/j.txt').read(); ls=[l for l in t.splitlines() if '734.4(c)' in l]; sys.exit(0 if ls and all(l.count('734.4(c)')==1 for l in ls) else 1)"
"$bin" --data-dir "$tmp/jd" deminimis "$root/examples/server-bom.csv" --destination VN --as-of 2025-06-01 > "$tmp/dm.txt" 2> "$tmp/err"
expect "deminimis text cites the level once" python3 -c "import sys; t=open('$tmp/dm.txt').read(); sys.exit(0 if t.count('734.4(c)')==1 else 1)"
printf 'part,eccn_or_chip,origin_country,quantity,unit_value_usd,gbs_eligible\nIC,3A001.a.2,US,1,300,true\nBoard,EAR99,TW,1,700,\n' | "$bin" --data-dir "$tmp/jd" deminimis - --destination MY --as-of 2026-08-01 --json > "$tmp/gbs.json" 2> "$tmp/err"
expect "a GBS-eligible BOM line to Country Group B is not counted" python3 -c "import json,sys; w=json.load(open('$tmp/gbs.json'))['worksheet']; sys.exit(0 if w['numerator_usd']==0 and not w['lines'][0]['controlled'] else 1)"
printf 'part,eccn_or_chip,origin_country,quantity,unit_value_usd,gbs_eligible\nIC,3A001.a.2,US,1,300,maybe\n' | "$bin" --data-dir "$tmp/jd" deminimis - --destination MY --as-of 2026-08-01 > /dev/null 2> "$tmp/err"
expect "a bad gbs_eligible value names the BOM field" python3 -c "import json,sys; e=json.load(open('$tmp/err'))['error']; sys.exit(0 if e['field']=='BOM.line 2.gbs_eligible' else 1)"
printf 'part,eccn_or_chip,origin_country,quantity,unit_value_usd\n\xff\xfe,EAR99,TW,1,10\n' | "$bin" --data-dir "$tmp/jd" deminimis - --destination MY --as-of 2026-08-01 > /dev/null 2> "$tmp/err"
expect "ill-formed UTF-8 in a BOM exits 2 naming the field" python3 -c "import json,sys; e=json.load(open('$tmp/err'))['error']; sys.exit(0 if e['field']=='BOM.line 2.part' else 1)"
for v in inf 1e400 -5 nan abc 0x10 0; do
  "$bin" --data-dir "$tmp/jd" deminimis "$root/examples/server-bom.csv" --destination VN --as-of 2025-06-01 --item-value "$v" > "$tmp/out" 2> "$tmp/err"
  expect "deminimis --item-value $v exits 2 naming the option (never a worksheet)" python3 -c "import json,sys; e=json.load(open('$tmp/err'))['error']; sys.exit(0 if e['field']=='--item-value' and open('$tmp/out').read()=='' else 1)"
done
printf 'part,eccn_or_chip,origin_country,quantity,unit_value_usd\nGPU,H100 SXM5 80GB,US,8,0\n' | "$bin" --data-dir "$tmp/jd" deminimis - --destination VN --as-of 2025-06-01 > /dev/null 2> "$tmp/err"
expect "a US part valued 0 names the BOM field (it would count as no content)" python3 -c "import json,sys; e=json.load(open('$tmp/err'))['error']; sys.exit(0 if e['field']=='BOM.line 2.unit_value_usd' else 1)"
printf 'part,eccn_or_chip,origin_country,quantity,unit_value_usd\nGPU,H100 SXM5 80GB,US,8,0x10\n' | "$bin" --data-dir "$tmp/jd" deminimis - --destination VN --as-of 2025-06-01 > /dev/null 2> "$tmp/err"
expect "a hexadecimal BOM value is not a decimal number" python3 -c "import json,sys; e=json.load(open('$tmp/err'))['error']; sys.exit(0 if e['field']=='BOM.line 2.unit_value_usd' else 1)"
printf 'part,eccn_or_chip,origin_country,quantity,unit_value_usd\nGPU,H100 SXM5 80GB,US,8,1e300\n' | "$bin" --data-dir "$tmp/jd" deminimis - --destination VN --as-of 2025-06-01 > /dev/null 2> "$tmp/err"; rc=$?
expect "a BOM value beyond 10^15 USD is bad input naming the line (exit 2)" python3 -c "import json,sys; e=json.load(open('$tmp/err'))['error']; sys.exit(0 if $rc==2 and e['field']=='BOM.line 2.unit_value_usd' else 1)"
"$bin" --data-dir "$tmp/jd" jurisdiction "$root/examples/08-foreign-server-to-vietnam.json" > "$tmp/j.json" 2> "$tmp/err"
expect "the jurisdiction answer carries the decision's outcome and whether it needs review" python3 -c "import json,sys; j=json.load(open('$tmp/j.json')); sys.exit(0 if j['outcome'] and j['review_required']==(j['outcome']=='NEEDS_REVIEW') else 1)"
echo '{"reference": "R", "as_of": "2024-06-01", "posture": "enforced", "activity": "export", "destination": "VN", "items": [{"system": {"name": "8-GPU server", "components": [{"chip": "H100 SXM5 80GB", "count": 8}]}, "quantity": 1, "origin": {"in_us": false, "produced_in_us": false, "produced_in": ["TW"], "us_technology_eccns": [], "us_origin_plant": false, "us_content": [{"chip": "H100 SXM5 80GB", "quantity": 2, "value_usd": 60000}], "value_usd": 300000}}], "parties": [{"role": "ultimate_consignee", "name": "Penang Cloud Sdn Bhd", "country": "VN", "headquarters": "VN", "ultimate_parent_headquarters": "VN"}, {"role": "exporter", "name": "KorChip Co", "country": "KR", "headquarters": "KR", "ultimate_parent_headquarters": "KR"}], "end_use": {"supercomputer_prc_macau": false, "for_footnote_1_4_entity": false, "incorporated_into_items_for": []}}' > "$tmp/vn20.json"
"$bin" --data-dir "$tmp/jd" jurisdiction "$tmp/vn20.json" > "$tmp/vn20-j.json" 2> "$tmp/err"
"$bin" --data-dir "$tmp/jd" check --no-audit "$tmp/vn20.json" > "$tmp/vn20-c.json" 2> "$tmp/err"
expect "a not_subject verdict resting on an unverified Country Group membership says review, as check does" python3 -c "import json,sys; j=json.load(open('$tmp/vn20-j.json')); c=json.load(open('$tmp/vn20-c.json')); sys.exit(0 if c['outcome']=='NEEDS_REVIEW' and j['outcome']=='NEEDS_REVIEW' and j['review_required'] else 1)"

"$bin" check --posture lenient "$root/examples/01-h100-to-germany.json" > /dev/null 2> "$tmp/err"
expect "bad --posture exits 2" test $? -eq 2

"$bin" check --posture codified "$root/examples/01-h100-to-germany.json" > "$tmp/out.json"
expect "--posture overrides the transaction" python3 -c "import json,sys; d=json.load(open('$tmp/out.json')); sys.exit(0 if d['posture']=='codified' and d['license_exception']=='AIA' and d['alternate']['outcome']=='NO_LICENSE_REQUIRED' else 1)"

"$bin" check --batch "$root/examples/batch.jsonl" > "$tmp/batch.out" 2> "$tmp/batch.err"
rc=$?
expect "batch with an invalid line exits 2" test $rc -eq 2
expect "batch keeps one output line per input line" test "$(wc -l < "$tmp/batch.out")" -eq "$(wc -l < "$root/examples/batch.jsonl")"
expect "batch error sits on the bad line" python3 -c "import json,sys; l=open('$tmp/batch.out').read().splitlines(); sys.exit(0 if 'error' in json.loads(l[4]) and json.loads(l[0])['reference']=='B-1' else 1)"

# CSV orders, as the console's Batch screen reads them (one reader: check/orders_csv.h): quoted
# cells, a bad cell named by its field and column, a short row in place, each under its line.
"$bin" check --no-audit --batch "$root/examples/orders.csv" > "$tmp/orders.out" 2> "$tmp/orders.err"
expect "check --batch of CSV orders with bad rows exits 2" test $? -eq 2
expect "check --batch reads CSV orders: decisions and errors under their lines" python3 -c "
import json,sys
l=[json.loads(x) for x in open('$tmp/orders.out')]
ok = len(l)==4 and l[0]['reference']=='C-1' and l[0]['outcome']=='NO_LICENSE_REQUIRED' and l[0]['consignee']=='Beispiel, GmbH' \
  and l[1]['error']=={**l[1]['error'], 'line':3, 'field':'items[0].quantity', 'column':'quantity'} \
  and l[2]['error']['line']==4 and l[2]['error']['field']=='csv' and l[2]['error']['message']=='5 cells for 9 columns' \
  and l[3]['reference']=='C-5' and l[3]['outcome']=='LICENSE_REQUIRED'
sys.exit(0 if ok else 1)"
printf 'reference,destinaton,chip,quantity\nX,DE,H100 SXM5 80GB,1\n' | "$bin" check --no-audit --batch - > "$tmp/out" 2> "$tmp/err"
expect "a CSV header with an unknown column exits 2" test $? -eq 2
expect "the error names the line and column" python3 -c "import json,sys; e=json.load(open('$tmp/err'))['error']; sys.exit(0 if e['field']=='csv' and e['message'].startswith('line 1: unknown column \"destinaton\" (column 2') else 1)"
expect "nothing is decided under a bad header" test ! -s "$tmp/out"

head -4 "$root/examples/batch.jsonl" | "$bin" check --batch - --csv > "$tmp/out.csv"
expect "CSV batch exits 0 and has a header + 4 rows" test "$(wc -l < "$tmp/out.csv")" -eq 5

"$bin" chips show H100 > "$tmp/chips"
expect "chips show H100 lists every variant" test "$(grep -c '^H100' "$tmp/chips")" -eq 3
"$bin" chips show Z9000 > /dev/null 2>&1
expect "unknown chip exits 2" test $? -eq 2
"$bin" classify --tpp 3000 --die-area 1000 --datacenter true --json > "$tmp/cls.json"
expect "classify explicit specs" python3 -c "import json,sys; c=json.load(open('$tmp/cls.json')); sys.exit(0 if c['eccn']=='3A090.b' else 1)"
"$bin" countries KH --as-of 2025-11-07 > "$tmp/kh.json"
expect "Cambodia out of D:5 on 2025-11-07" python3 -c "import json,sys; c=json.load(open('$tmp/kh.json')); sys.exit(0 if 'D:5' not in c['groups'] and 'D:1' in c['groups'] else 1)"

mkdir -p "$tmp/baddata" && cp -r "$root/data/." "$tmp/baddata/" && echo '{ nope' > "$tmp/baddata/regimes/h200-2026.json"
"$bin" --regulatory-data "$tmp/baddata" check "$root/examples/01-h100-to-germany.json" > "$tmp/out" 2> "$tmp/err"
expect "a bad data file stops start-up with a clear error" test $? -ne 0 -a ! -s "$tmp/out"
expect "the error names the file" grep -q "h200-2026.json" "$tmp/err"

# Screening in check, and re-screening of the parties check has seen when a list changes.
d="$tmp/screen-data"
echo '{"results":[{"id":"a","source":"Entity List (EL) - Bureau of Industry and Security","name":"Sophgo Technologies Ltd.","federal_register_notice":"90 FR 1"}]}' > "$tmp/consolidated_2026-01-01.json"
echo '{"results":[{"id":"a","source":"Entity List (EL) - Bureau of Industry and Security","name":"Sophgo Technologies Ltd.","federal_register_notice":"90 FR 1"},{"id":"b","source":"Entity List (EL) - Bureau of Industry and Security","name":"Northwind Traders","federal_register_notice":"91 FR 2"}]}' > "$tmp/consolidated_2026-02-01.json"
"$bin" --data-dir "$d" lists import "$tmp/consolidated_2026-01-01.json" > /dev/null
expect "lists import exits 0" test $? -eq 0
echo '{"as_of":"2026-01-05","destination":"DE","items":[{"chip":"L40","quantity":1}],"parties":[{"role":"ultimate_consignee","name":"Northwind Traders","country":"DE","headquarters":"DE","ultimate_parent_headquarters":"DE"}]}' > "$tmp/northwind.json"
"$bin" --data-dir "$d" --max-list-age-days 36500 check "$tmp/northwind.json" > "$tmp/screened.json"
expect "check screens the party against the imported list" python3 -c "import json,sys; d=json.load(open('$tmp/screened.json')); sys.exit(0 if d['list_versions'] and d['outcome']=='NO_LICENSE_REQUIRED' else 1)"
"$bin" --data-dir "$d" lists import --json "$tmp/consolidated_2026-02-01.json" > "$tmp/import.json"
expect "a list update re-screens the parties check has seen and reports the new hit" python3 -c "import json,sys; r=json.load(open('$tmp/import.json')); sys.exit(0 if any(h['party']=='Northwind Traders' for h in r['new_hits']) else 1)"

# A list older than --max-list-age-days (default 7) is stale: check, screen and lists status warn,
# naming the list and its date, and a party with no hit on it is not cleared without review.
echo '{"as_of":"2026-02-02","destination":"DE","items":[{"chip":"L40","quantity":1}],"parties":[{"role":"ultimate_consignee","name":"Unrelated Widgets GmbH","country":"DE","headquarters":"DE","ultimate_parent_headquarters":"DE"}]}' |
  "$bin" --data-dir "$d" check - > "$tmp/stale.json"
expect "a stale list sends a clean party to review with a warning naming the list and its date" python3 -c "import json,sys; d=json.load(open('$tmp/stale.json')); sys.exit(0 if d['outcome']=='NEEDS_REVIEW' and any('csl' in w and '2026-02-01' in w for w in d['warnings']) else 1)"
"$bin" --data-dir "$d" lists status --json > "$tmp/status.json"
expect "lists status marks the stale list" python3 -c "import json,sys; s=json.load(open('$tmp/status.json')); l=s['lists'][0]; sys.exit(0 if l['stale'] and '2026-02-01' in l['warning'] and s['warnings'] else 1)"
"$bin" --data-dir "$d" lists status | grep -q "WARNING: the csl list is dated 2026-02-01"
expect "lists status text warns" test $? -eq 0
"$bin" --data-dir "$d" screen "Northwind Traders" --json > "$tmp/screen-stale.json"
expect "screen warns about the stale list" python3 -c "import json,sys; s=json.load(open('$tmp/screen-stale.json')); sys.exit(0 if any('2026-02-01' in w for w in s['warnings']) else 1)"
"$bin" --data-dir "$d" --max-list-age-days 36500 screen "Northwind Traders" --json > "$tmp/screen-fresh.json"
expect "--max-list-age-days sets the allowed age" python3 -c "import json,sys; s=json.load(open('$tmp/screen-fresh.json')); sys.exit(0 if s['warnings']==[] else 1)"

# Bad bytes are an input error naming the field or row, never a crash; a batch reports the bad row
# in place and goes on. Names built to evade screening are read as displayed.
"$bin" --data-dir "$d" screen "$(printf 'Northwind Trad\xe9rs')" --json > "$tmp/out" 2> "$tmp/err"
expect "screen with a Latin-1 name exits 2" test $? -eq 2
expect "the error names the field" python3 -c "import json,sys; e=json.load(open('$tmp/err'))['error']; sys.exit(0 if e['field']=='name' and 'UTF-8' in e['message'] else 1)"
printf 'name,country\nNorthwind Traders,DE\nSoci\xe9t\xe9 G\xe9n\xe9rale,FR\nSophgo Technologies,CN\n' > "$tmp/latin1.csv"
"$bin" --data-dir "$d" screen --batch "$tmp/latin1.csv" > "$tmp/batch-latin1.jsonl" 2> /dev/null
expect "a batch with a Latin-1 row exits 2" test $? -eq 2
expect "every row is reported, the bad one in place" python3 -c "import json,sys; l=[json.loads(x) for x in open('$tmp/batch-latin1.jsonl')]; sys.exit(0 if len(l)==3 and l[0]['hits'] and l[1]['error']['field']=='row 2.name' and 'hits' in l[2] else 1)"
printf '{"as_of":"2026-01-05","destination":"DE","items":[{"chip":"L40","quantity":1}],"parties":[{"role":"ultimate_consignee","name":"Soci\xe9t\xe9","country":"DE"}]}' |
  "$bin" --data-dir "$d" check --no-audit - > /dev/null 2> "$tmp/err"
expect "check with a Latin-1 party name exits 2" test $? -eq 2
expect "check's error names the party's field" python3 -c "import json,sys; e=json.load(open('$tmp/err'))['error']; sys.exit(0 if e['field']=='parties[0].name' else 1)"
for evasive in "$(printf '\xe2\x80\xaesredarT dniwhtroN')" "$(printf 'N\xd0\xberthwind Traders')" "N O R T H W I N D Traders"; do
  "$bin" --data-dir "$d" --max-list-age-days 36500 screen "$evasive" --json > "$tmp/evasive.json"
  expect "evasive spelling is found: $evasive" python3 -c "import json,sys; s=json.load(open('$tmp/evasive.json')); sys.exit(0 if s['hits'] and s['hits'][0]['name']=='Northwind Traders' else 1)"
done
"$bin" --data-dir "$d" --max-list-age-days 36500 screen "$(printf 'N\xd0\xberthwind Traders')" --json > "$tmp/mixed.json"
expect "a word mixing scripts is a warning" python3 -c "import json,sys; s=json.load(open('$tmp/mixed.json')); sys.exit(0 if any('mixes scripts' in w for w in s['warnings']) else 1)"

# Stated listings add to screening, never replace it: an empty restricted_lists is screened too.
e="$tmp/stated-data"
today=$(date -u +%F)
echo '{"results":[{"id":"it","source":"Entity List (EL) - Bureau of Industry and Security","name":"Inspur Taiwan","license_requirement":"For all items subject to the EAR. (See 734.9(e)(2) of the EAR)","license_policy":"Presumption of denial.","federal_register_notice":"88 FR 1"}]}' > "$tmp/consolidated_$today.json"
"$bin" --data-dir "$e" lists import "$tmp/consolidated_$today.json" > /dev/null
for stated in '' ',"restricted_lists":[]'; do
  echo '{"as_of":"2026-11-29","destination":"DE","items":[{"chip":"L40","quantity":1}],"parties":[{"role":"ultimate_consignee","name":"Inspur Taiwan","country":"TW","headquarters":"TW","ultimate_parent_headquarters":"TW"'"$stated"'}]}' |
    "$bin" --data-dir "$e" check - > "$tmp/stated.json"
  expect "listed consignee needs a license (stated:${stated:-absent})" python3 -c "import json,sys; d=json.load(open('$tmp/stated.json')); p=d['screened_parties'][0]; sys.exit(0 if d['outcome']=='LICENSE_REQUIRED' and p['status']=='screened' and p['listings_found']==1 and d['list_versions'][0].startswith('csl@$today') and not any('not current' in w for w in d['warnings']) else 1)"
done
"$bin" --data-dir "$e" check "$root/examples/07-screened-consignee.json" > "$tmp/ex7.json"
expect "example 07: screened consignee and the stated listing both count" python3 -c "import json,sys; d=json.load(open('$tmp/ex7.json')); s=' '.join(r['summary'] for r in d['reasons']); sys.exit(0 if d['outcome']=='LICENSE_REQUIRED' and 'Inspur Taiwan' in s and 'Unverified' in s else 1)"
! grep -l '"restricted_lists": *\[\]' "$root"/examples/* "$root/README.md" > /dev/null
expect "no example teaches an empty restricted_lists" test $? -eq 0

# Every decision check prints is in the audit log first (15 CFR Part 762 records).
a="$tmp/audit-data"
"$bin" --data-dir "$a" check "$root/examples/01-h100-to-germany.json" > "$tmp/dec.json"
id=$(python3 -c "import json; print(json.load(open('$tmp/dec.json'))['decision_id'])")
"$bin" --data-dir "$a" audit show "$id" > "$tmp/rec.json"
expect "check records its decision in the audit log" python3 -c "import json,sys; r=json.load(open('$tmp/rec.json')); sys.exit(0 if r['kind']=='decision' and r['payload']['decision']['decision_id']=='$id' and r['actor'].startswith('cli:') else 1)"
"$bin" --data-dir "$a" audit replay "$id" > "$tmp/replay.json"
expect "the recorded CLI decision replays identically" python3 -c "import json,sys; r=json.load(open('$tmp/replay.json')); sys.exit(0 if r['identical'] else 1)"
"$bin" --data-dir "$a" check --batch "$root/examples/batch.jsonl" > /dev/null 2>&1
"$bin" --data-dir "$a" check --no-audit "$root/examples/01-h100-to-germany.json" > /dev/null
"$bin" --data-dir "$a" audit verify > "$tmp/verify.json"
valid=$(grep -c . "$root/examples/batch.jsonl"); valid=$((valid - 1))  # one line is invalid input
expect "batch decisions are recorded, --no-audit ones are not, and the chain verifies" python3 -c "import json,sys; v=json.load(open('$tmp/verify.json')); sys.exit(0 if v['ok'] and v['records_checked']==1+$valid else 1)"
mkdir -p "$tmp/not-a-file.sqlite"
"$bin" --data-dir "$a" check --reserve --audit "$tmp/not-a-file.sqlite" "$root/examples/01-h100-to-germany.json" > "$tmp/out" 2> "$tmp/err"
expect "an audit log that cannot be written gives no decision" test $? -ne 0 -a ! -s "$tmp/out"

r="$tmp/retry-data"
"$bin" --data-dir "$r" check --reserve --posture codified "$root/examples/01-h100-to-germany.json" > "$tmp/r1.json"
"$bin" --data-dir "$r" check --reserve --posture codified "$root/examples/01-h100-to-germany.json" > "$tmp/r2.json"
"$bin" --data-dir "$r" audit verify > "$tmp/rverify.json"
expect "a retried reservation keeps its decision, its posting and its one audit record" python3 -c "import json,sys; a=json.load(open('$tmp/r1.json')); b=json.load(open('$tmp/r2.json')); v=json.load(open('$tmp/rverify.json')); sys.exit(0 if a['decision_id']==b['decision_id'] and a['ledger_postings'] and b['ledger_postings'][0].endswith('replayed') and v['records_checked']==1 else 1)"

sed 's/Beispiel Rechenzentrum GmbH/Andere GmbH/' "$root/examples/01-h100-to-germany.json" > "$tmp/other-body.json"
"$bin" --data-dir "$r" check --reserve --posture codified "$tmp/other-body.json" > "$tmp/r3.json" 2> "$tmp/r3.err"
rc=$?
"$bin" --data-dir "$r" ledger export > "$tmp/rledger.jsonl"
expect "the same reference with another body is refused, naming the decision, and reserves nothing" python3 -c "import json,sys; a=json.load(open('$tmp/r1.json')); e=json.load(open('$tmp/r3.err'))['error']; n=sum(1 for l in open('$tmp/rledger.jsonl') if l.strip()); sys.exit(0 if $rc==1 and e['code']=='conflict' and a['decision_id'] in e['message'] and n==1 else 1)"

# A check sent again under its --idempotency-key keeps its decision and its one record; another
# request under the key is refused; without the audit log the key is refused, not ignored.
k="$tmp/key-data"
"$bin" --data-dir "$k" check --idempotency-key order-9 "$root/examples/01-h100-to-germany.json" > "$tmp/k1.json"
"$bin" --data-dir "$k" check --idempotency-key order-9 "$root/examples/01-h100-to-germany.json" > "$tmp/k2.json"
"$bin" --data-dir "$k" check --idempotency-key order-9 "$tmp/other-body.json" > /dev/null 2> "$tmp/k3.err"
rc3=$?
"$bin" --data-dir "$k" check --no-audit --idempotency-key order-9 "$root/examples/01-h100-to-germany.json" > /dev/null 2> "$tmp/k4.err"
rc4=$?
"$bin" --data-dir "$k" audit verify > "$tmp/kverify.json"
expect "a check's idempotency key keeps one decision and refuses another request or a run without the log" python3 -c "import json,sys; a=json.load(open('$tmp/k1.json')); b=json.load(open('$tmp/k2.json')); e=json.load(open('$tmp/k3.err'))['error']; f=json.load(open('$tmp/k4.err'))['error']; v=json.load(open('$tmp/kverify.json')); sys.exit(0 if a['decision_id']==b['decision_id'] and $rc3==1 and e['code']=='conflict' and $rc4==1 and f['field']=='idempotency_key' and v['records_checked']==1 else 1)"

# Configuration and data changes made from the command line are in the audit log too.
c="$tmp/change-data"
"$bin" --data-dir "$c" ledger adjust country:MY 1000 --reason "licence D123 shipped before go-live" --as-of 2025-09-01 > /dev/null
"$bin" --data-dir "$c" lists import "$tmp/consolidated_2026-01-01.json" > /dev/null
"$bin" --data-dir "$c" screen clear --party "Sopgo Tech" --record a --reason "different company" --expires "$(date -u -d "+90 days" +%F)" --by officer > /dev/null
"$bin" --data-dir "$c" audit export > "$tmp/changes.jsonl"
expect "ledger adjustments, list imports with their re-screen, and clearances are recorded" python3 -c "import json,sys; k=[json.loads(l)['kind'] for l in open('$tmp/changes.jsonl')]; sys.exit(0 if k==['ledger.adjust','lists.imported','lists.rescreened','screen.cleared'] else 1)"

# Non-finite figures are no figures: classify refuses them, naming the option.
for opt in --tpp --performance-density --memory-bandwidth; do
  for v in nan inf; do
    if [ "$opt" = --tpp ]; then args=(--tpp "$v"); else args=(--tpp 3000 "$opt" "$v"); fi
    "$bin" classify "${args[@]}" --json > "$tmp/out" 2> "$tmp/err"
    expect "classify $opt $v exits 2 naming the option" python3 -c "import json,sys; e=json.load(open('$tmp/err'))['error']; sys.exit(0 if e['field']=='$opt' and 'finite' in e['message'] else 1)"
    expect "classify $opt $v prints no class" test ! -s "$tmp/out"
  done
done
"$bin" classify "H100 SXM5 80GB" --as-of 2023-01-01 > "$tmp/out" 2> "$tmp/err"
expect "classify before the first regime exits 2" test $? -eq 2
expect "classify before the first regime names --as-of and gives no class" python3 -c "import json,sys; e=json.load(open('$tmp/err'))['error']; sys.exit(0 if e['field']=='--as-of' and 'no regime data before 2023-11-17' in e['message'] and not open('$tmp/out').read() else 1)"

# Malformed JSON says where.
printf '{"as_of": "2025-06-01",\n "destination": DE}' | "$bin" check --no-audit - > /dev/null 2> "$tmp/err"
expect "malformed JSON error gives line and column" grep -q 'at line 2, column 17' "$tmp/err"

# The catalog: one figure per precision width, one source per line, suggestions for typos.
"$bin" chips show "H100 SXM5 80GB" > "$tmp/chip"
expect "chips show prints each throughput figure once" python3 -c "import sys; l=[x for x in open('$tmp/chip') if 'dense throughput' in x][0].split(':',1)[1].split(); sys.exit(0 if l.count('1979')==1 and '989.5' in l else 1)"
"$bin" chips show B200 > "$tmp/chip"
expect "chips show prints whole source lines" python3 -c "import sys; s=[x for x in open('$tmp/chip') if x.strip().startswith('source:')]; sys.exit(0 if s and all(x.count('(')==x.count(')') for x in s) else 1)"
"$bin" chips show "H100 SXM 80GB" > /dev/null 2> "$tmp/err"
expect "an unknown chip gets the nearest catalog names" python3 -c "import json,sys; m=json.load(open('$tmp/err'))['error']['message']; sys.exit(0 if 'did you mean \"H100 SXM5 80GB\"' in m else 1)"

# Decisions that can be filed: the same facts and figures in JSON, text and CSV.
"$bin" check --no-audit "$root/examples/06-rtx4090-nac.json" > "$tmp/nac.json"
"$bin" check --no-audit --text "$root/examples/06-rtx4090-nac.json" > "$tmp/nac.txt"
expect "JSON repeats destination, consignee and parties" python3 -c "import json,sys; d=json.load(open('$tmp/nac.json')); sys.exit(0 if d['destination']=='HK' and d['consignee']=='Example Trading Ltd' and d['parties'][0]['role']=='ultimate_consignee' else 1)"
expect "text shows H100-equivalents as the JSON does" python3 -c "import json,sys; d=json.load(open('$tmp/nac.json')); h=d['items'][0]['h100_equivalents']; sys.exit(0 if h != round(h) and ('H100-eq %s ' % h) in open('$tmp/nac.txt').read() else 1)"
expect "text shows destination, parties, screening status and list versions" python3 -c "import sys; t=open('$tmp/nac.txt').read(); sys.exit(0 if all(s in t for s in ['export to HK', 'party: ultimate_consignee \"Example Trading Ltd\"', 'step screening:', 'screening lists:']) else 1)"
expect "an exception is a reason with its rule and citation" python3 -c "import json,sys; d=json.load(open('$tmp/nac.json')); sys.exit(0 if any(r['rule']=='acs.nac' and r['effect']=='license_exception' and r['citation'] for r in d['reasons']) else 1)"
"$bin" check --no-audit "$root/examples/01-h100-to-germany.json" > "$tmp/de.json"
expect "no license required names its rules" python3 -c "import json,sys; d=json.load(open('$tmp/de.json')); sys.exit(0 if d['outcome']=='NO_LICENSE_REQUIRED' and any(r['effect']=='no_license_required' and r['rule']=='acs.license_area' for r in d['reasons']) else 1)"
python3 -c "import json; print(json.dumps(json.load(open('$root/examples/06-rtx4090-nac.json'))))" | "$bin" check --no-audit --batch - --csv > "$tmp/nac.csv"
expect "CSV carries destination, consignee, warnings and obligations" python3 -c "import csv,sys; r=list(csv.DictReader(open('$tmp/nac.csv'))); sys.exit(0 if len(r)==1 and r[0]['destination']=='HK' and r[0]['consignee']=='Example Trading Ltd' and 'NAC' in r[0]['obligations'] and r[0]['warnings'] else 1)"
# CSV injection: a reference or party name a spreadsheet would run as a formula reaches the CSV as
# text (a leading single quote, quoted), in check --csv and in audit export --csv.
python3 -c "import json; d=json.load(open('$root/examples/06-rtx4090-nac.json')); d['reference']='=HYPERLINK(\"http://x\",\"y\")'; d['parties'][0]['name']='@SUM(1+1)*cmd'; print(json.dumps(d))" > "$tmp/formula.jsonl"
"$bin" --data-dir "$tmp/formula-dir" check --batch "$tmp/formula.jsonl" --csv > "$tmp/formula.csv"
expect "check --csv neutralises formula cells" python3 -c "import csv,sys; r=list(csv.DictReader(open('$tmp/formula.csv'))); sys.exit(0 if len(r)==1 and r[0]['reference']=='\'=HYPERLINK(\"http://x\",\"y\")' and r[0]['consignee']=='\'@SUM(1+1)*cmd' else 1)"
"$bin" --data-dir "$tmp/formula-dir" audit export --csv > "$tmp/formula-audit.csv"
expect "audit export --csv has no cell beginning with = + - @" python3 -c "import csv,sys; rows=list(csv.reader(open('$tmp/formula-audit.csv'))); sys.exit(0 if len(rows)==2 and not any(c[:1] in '=+-@' and c for row in rows for c in row) else 1)"
t="$tmp/text-audit"
"$bin" --data-dir "$t" check "$root/examples/06-rtx4090-nac.json" > "$tmp/rec.json"
id=$(python3 -c "import json; print(json.load(open('$tmp/rec.json'))['decision_id'])")
"$bin" --data-dir "$t" audit show --text "$id" > "$tmp/rec.txt"
expect "audit show --text prints the record and its decision" python3 -c "import sys; t=open('$tmp/rec.txt').read(); sys.exit(0 if t.startswith('Record ') and 'Decision $id' in t and 'OUTCOME: LICENSE_EXCEPTION' in t else 1)"

# The ownership graph: a bad file is exit 2 naming the line and imports nothing; a good one is
# weighed by the next check and the remembered parties whose coverage changed are reported.
o="$tmp/own-data"
echo '{"results":[{"id":"el1","source":"Entity List (EL) - Bureau of Industry and Security","name":"Shenzhen Holdco Ltd","addresses":[{"country":"CN"}],"federal_register_notice":"90 FR 1"}]}' > "$tmp/consolidated_2026-11-29.json"
"$bin" --data-dir "$o" lists import "$tmp/consolidated_2026-11-29.json" > /dev/null
echo '{"as_of":"2026-11-30","destination":"MY","items":[{"chip":"L40","quantity":4}],"parties":[{"role":"ultimate_consignee","name":"Penang Compute Sdn Bhd","country":"MY","headquarters":"MY","ultimate_parent_headquarters":"MY"}]}' > "$tmp/penang.json"
"$bin" --data-dir "$o" --max-list-age-days 36500 check "$tmp/penang.json" > "$tmp/penang-before.json"
printf 'owner,owned,percent,source,as_of,owner_country,owned_country\nShenzhen Holdco Ltd,Asia Holdings Ltd,50,Orbis,2026-10-01,CN,HK\nAsia Holdings Ltd,Penang Compute Sdn Bhd,60%%,Orbis,2026-10-01,HK,MY\nGhost Ltd,Penang Compute Sdn Bhd,45,Orbis,2026-10-01,SG,MY\n' > "$tmp/owners-bad.csv"
"$bin" --data-dir "$o" ownership import "$tmp/owners-bad.csv" > "$tmp/out" 2> "$tmp/err"
expect "a graph whose owners sum past 100% exits 2" test $? -eq 2
expect "the error names the file line and field" python3 -c "import json,sys; e=json.load(open('$tmp/err'))['error']; sys.exit(0 if e['field']=='owners-bad.csv:4.percent' else 1)"
"$bin" --data-dir "$o" ownership status --json > "$tmp/own-status.json"
expect "nothing was imported" python3 -c "import json,sys; sys.exit(0 if json.load(open('$tmp/own-status.json'))['graph'] is None else 1)"
head -3 "$tmp/owners-bad.csv" > "$tmp/owners.csv"
"$bin" --data-dir "$o" --max-list-age-days 36500 ownership import --json "$tmp/owners.csv" > "$tmp/own-import.json"
expect "ownership import exits 0" test $? -eq 0
expect "the import reports who became covered through whom" python3 -c "import json,sys; r=json.load(open('$tmp/own-import.json')); c=[x for x in r['coverage_changes'] if x['party']=='Penang Compute Sdn Bhd']; sys.exit(0 if r['imported']['edges']==2 and c and c[0]['after']=='covered' and 'Shenzhen Holdco Ltd' in c[0]['through'][0] else 1)"
"$bin" --data-dir "$o" --max-list-age-days 36500 check "$tmp/penang.json" > "$tmp/penang-after.json"
expect "the next check weighs the graph's owners" python3 -c "import json,sys; b=json.load(open('$tmp/penang-before.json')); a=json.load(open('$tmp/penang-after.json')); sys.exit(0 if b['outcome']=='NO_LICENSE_REQUIRED' and a['outcome']=='LICENSE_REQUIRED' and any('owners.csv:3' in r['summary'] for r in a['reasons']) else 1)"
"$bin" --data-dir "$o" --max-list-age-days 36500 ownership show "Penang Compute Sdn Bhd" --as-of 2026-11-30 --json > "$tmp/own-show.json"
expect "ownership show gives the owners up the chain with coverage" python3 -c "import json,sys; e=json.load(open('$tmp/own-show.json'))['entities'][0]; sys.exit(0 if e['coverage']['status']=='covered' and e['owners'][0]['owners'][0]['coverage']['listed'] else 1)"
"$bin" --data-dir "$o" --max-list-age-days 36500 ownership show "Penang Compute Sdn Bhd" --as-of 2026-03-01 > "$tmp/own-show-stayed.txt"
expect "ownership show on a stayed date says the rule is stayed, not that a license is needed" python3 -c "import sys; t=open('$tmp/own-show-stayed.txt').read(); sys.exit(0 if 'stayed' in t and 'covered if the rule applied' in t else 1)"
printf 'owner,owned,percent,source,as_of\n' > "$tmp/owners-empty.csv"
"$bin" --data-dir "$o" ownership import "$tmp/owners-empty.csv" > /dev/null 2> "$tmp/err"
expect "a file without any stake is refused (exit 2) and the graph stays" test $? -eq 2
"$bin" --data-dir "$o" ownership status --json > "$tmp/own-status2.json"
expect "the graph in use is unchanged" python3 -c "import json,sys; sys.exit(0 if json.load(open('$tmp/own-status2.json'))['graph']['edges']==2 else 1)"
printf 'owner,owned,percent,source,as_of\nShenzhen Holdco Ltd,Asia Holdings Ltd,40,Orbis,2026-11-01\n' > "$tmp/owners2.csv"
"$bin" --data-dir "$o" --max-list-age-days 36500 ownership import "$tmp/owners2.csv" > /dev/null
"$bin" --data-dir "$o" ownership diff --json > "$tmp/own-diff.json"
expect "ownership diff names the changed stakes" python3 -c "import json,sys; d=json.load(open('$tmp/own-diff.json')); sys.exit(0 if d['from_version']==1 and d['to_version']==2 and len(d['stakes'])==2 else 1)"

# A list import re-weighs the remembered parties' owners: a new listing of an owner covers its
# subsidiaries (Affiliates Rule), and the report says who became covered through whom.
o2="$tmp/own-data-2"
echo '{"results":[{"id":"el9","source":"Entity List (EL) - Bureau of Industry and Security","name":"Unrelated Optics Co","addresses":[{"country":"CN"}],"federal_register_notice":"90 FR 2"}]}' > "$tmp/consolidated_2026-11-28.json"
"$bin" --data-dir "$o2" lists import "$tmp/consolidated_2026-11-28.json" > /dev/null
"$bin" --data-dir "$o2" --max-list-age-days 36500 ownership import "$tmp/owners.csv" > /dev/null
"$bin" --data-dir "$o2" --max-list-age-days 36500 check "$tmp/penang.json" > /dev/null
"$bin" --data-dir "$o2" --max-list-age-days 36500 lists import --json "$tmp/consolidated_2026-11-29.json" > "$tmp/list-cov.json"
expect "lists import exits 0 with a graph" test $? -eq 0
expect "lists import reports who became covered through a newly listed owner" python3 -c "import json,sys; r=json.load(open('$tmp/list-cov.json')); c=[x for x in r['coverage_changes'] if x['party']=='Penang Compute Sdn Bhd']; sys.exit(0 if c and c[0]['before']=='not_covered' and c[0]['after']=='covered' and 'Shenzhen Holdco Ltd' in c[0]['through'][0] else 1)"

# Without a graph: the owners a check stated are remembered with the party, and a list import
# that lists one of them says which party it now covers, through which stated chain.
o3="$tmp/own-data-3"
"$bin" --data-dir "$o3" lists import "$tmp/consolidated_2026-11-28.json" > /dev/null
echo '{"as_of":"2026-11-30","destination":"MY","items":[{"chip":"L40","quantity":4}],"parties":[{"role":"ultimate_consignee","name":"Kedah Chips Bhd","country":"MY","headquarters":"MY","ultimate_parent_headquarters":"MY","owners":[{"name":"Asia Holdings Ltd","percent":60,"country":"HK","owners":[{"name":"Shenzhen Holdco Ltd","percent":50,"country":"CN"}]},{"name":"Local Investor","percent":40,"country":"MY"}]}]}' > "$tmp/kedah.json"
"$bin" --data-dir "$o3" --max-list-age-days 36500 check "$tmp/kedah.json" > "$tmp/kedah-before.json"
"$bin" --data-dir "$o3" --max-list-age-days 36500 lists import --json "$tmp/consolidated_2026-11-29.json" > "$tmp/list-stated.json"
expect "lists import exits 0 with stated owners remembered" test $? -eq 0
expect "lists import reports who became covered through a stated owner" python3 -c "import json,sys; r=json.load(open('$tmp/list-stated.json')); c=[x for x in r['stated_owner_coverage_changes'] if x['party']=='Kedah Chips Bhd']; sys.exit(0 if c and c[0]['before']=='not_covered' and c[0]['after']=='covered' and 'Shenzhen Holdco Ltd' in c[0]['through'][0] and 'Asia Holdings Ltd' in c[0]['through'][0] else 1)"
expect "the stated owner not listed is not reported" python3 -c "import json,sys; r=json.load(open('$tmp/list-stated.json')); sys.exit(0 if not [x for x in r['stated_owner_coverage_changes'] if x['party']=='Local Investor'] else 1)"
"$bin" --data-dir "$o3" --max-list-age-days 36500 check "$tmp/kedah.json" > "$tmp/kedah-after.json"
expect "the next check agrees" python3 -c "import json,sys; b=json.load(open('$tmp/kedah-before.json')); a=json.load(open('$tmp/kedah-after.json')); sys.exit(0 if b['outcome']=='NO_LICENSE_REQUIRED' and a['outcome']=='LICENSE_REQUIRED' else 1)"
"$bin" --data-dir "$o2" --max-list-age-days 36500 lists import "$tmp/consolidated_2026-11-28.json" > "$tmp/list-cov.txt"
expect "a delisting is reported as the end of coverage" grep -q "Penang Compute Sdn Bhd: covered → not_covered" "$tmp/list-cov.txt"

# PostgreSQL is loaded only when asked for: the command starts without libpq, and a missing
# PostgreSQL module is a clear error naming it, not a crash or a silent fallback to SQLite.
expect "exportctl does not load libpq at start" bash -c "! ldd '$bin' | grep -q libpq"
echo '{"as_of":"2025-06-01","destination":"DE","items":[{"chip":"H20","quantity":1}]}' > "$tmp/h20.json"
EXPORTCTL_POSTGRES_MODULE_DIR="$tmp/no-such-dir" "$bin" --data-dir "$tmp/pgless" check --ledger postgresql://nobody@127.0.0.1:1/none "$tmp/h20.json" > "$tmp/out" 2> "$tmp/err"
expect "a PostgreSQL ledger without the module exits 1" test $? -eq 1
expect "... saying the module was not found" grep -q "exportctl-postgres-ledger.so was not found" "$tmp/err"
expect "... and prints no decision" test ! -s "$tmp/out"

exit $fails
