#!/usr/bin/env bash
# End-to-end checks of reserving and changing the ledger from the command line: refused option
# combinations, exit codes, re-checks of reserved orders, consignee identities, validation of
# clearances, and the audit log's record of who changed what.
# Usage: ledger_cli_test.sh path/to/exportctl repo_root
source "$(dirname "$0")/expect.sh" "$@"
field_is() {  # field_is FILE FIELD: the JSON error in FILE names FIELD
  python3 -c "import json,sys; e=json.load(open('$1'))['error']; sys.exit(0 if e['field']=='$2' else 1)"
}
order() {  # order REFERENCE CONSIGNEE_JSON QUANTITY: an LPP-sized order to Malaysia (codified)
  echo "{\"reference\":\"$1\",\"as_of\":\"2025-09-01\",\"posture\":\"codified\",\"destination\":\"MY\",\"items\":[{\"chip\":\"H100 SXM5 80GB\",\"quantity\":$3}],\"parties\":[{\"role\":\"ultimate_consignee\",$2,\"country\":\"MY\",\"headquarters\":\"MY\",\"ultimate_parent_headquarters\":\"MY\"}]}"
}

# 9.8: a reservation is always recorded.
d="$tmp/no-audit"
"$bin" --data-dir "$d" check --reserve --no-audit "$root/examples/01-h100-to-germany.json" > "$tmp/out" 2> "$tmp/err"
expect "check --reserve --no-audit exits 2" test $? -eq 2
expect "... naming --no-audit" field_is "$tmp/err" --no-audit
expect "... and reserves nothing" test ! -e "$d/ledger.sqlite" -a ! -s "$tmp/out"

# 9.10: output options are honoured or refused, never ignored.
"$bin" check --batch "$root/examples/batch.jsonl" --text > "$tmp/out" 2> "$tmp/err"
expect "check --batch --text exits 2" test $? -eq 2
expect "... naming --text" field_is "$tmp/err" --text
"$bin" --data-dir "$tmp/csv" check --csv "$root/examples/01-h100-to-germany.json" > "$tmp/one.csv"
expect "check --csv of one transaction prints a header and its row" python3 -c "import csv,sys; r=list(csv.DictReader(open('$tmp/one.csv'))); sys.exit(0 if len(r)==1 and r[0]['outcome'] and r[0]['decision_id'].startswith('dec_') else 1)"
"$bin" check --csv --text "$root/examples/01-h100-to-germany.json" > /dev/null 2> "$tmp/err"
expect "check --csv --text exits 2" test $? -eq 2

# 9.3: checking a reserved order again answers as the reserving check did.
r="$tmp/recheck"
order SO-9 '"name":"Contoh Cloud Sdn Bhd"' 1500 > "$tmp/so9.json"
"$bin" --data-dir "$r" check --reserve "$tmp/so9.json" > "$tmp/reserved.json"
"$bin" --data-dir "$r" check "$tmp/so9.json" > "$tmp/again.json"
expect "a re-check of a reserved order keeps LPP and says its reservation is left out" python3 -c "
import json,sys
a=json.load(open('$tmp/reserved.json')); b=json.load(open('$tmp/again.json'))
said=any('already holds' in x['summary'] for x in b['reasons'])
sys.exit(0 if a['license_exception']=='LPP' and b['license_exception']=='LPP' and said else 1)"
order SO-10 '"name":"Contoh Cloud Sdn Bhd"' 1500 | "$bin" --data-dir "$r" check - > "$tmp/other.json"
expect "another order for the consignee still sees the reservation" python3 -c "import json,sys; sys.exit(0 if json.load(open('$tmp/other.json'))['license_exception']!='LPP' else 1)"
# A7: an amended order under the reserved reference is another request: the reservation counts.
order SO-9 '"name":"Contoh Cloud Sdn Bhd"' 1600 | "$bin" --data-dir "$r" check - > "$tmp/amended.json"
expect "an amended order under a reserved reference counts the reservation and says so" python3 -c "
import json,sys
d=json.load(open('$tmp/amended.json'))
said=any('counts the reservation' in x['summary'] and 'different request' in x['summary'] for x in d['reasons'])
sys.exit(0 if d['license_exception']!='LPP' and said else 1)"

# 9.4: one LPP allowance per consignee, however spelt; the decision names the account.
order S-1 '"name":"Saigon Cloud JSC"' 1500 | "$bin" --data-dir "$r" check --reserve - > "$tmp/s1.json"
order S-2 '"name":"SAIGON CLOUD J.S.C."' 1500 | "$bin" --data-dir "$r" check --reserve - > "$tmp/s2.json"
expect "a second spelling of the consignee does not get a second LPP allowance" python3 -c "
import json,sys
a=json.load(open('$tmp/s1.json')); b=json.load(open('$tmp/s2.json'))
sys.exit(0 if a['license_exception']=='LPP' and b['license_exception']!='LPP' and 'lpp:saigon cloud' in a['ledger_postings'][0] else 1)"
"$bin" --data-dir "$r" ledger reserve "lpp:Saigon Cloud J.S.C." 1 --key typed --as-of 2025-09-01 > "$tmp/typed.json"
expect "ledger reserve keys a typed consignee account by its identity" python3 -c "import json,sys; sys.exit(0 if json.load(open('$tmp/typed.json'))['posting']['account']=='lpp:saigon cloud' else 1)"

