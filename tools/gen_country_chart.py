#!/usr/bin/env python3
"""Prints the Commerce Country Chart (15 CFR Part 738 Supp. No. 1, eCFR 2026-07-23) as
{ISO code: [columns marked X]}, for the "country_chart" parameter of data/regimes/jurisdiction.json.
Embargoed rows (Cuba, Iran, North Korea, Syria) have no marks: Part 746 decides them.
Run: python3 tools/gen_country_chart.py ../shared/reference/ecfr/country-chart-2026-07-23.json data/countries.json"""
import json, sys

chart = json.load(open(sys.argv[1]))
countries = json.load(open(sys.argv[2]))['countries']
by_name = {}
for c in countries:
    for n in [c['name'], c.get('ear_name', '')] + c.get('aliases', []):
        if n:
            by_name[n.lower()] = c['code']
for alias, row in chart.get('aliases', {}).items():
    if row.lower() in by_name:
        by_name.setdefault(alias, by_name[row.lower()])
MANUAL = {'Bahamas, The': 'BS', "Cote d'Ivoire": 'CI', 'Micronesia (Federated State of)': 'FM',
          'St. Kitts and Nevis': 'KN', 'St. Lucia': 'LC', 'St. Vincent and the Grenadines': 'VC', 'Seycheles': 'SC'}
out = {}
for name, row in chart['countries'].items():
    code = MANUAL.get(name) or by_name.get(name.lower())
    if not code:
        raise SystemExit(f'no ISO code for chart row {name!r}')
    out[code] = row['marks']
for name, row in chart.get('territoryInheritance', {}).items():
    code = by_name.get(name)
    target = by_name.get(row['row'].lower())
    if code and target and code not in out:
        out[code] = out[target]
print(json.dumps(dict(sorted(out.items())), separators=(',', ':')))
