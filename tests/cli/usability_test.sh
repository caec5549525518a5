#!/usr/bin/env bash
# End-to-end checks that the command line behaves as users expect: global options anywhere,
# --json and an example on every command, the AI Diffusion tier in `countries`, unknown fields
# named or refused, shell completion and the man page.
# Usage: usability_test.sh path/to/exportctl repo_root
source "$(dirname "$0")/expect.sh" "$@"
json_ok() { python3 -c "import json,sys; d=json.load(open('$1')); sys.exit(0 if ($2) else 1)"; }

# --- Global options before or after the subcommand, on every command --------------------------
d="$tmp/data"
"$bin" check "$root/examples/01-h100-to-germany.json" --data-dir "$d" > "$tmp/check.json"
expect "check FILE --data-dir D works" test $? -eq 0 -a -s "$d/audit.sqlite"
"$bin" keys create --role analyst --data-dir "$d" --json > "$tmp/key.json"
expect "keys create --role R --data-dir D works" test $? -eq 0
expect "keys create --json prints key_id, role, label and the secret under key" \
  json_ok "$tmp/key.json" "sorted(d)==['key','key_id','label','role'] and d['role']=='analyst' and d['key'].startswith('exk_'+d['key_id'])"
"$bin" keys list --json --data-dir "$d" > "$tmp/keys.json"
expect "keys list --data-dir D reads the same key table" json_ok "$tmp/keys.json" "len(d)==1 and 'key' not in d[0]"
echo '{"results":[{"id":"a","source":"Entity List (EL) - Bureau of Industry and Security","name":"Sophgo Technologies Ltd.","federal_register_notice":"90 FR 1"}]}' > "$tmp/consolidated_2026-01-01.json"
"$bin" lists import "$tmp/consolidated_2026-01-01.json" --data-dir "$d" > /dev/null
expect "lists import FILE --data-dir D works" test $? -eq 0
"$bin" lists status --json --data-dir "$d" > "$tmp/status.json"
expect "lists status --json --data-dir D sees the imported list" json_ok "$tmp/status.json" "d['lists'][0]['list_id']=='csl'"
"$bin" ledger balances --data-dir "$d" --as-of 2025-06-01 --json > "$tmp/balances.json"
expect "ledger balances --data-dir D --json" json_ok "$tmp/balances.json" "isinstance(d, (dict, list))"
"$bin" audit verify --data-dir "$d" > "$tmp/verify.json"
expect "audit verify --data-dir D" json_ok "$tmp/verify.json" "d['ok']"
"$bin" --data-dir "$d" audit head --json > "$tmp/head.json"
expect "audit head --json" json_ok "$tmp/head.json" "d['anchor']==str(d['seq'])+':'+d['hash']"
mkdir -p "$tmp/baddata" && cp -r "$root/data/." "$tmp/baddata/" && echo '{ nope' > "$tmp/baddata/regimes/h200-2026.json"
"$bin" classify H20 --regulatory-data "$tmp/baddata" > /dev/null 2> "$tmp/err"
expect "--regulatory-data after the subcommand is used" grep -q "h200-2026.json" "$tmp/err"
"$bin" --max-list-age-days 36500 screen "Sophgo Technologies" --data-dir "$d" --json > "$tmp/screen.json"
expect "screen NAME --data-dir D" json_ok "$tmp/screen.json" "d['hits'] and d['warnings']==[]"

# --- --json and an example under --help on every command -------------------------------------
"$bin" completion bash > "$tmp/exportctl.bash"
paths=$(python3 - "$tmp/exportctl.bash" <<'EOF'
import re, sys
for path, subs in re.findall(r'^    "([^"]*)"\) _exportctl_subs="([^"]*)"', open(sys.argv[1]).read(), re.M):
    if path:  # every command, groups (ledger, keys…) included; "*" marks a leaf
        print(path + ("" if subs else "*"))
EOF
)
expect "the completion table lists the commands" test "$(echo "$paths" | wc -l)" -gt 25
while IFS= read -r p; do
  leaf=no; [[ "$p" == *"*" ]] && leaf=yes && p=${p%"*"}
  # shellcheck disable=SC2086
  help=$("$bin" $p --help 2>&1)
  expect "$p --help shows an example" grep -q "^Example:" <<< "$help"
  case "$p" in serve|completion) ;; *) [ $leaf = yes ] && expect "$p takes --json" grep -q -- "--json" <<< "$help" ;; esac