# Ledger exit codes: 1 refused (with what still fits), 3 conflict.
l="$tmp/exit-codes"
"$bin" --data-dir "$l" ledger reserve lpp:acme 30000000 --key big --as-of 2026-01-05 > "$tmp/out" 2> "$tmp/err"
expect "a reservation that does not fit exits 1" test $? -eq 1
expect "... printing what still fits" python3 -c "import json,sys; r=json.load(open('$tmp/out')); e=json.load(open('$tmp/err'))['error']; sys.exit(0 if r['status']=='insufficient' and r['fits_tpp']==26900000 and e['code']=='insufficient' and '26900000' in e['message'] else 1)"
"$bin" --data-dir "$l" ledger reserve country:AE 100 --key same --as-of 2026-01-05 > /dev/null
"$bin" --data-dir "$l" ledger reserve country:AE 200 --key same --as-of 2026-01-05 > /dev/null 2> "$tmp/err"
expect "an idempotency key reused for another request exits 3" test $? -eq 3
"$bin" --data-dir "$l" ledger reserve country:AE 100 --key same --as-of 2026-01-05 > /dev/null
expect "a retry of the same request exits 0" test $? -eq 0
expect "ledger --help documents the exit codes" bash -c "'$bin' ledger reserve --help | grep -q 'Exit codes'"

# 10.8: a ledger adjustment's reason is printable text.
"$bin" --data-dir "$l" ledger adjust country:AE 5 --as-of 2026-01-05 --reason $'shipped\r\nforged: approved' > /dev/null 2> "$tmp/err"
expect "an adjustment reason with CR/LF exits 2" test $? -eq 2
expect "... naming the reason" field_is "$tmp/err" reason
"$bin" --data-dir "$l" ledger reserve $'lpp:Acme\xe2\x80\xaeevil' 5 --key bidi --as-of 2026-01-05 > /dev/null 2> "$tmp/err"
expect "a bidi control in an account name exits 2" test $? -eq 2

# 10.8 / 9 smaller: clearances are validated (expiry after today, within the horizon).
s="$tmp/clear"
echo '{"results":[{"id":"a","source":"Entity List (EL) - Bureau of Industry and Security","name":"Sophgo Technologies Ltd.","federal_register_notice":"90 FR 1"}]}' > "$tmp/consolidated_2026-01-01.json"
"$bin" --data-dir "$s" lists import "$tmp/consolidated_2026-01-01.json" > /dev/null
"$bin" --data-dir "$s" screen clear --party "Sopgo Tech" --record a --reason "different company" --expires 2020-01-01 > /dev/null 2> "$tmp/err"
expect "screen clear with a past expiry exits 2" test $? -eq 2
expect "... naming expires" field_is "$tmp/err" expires
"$bin" --data-dir "$s" screen clear --party "Sopgo Tech" --record a --reason "different company" --expires 9999-12-31 > /dev/null 2> "$tmp/err"
expect "screen clear beyond the horizon exits 2" test $? -eq 2
"$bin" --data-dir "$s" screen clear --party "Sopgo Tech" --record a --reason "   " --expires "$(date -u -d '+30 days' +%F)" > /dev/null 2> "$tmp/err"
expect "screen clear with a blank reason exits 2" test $? -eq 2
"$bin" --data-dir "$s" screen clear --party $'Sopgo\nTech' --record a --reason "different company" --expires "$(date -u -d '+30 days' +%F)" > /dev/null 2> "$tmp/err"
expect "screen clear with a line break in the party exits 2" field_is "$tmp/err" party

# 10.13: the audit actor is the OS account, not $USER; audit export takes --csv.
USER=someone-else "$bin" --data-dir "$l" ledger adjust country:AE 5 --as-of 2026-01-05 --reason "late entry" > /dev/null
"$bin" --data-dir "$l" audit export > "$tmp/events.jsonl"
expect "CLI changes are recorded under the OS user" python3 -c "
import json,sys
a=[json.loads(x)['actor'] for x in open('$tmp/events.jsonl')]
sys.exit(0 if a and a[-1]=='cli:$(id -un)' else 1)"
"$bin" --data-dir "$l" audit export --csv > "$tmp/events.csv"
expect "audit export --csv exits 0 with a header and a row per record" test $? -eq 0 -a "$(wc -l < "$tmp/events.csv")" -eq $(( $(wc -l < "$tmp/events.jsonl") + 1 ))

exit $fails
