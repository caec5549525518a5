#!/usr/bin/env python3
"""Prints the Commerce Country Chart (15 CFR Part 738 Supp. No. 1) as the value of the
"country_chart" parameter of data/regimes/jurisdiction.json: one chart per eCFR extraction given,
each {"effective": its eCFR date, "source": ..., "rows": {ISO code: [columns marked X]}}. The engine
uses each chart from its date until the next one; before the first, what the chart decides is
uncertain (review). Embargoed rows (Cuba, Iran, North Korea, Syria) have no marks: Part 746 decides them.
Run: python3 tools/gen_country_chart.py ../shared/reference/ecfr/country-chart-2026-07-23.json [more charts...] data/countries.json"""
import json, sys

*chart_files, countries_file = sys.argv[1:]
if not chart_files:
    raise SystemExit(__doc__)
countries = json.load(open(countries_file))['countries']
MANUAL = {'Bahamas, The': 'BS', "Cote d'Ivoire": 'CI', 'Micronesia (Federated State of)': 'FM',
          'St. Kitts and Nevis': 'KN', 'St. Lucia': 'LC', 'St. Vincent and the Grenadines': 'VC', 'Seycheles': 'SC'}


def rows_of(chart):
    by_name = {}
    for c in countries:
        for n in [c['name'], c.get('ear_name', '')] + c.get('aliases', []):
            if n:
                by_name[n.lower()] = c['code']
    for alias, row in chart.get('aliases', {}).items():
        if row.lower() in by_name:
            by_name.setdefault(alias, by_name[row.lower()])
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
    return dict(sorted(out.items()))


charts = []
for path in chart_files:
    chart = json.load(open(path))
    charts.append({'effective': chart['ecfrIssueDate'],
                   'source': f"15 CFR Part 738 Supp. No. 1 as in the eCFR of {chart['ecfrIssueDate']}",
                   'rows': rows_of(chart)})
charts.sort(key=lambda c: c['effective'])
print(json.dumps({'charts': charts}, separators=(',', ':')))