done <<< "$paths"
printf 'name1,name2\nHuawei Technologies,Huawei Tech\n' > "$tmp/pairs.csv"
"$bin" screen compare --pairs "$tmp/pairs.csv" --json > "$tmp/compare.json"
expect "screen compare --json" json_ok "$tmp/compare.json" "d['name1']=='Huawei Technologies' and 'score' in d"
"$bin" classify H20 --as-of 2025-06-01 --json > "$tmp/classify.json"
expect "classify --json" json_ok "$tmp/classify.json" "'eccn' in d"
"$bin" check --json --no-audit "$root/examples/01-h100-to-germany.json" > "$tmp/check2.json"
expect "check --json" json_ok "$tmp/check2.json" "d['outcome']=='NO_LICENSE_REQUIRED'"
"$bin" check --json --text --no-audit "$root/examples/01-h100-to-germany.json" > /dev/null 2> "$tmp/err"
expect "check --json --text is refused, naming --json" json_ok "$tmp/err" "d['error']['field']=='--json'"
"$bin" ledger history country:AE --json --data-dir "$d" > /dev/null
expect "ledger history takes --json" test $? -eq 0

# --- regimes: the data says through which date it was reviewed ------------------------------
reviewed=$(python3 -c "import json; print(json.load(open('$root/data/review.json'))['reviewed_through'])")
"$bin" regimes --as-of 2025-06-01 --json > "$tmp/regimes.json"
expect "regimes --json carries data_reviewed_through" json_ok "$tmp/regimes.json" "all(r['data_reviewed_through']=='$reviewed' for r in d)"
"$bin" regimes --as-of 2099-01-01 > "$tmp/regimes.txt"
expect "regimes text says the review date and that later rules may be missing" grep -q "reviewed through $reviewed: rules published since may be missing" "$tmp/regimes.txt"
"$bin" check --no-audit "$root/examples/01-h100-to-germany.json" > "$tmp/old.json"
expect "a decision dated before the review has no review warning" json_ok "$tmp/old.json" "not any('reviewed through' in w for w in d['warnings'])"
python3 -c "import json; t=json.load(open('$root/examples/01-h100-to-germany.json')); t['as_of']='2099-01-01'; print(json.dumps(t))" | "$bin" check --no-audit - > "$tmp/late.json"
expect "a decision dated after the review warns that rules may be missing" json_ok "$tmp/late.json" "any('reviewed through $reviewed' in w and 'may be missing' in w for w in d['warnings'])"

