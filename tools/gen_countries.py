#!/usr/bin/env python3
"""Generates data/countries.json from the eCFR Country Groups extract (Part 740 Supp. No. 1,
eCFR 2026-07-23, in ../shared/reference/ecfr) and Debian's iso-codes (ISO 3166-1 names).
Dated membership changes are written here by hand, each with its citation.
Run: python3 tools/gen_countries.py ../shared/reference/ecfr/country-groups-2026-07-23.json > data/countries.json"""
import json, sys

ecfr = json.load(open(sys.argv[1]))
iso = json.load(open('/usr/share/iso-codes/json/iso_3166-1.json'))['3166-1']
by_name = {}
for c in iso:
    for k in ('name', 'common_name', 'official_name'):
        if k in c:
            by_name[c[k].lower()] = c['alpha_2']

MANUAL = {
    'Bosnia & Herzegovina': 'BA', 'Burma': 'MM', 'China (PRC)': 'CN', 'Congo (Democratic Republic of)': 'CD',
    'Congo (Democratic Republic of the)': 'CD', 'Congo (Republic of the)': 'CG', "Cote d'lvoire": 'CI',
    'Czech Republic': 'CZ', 'Gambia, The': 'GM', 'Iran': 'IR', 'Korea, North': 'KP', 'Korea, South': 'KR',
    'Kosovo': 'XK', 'Laos': 'LA', 'Macau': 'MO', 'Micronesia, Federated States of': 'FM', 'Moldova': 'MD',
    'Russia': 'RU', 'Saint Kitts & Nevis': 'KN', 'Sao Tome & Principe': 'ST',
    'Sint Maarten (the Dutch two-fifths of the island of Saint Martin)': 'SX', 'South Sudan, Republic of': 'SS',
    'Syria': 'SY', 'Taiwan': 'TW', 'Tanzania': 'TZ', 'The Bahamas': 'BS', 'Trinidad & Tobago': 'TT',
    'Türkiye': 'TR', 'United Kingdom': 'GB', 'United States': 'US', 'Vatican City': 'VA', 'Venezuela': 'VE',
    'Vietnam': 'VN', 'Bolivia': 'BO', 'Brunei': 'BN', 'Cape Verde': 'CV', 'Curaçao': 'CW',
    'Eswatini': 'SZ', 'North Macedonia': 'MK', 'Palestine': 'PS',
}

def code_of(name):
    if name in MANUAL:
        return MANUAL[name]
    c = by_name.get(name.lower())
    if not c:
        raise SystemExit(f'no ISO code for eCFR name {name!r}')
    return c

countries = {}
for c in iso:
    aliases = sorted({c[k] for k in ('common_name', 'official_name') if k in c and c[k] != c['name']})
    countries[c['alpha_2']] = {'code': c['alpha_2'], 'name': c.get('common_name', c['name']),
                               'aliases': aliases}
countries['XK'] = {'code': 'XK', 'name': 'Kosovo', 'aliases': []}

ear_names = set(x for v in ecfr['groups'].values() for x in v)
for n in ear_names:
    code = code_of(n)
    countries[code]['ear_name'] = n
    if n.lower() != countries[code]['name'].lower() and n not in countries[code]['aliases']:
        countries[code]['aliases'].append(n)

# Common aliases from the eCFR extract; Hong Kong is handled as its own code treated as China.
for alias, target in ecfr['aliases'].items():
    if alias in ('hong kong', 'hong kong sar', 'hk'):
        continue
    code = code_of(target)
    if alias not in [a.lower() for a in countries[code]['aliases']] and alias != countries[code]['name'].lower():
        countries[code]['aliases'].append(alias)

countries['HK']['treat_as'] = 'CN'
countries['HK']['treat_as_citation'] = 'Hong Kong is treated as China under the EAR (alias mapping in 15 CFR Part 740 Supp. No. 1 as extracted [CG-2026]; "China (including Hong Kong and Macau)" [H20-TH])'
countries['HK']['aliases'] += ['Hong Kong SAR']
countries['MO']['note'] = 'Macau is not in Country Group D:5; the EAR names "Macau or a destination specified in Country Group D:5" explicitly.'
countries['MO']['aliases'] += ['Macao SAR', 'Macau SAR']

regions = [
    ('UA-43', 'Crimea (Ukraine)', ['Crimea', 'Autonomous Republic of Crimea']),
    ('UA-40', 'Sevastopol (Ukraine)', ['Sevastopol']),
    ('UA-14', 'Donetsk region of Ukraine (so-called DNR)', ['Donetsk', 'DNR', "Donetsk People's Republic"]),
    ('UA-09', 'Luhansk region of Ukraine (so-called LNR)', ['Luhansk', 'LNR', "Luhansk People's Republic"]),
]
for code, name, aliases in regions:
    countries[code] = {'code': code, 'name': name, 'aliases': aliases, 'parent': 'UA',
                       'note': 'Covered region under 15 CFR 746.6'}

SNAP = '15 CFR Part 740 Supp. No. 1 (eCFR 2026-07-23)'
membership = []
for g, names in ecfr['groups'].items():
    for n in sorted(set(names)):
        membership.append({'group': g, 'country': code_of(n), 'citation': SNAP, 'verified': True})

# Dated changes. "to" is exclusive: the first day the country is no longer a member.
membership.append({'group': 'D:5', 'country': 'KH', 'to': '2025-11-07', 'table_conformed': '2026-02-03',
                   'citation': 'Note to Country Group D:5 (State Department list controls); State removed Cambodia from ITAR 126.1 effective 2025-11-07; BIS conformed the D:5 table on 2026-02-03 [Fenwick-KH]',
                   'verified': False})
membership.append({'group': 'D:5', 'country': 'CY', 'to': '2024-05-30',
                   'citation': '89 FR 40369 (Cyprus removed from Country Group D:5, effective 2024-05-30)', 'verified': True})

out = {
    'version': '2026-11-29.1',
    'source': 'Country Groups: ' + SNAP + ', extracted by seelpeed-debug/export-controls-agent-mcp; names: ISO 3166-1 (Debian iso-codes)',
    'membership_note': 'Membership is the 2026-07-23 table, with the dated changes listed; earlier changes not listed here are not modelled.',
    'labels': ecfr['labels'],
    'countries': sorted(countries.values(), key=lambda c: c['code']),
    'membership': membership,
}
json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
print()