# --- countries: the AI Diffusion tier beside the Country Groups -------------------------------
"$bin" countries AE --as-of 2025-06-01 --posture codified --json > "$tmp/ae.json"
expect "countries AE (codified): Tier 2, binding" json_ok "$tmp/ae.json" "d['ai_diffusion_tier']['tier']==2 and d['ai_diffusion_tier']['binding'] and 'groups' in d"
"$bin" countries AE --as-of 2025-06-01 > "$tmp/ae-enforced.json"
expect "countries AE (enforced): codified but not enforced since 2025-05-13" json_ok "$tmp/ae-enforced.json" "d['ai_diffusion_tier']['tier']==2 and not d['ai_diffusion_tier']['binding'] and 'not enforced since 2025-05-13' in d['ai_diffusion_tier']['note']"
"$bin" countries "Hong Kong" --as-of 2025-06-01 --posture codified --text > "$tmp/hk.txt"
expect "countries --text shows groups and tier" bash -c "grep -q 'Country Groups:' '$tmp/hk.txt' && grep -q 'AI Diffusion tier: Tier 3 (binding)' '$tmp/hk.txt'"
"$bin" countries --all --as-of 2025-06-01 --posture codified --json > "$tmp/all.json"
expect "countries --all lists every country with groups and tier" json_ok "$tmp/all.json" "len(d['countries'])>200 and {c['code']:c['ai_diffusion_tier'] for c in d['countries']}['FR']==1 and {c['code']:c['ai_diffusion_tier'] for c in d['countries']}['CN']==3 and all('groups' in c for c in d['countries'])"
"$bin" countries --all --as-of 2025-06-01 --text > "$tmp/all.txt"
expect "countries --all --text is a table" bash -c "grep -q '^CODE ' '$tmp/all.txt' && grep -q 'not enforced since 2025-05-13' '$tmp/all.txt' && [ \$(wc -l < '$tmp/all.txt') -gt 200 ]"
# The license area of advanced-computing items as the engine decides it, and the rules binding
# an export to one country.
expect "countries --all: license area per country (CN and the UAE in, DE out)" json_ok "$tmp/all.json" "d['license_area']['rule']=='aid.license_area_b' and {c['code']:c['license_area']['in_area'] for c in d['countries']}['CN'] and {c['code']:c['license_area']['in_area'] for c in d['countries']}['AE'] and not {c['code']:c['license_area']['in_area'] for c in d['countries']}['DE']"
"$bin" countries CN --as-of 2025-06-01 --json > "$tmp/cn.json"
expect "countries CN: in the AC/S license area, and the rules binding it" json_ok "$tmp/cn.json" "d['license_area']['in_area'] and d['license_area']['rule']=='acs.license_area' and {'acs.license_area','acs.headquarters','hbm.license'} <= {r['rule'] for r in d['rules_binding']} and all(r['citation'] for r in d['rules_binding'])"
"$bin" countries DE --as-of 2025-06-01 --text > "$tmp/de.txt"
expect "countries --text: license area and no rule binding Germany (enforced)" bash -c "grep -q 'License area: outside (acs.license_area' '$tmp/de.txt' && grep -q 'Rules binding an export of advanced-computing items here: none' '$tmp/de.txt'"
"$bin" countries > /dev/null 2> "$tmp/err"
expect "countries without a country or --all exits 2" test $? -eq 2
"$bin" countries DE --all > /dev/null 2> "$tmp/err"
expect "countries CODE --all exits 2" test $? -eq 2
"$bin" countries DE --posture lenient > /dev/null 2> "$tmp/err"
expect "countries --posture lenient exits 2 naming --posture" json_ok "$tmp/err" "d['error']['field']=='--posture'"

# --- Unknown fields: a warning naming each path; --strict refuses them ------------------------
tx='{"as_of":"2025-06-01","destination":"DE","destinaton":"CN","items":[{"chip":"H100 SXM5 80GB","quantity":8,"qty":1}],"parties":[{"role":"ultimate_consignee","name":"C","country":"DE","headquarters":"DE","adress":"x"}]}'
echo "$tx" | "$bin" check --no-audit - > "$tmp/unknown.json"
expect "unknown fields are named in warnings" json_ok "$tmp/unknown.json" "all(any('\"%s\"' % p in w for w in d['warnings']) for p in ['destinaton','items[0].qty','parties[0].adress'])"
echo "$tx" | "$bin" check --no-audit --strict - > "$tmp/out" 2> "$tmp/err"
expect "check --strict exits 2" test $? -eq 2
expect "check --strict names the unknown field" json_ok "$tmp/err" "d['error']['field']=='destinaton'"
expect "check --strict prints no decision" test ! -s "$tmp/out"
printf '%s\n%s\n' '{"as_of":"2025-06-01","destination":"DE","items":[{"chip":"H20","quantity":1}]}' "$tx" | "$bin" check --no-audit --strict --batch - > "$tmp/batch.out" 2> /dev/null
expect "check --batch --strict reports the line in place" python3 -c "import json,sys; l=[json.loads(x) for x in open('$tmp/batch.out')]; sys.exit(0 if 'outcome' in l[0] and l[1]['error']['field']=='destinaton' else 1)"
echo '{"strict":true,"as_of":"2025-06-01","destination":"DE","items":[{"chip":"H20","quantity":1,"qty":2}]}' | "$bin" check --no-audit - > /dev/null 2> "$tmp/err"
expect "\"strict\": true in the transaction refuses unknown fields too" json_ok "$tmp/err" "d['error']['field']=='items[0].qty'"

# --- Command-line errors under --json are JSON naming the option ---------------------------
"$bin" check "$root/examples/01-h100-to-germany.json" --bogus --json > "$tmp/out" 2> "$tmp/err"
expect "an unknown option under --json exits 2" test $? -eq 2
expect "an unknown option under --json is a JSON error naming it" \
  json_ok "$tmp/err" "d['error']['code']=='invalid_input' and d['error']['field']=='--bogus'"
"$bin" --json --max-list-age-days abc lists status > /dev/null 2> "$tmp/err"
expect "a value that does not convert under --json is a JSON error naming the option" \
  json_ok "$tmp/err" "d['error']['field']=='--max-list-age-days' and 'abc' in d['error']['message']"
"$bin" check --bogus > /dev/null 2> "$tmp/err"
expect "without --json the error stays text" grep -q "not expected: --bogus" "$tmp/err"

# --- Inputs that would silently clear or abort ---------------------------------------------
mkdir -p "$tmp/adir"
for cmd in "check $tmp/adir" "check --batch $tmp/adir" "licenses add $tmp/adir" "ownership import $tmp/adir" \
           "screen --batch $tmp/adir" "screen compare --pairs $tmp/adir" "jurisdiction $tmp/adir"; do
  # shellcheck disable=SC2086
  "$bin" $cmd --data-dir "$d" --json > "$tmp/out" 2> "$tmp/err"
  rc=$?
  expect "$cmd: a directory is bad input (exit 2)" test "$rc" -eq 2
  expect "$cmd: the error says it is a directory" grep -q "is a directory" "$tmp/err"
done
"$bin" check "$tmp/no-such.json" --no-audit > /dev/null 2> "$tmp/err"
expect "check of a missing file exits 2" test $? -eq 2
expect "check of a missing file says so" grep -q "no such file" "$tmp/err"
for c in CHN zz China "RU "; do
  "$bin" --max-list-age-days 36500 screen "Sophgo Technologies" --country "$c" --data-dir "$d" --json > "$tmp/out" 2> "$tmp/err"
  expect "screen --country '$c' is refused (exit 2)" test $? -eq 2
  expect "screen --country '$c' names the field" json_ok "$tmp/err" "d['error']['field']=='country'"
done
"$bin" --max-list-age-days 36500 screen "Sophgo Technologies" --country cn --data-dir "$d" --json > "$tmp/out"
expect "screen --country in lower case works" json_ok "$tmp/out" "d['hits']"
# A record lists the countries the list knew of: a country filter that leaves out an exact hit
# listed elsewhere says so (an empty answer would read as a clearance).
mkdir -p "$tmp/dfilter"
echo '{"results":[{"id":"m","source":"Specially Designated Nationals (SDN) - Treasury Department","name":"MAHAN AIR","addresses":[{"country":"IR"}]}]}' > "$tmp/consolidated_2026-01-02.json"
"$bin" lists import "$tmp/consolidated_2026-01-02.json" --data-dir "$tmp/dfilter" > /dev/null 2>&1
"$bin" --max-list-age-days 36500 screen "Mahan Air" --country DE --data-dir "$tmp/dfilter" --json > "$tmp/out"
expect "screen --country: a hit listed elsewhere is left out" json_ok "$tmp/out" "d['hits']==[]"
expect "screen --country: the hit left out is named in a warning" json_ok "$tmp/out" "any('left out 1 hit' in w and 'MAHAN AIR' in w for w in d['warnings'])"
"$bin" --max-list-age-days 36500 screen "Mahan Air" --country IR --data-dir "$tmp/dfilter" --json > "$tmp/out"
expect "screen --country of the listed country: no filter warning" json_ok "$tmp/out" "len(d['hits'])==1 and not any('left out' in w for w in d['warnings'])"
echo '{"name":"Mahan Air","country":"DE"}' > "$tmp/filter.jsonl"
"$bin" --max-list-age-days 36500 screen --batch "$tmp/filter.jsonl" --data-dir "$tmp/dfilter" > "$tmp/out" 2> /dev/null
expect "screen --batch: a row's country filter that left out a hit says so" json_ok "$tmp/out" "any('left out 1 hit' in w for w in d['warnings'])"
"$bin" --max-list-age-days 36500 screen "Sophgo Technologies" --threshold nan --data-dir "$d" --json > /dev/null 2> "$tmp/err"
expect "screen --threshold nan is refused" json_ok "$tmp/err" "d['error']['field']=='threshold'"
"$bin" screen compare --pairs "$tmp/pairs.csv" --threshold nan --json > /dev/null 2> "$tmp/err"
expect "screen compare --threshold nan is refused" json_ok "$tmp/err" "d['error']['field']=='threshold'"
: > "$tmp/empty.csv"
"$bin" screen compare --pairs "$tmp/empty.csv" --json > /dev/null 2> "$tmp/err"
expect "screen compare of an empty file is bad input" test $? -eq 2
"$bin" --max-list-age-days 36500 screen "Sophgo Technologies" --limit -1 --data-dir "$d" > /dev/null 2>&1
expect "screen --limit -1 is refused" test $? -eq 2
printf '%s\n' '{"name":"Sophgo Technologies","contry":"CN"}' > "$tmp/rows.jsonl"
"$bin" --max-list-age-days 36500 screen --batch "$tmp/rows.jsonl" --data-dir "$d" --json > /dev/null 2> "$tmp/err"
expect "screen --batch names a JSON line's unknown field in a warning" grep -q 'Unknown field \\"line 1.contry\\" was ignored' "$tmp/err"
party_tx() {
  printf '{"as_of":"2025-06-01","destination":"DE","items":[{"chip":"H100 SXM5 80GB","quantity":8}],"parties":[{"role":"ultimate_consignee","name":"%s","country":"DE","headquarters":"DE","ultimate_parent_headquarters":"DE"}]}' "$1"
}
party_tx "Sen Trading" | "$bin" --max-list-age-days 36500 check --no-audit --data-dir "$d" - > "$tmp/read.json"
expect "a party named in Latin letters clears" json_ok "$tmp/read.json" "d['outcome']=='NO_LICENSE_REQUIRED'"
party_tx "ⵜⵉⴼⵉⵏⴰⵖ Sen Trading" | "$bin" --max-list-age-days 36500 check --no-audit --data-dir "$d" - > "$tmp/unread.json"
expect "a party with words in a script we cannot read goes to review" \
  json_ok "$tmp/unread.json" "d['outcome']=='NEEDS_REVIEW' and 'romanization' in json.dumps(d)"

"$bin" lists import "$tmp/consolidated_2026-01-01.json" --data-dir "$tmp/shrink" > /dev/null
echo '{"total":0,"sources_used":[],"results":[]}' > "$tmp/consolidated_2026-01-02.json"
"$bin" lists import "$tmp/consolidated_2026-01-02.json" --data-dir "$tmp/shrink" --json > /dev/null 2> "$tmp/err"
expect "lists import of a file with no records is refused (exit 2)" test $? -eq 2
expect "lists import of an empty file says why" grep -q "holds no list records" "$tmp/err"
"$bin" --max-list-age-days 36500 screen "Sophgo Technologies" --data-dir "$tmp/shrink" --json > "$tmp/out"
expect "the refused import left the list as it was" json_ok "$tmp/out" "d['hits']"
"$bin" lists import "$tmp/consolidated_2026-01-02.json" --allow-shrink --data-dir "$tmp/shrink" > /dev/null
expect "lists import --allow-shrink imports it" test $? -eq 0

# --- Shell completion and the man page --------------------------------------------------------
expect "bash completion is valid bash" bash -n "$tmp/exportctl.bash"
complete_words() {  # complete_words WORD... : what bash would offer for the last word
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _exportctl; printf "%s\n" "${COMPREPLY[@]}"' _ "$tmp/exportctl.bash" "$@"
}
expect "completion offers subcommands" grep -qx ledger <<< "$(complete_words exportctl le)"
expect "completion follows the command path" grep -qx balances <<< "$(complete_words exportctl ledger ba)"
opts=$(complete_words exportctl check --)
expect "completion offers check's --strict" grep -qx -- --strict <<< "$opts"
expect "completion offers the global --data-dir after the command" grep -qx -- --data-dir <<< "$opts"
"$bin" completion zsh > "$tmp/_exportctl"
expect "zsh completion is a compdef script" grep -q "^#compdef exportctl" "$tmp/_exportctl"
if command -v zsh > /dev/null; then expect "zsh completion parses" zsh -n "$tmp/_exportctl"; fi
"$bin" completion fish > /dev/null 2>&1
expect "completion for an unknown shell exits 2" test $? -eq 2
"$bin" man > "$tmp/exportctl.1"
expect "the man page is roff with every command" bash -c "grep -q '^.TH EXPORTCTL 1' '$tmp/exportctl.1' && grep -q 'exportctl countries' '$tmp/exportctl.1' && grep -q 'exportctl ledger balances' '$tmp/exportctl.1'"
expect "the man page formats without warnings" bash -c "groff -man -Tutf8 -ww -z '$tmp/exportctl.1' 2> '$tmp/groff.err' && test ! -s '$tmp/groff.err'"
built="$(dirname "$bin")/exportctl.1"
expect "the build generates the man page" test -s "$built"

exit $fails
