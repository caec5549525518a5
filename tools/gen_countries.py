#!/usr/bin/env python3
"""Generates data/countries.json from the eCFR Country Groups extract (Part 740 Supp. No. 1,
eCFR 2026-07-23, in ../shared/reference/ecfr) and Debian's iso-codes (ISO 3166-1 names).
Dated memberships and the provenance of each group before the table's date are written here by
hand, each with its citation.
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
for n in sorted(ear_names):  # sorted: the same file on every run
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
# 15 CFR 772.1 defines the United States to include Puerto Rico and all territories, dependencies
# and possessions: shipping there is not an export, and parties there are US parties.
for code in ['AS', 'GU', 'MP', 'PR', 'UM', 'VI']:
    countries[code]['treat_as'] = 'US'
    countries[code]['treat_as_citation'] = ('15 CFR 772.1 ("United States": the 50 States, the District of Columbia, '
                                            'Puerto Rico, and all territories, dependencies and possessions of the '
                                            'United States): shipping there is not an export and a party located or '
                                            'headquartered there is a US party')
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
SNAP_DATE = '2026-07-23'
ACS = '2023-11-17'   # first date the engine decides (88 FR 73458 effective)

# Dated memberships: "from" is the first day of membership, "until" the first day the country is
# no longer a member (exclusive). A (country, group) pair with dated rows takes its membership from
# them only; the 2026-07-23 row of that pair, if any, is replaced by them.
DATED = [
    # Nicaragua: Country Group B until it moved to D:1 and D:5 (BIS, effective 2024-03-15).
    {'group': 'B', 'country': 'NI', 'until': '2024-03-15',
     'citation': 'BIS press release of 2024-03-14 (Nicaragua moved from Country Group B to D:1 and D:5, effective 2024-03-15) [addendum §12]',
     'verified': True},
    {'group': 'D:1', 'country': 'NI', 'from': '2024-03-15',
     'citation': 'BIS press release of 2024-03-14 (Nicaragua moved from Country Group B to D:1, effective 2024-03-15) [addendum §12]',
     'verified': True},
    {'group': 'D:5', 'country': 'NI', 'from': '2024-03-15',
     'citation': "State's ITAR 126.1 amendment, 89 FR 18796 (FR Doc 2024-05695), and BIS press release of 2024-03-14: Nicaragua in Country Group D:5 from 2024-03-15 [addendum §12]",
     'verified': True},
    # Cambodia: State's list controls D:5 (note to D:5).
    {'group': 'D:5', 'country': 'KH', 'until': '2025-11-07', 'table_conformed': '2026-02-03',
     'citation': 'Note to Country Group D:5 (State Department list controls); State removed Cambodia from ITAR 126.1 effective 2025-11-07; BIS conformed the D:5 table on 2026-02-03 [Fenwick-KH]',
     'verified': False},
    # Cyprus: State lifted its denial policy effective 2022-10-01 (renewed from 2023-10-01, 88 FR 63016);
    # by the note to D:5 Cyprus was out of D:5 from then; BIS conformed the table on 2024-05-30.
    {'group': 'D:5', 'country': 'CY', 'until': '2022-10-01', 'table_conformed': '2024-05-30',
     'citation': "Note to Country Group D:5 (State Department list controls); State lifted its ITAR 126.1 denial policy for Cyprus effective 2022-10-01, renewed from 2023-10-01 (88 FR 63016); BIS conformed the table by 89 FR 40369, effective 2024-05-30 [addendum §12]",
     'verified': False},
    # Ethiopia: added to ITAR 126.1(n) effective 2021-11-01; the note to D:5 makes it D:5 although
    # BIS's table was never updated.
    {'group': 'D:5', 'country': 'ET', 'from': '2021-11-01',
     'citation': "Note to Country Group D:5 (State Department list controls); Ethiopia added to ITAR 126.1(n) effective 2021-11-01 (86 FR 60165, FR Doc 2021-23450); no removal found (State's 126.1 update effective 2025-07-07, FR Doc 2025-12560, amended other entries; only its summary was seen), but the current 126.1 text was not confirmed [addendum §12]",
     'verified': False},
    # UAE: inside the 2023 license area (D:3/D:4 then); A:5 in the 2026-07-23 table. The date of
    # the move is not found, so the table's A:5 row is applied only from the table's date and the
    # D:3/D:4 rows until then; both are unverified between (see provenance).
    {'group': 'D:3', 'country': 'AE', 'until': SNAP_DATE,
     'citation': 'UAE in Country Group D:3 before its move to A:5 (date of the move not found) [addendum §12 (B)]',
     'verified': False},
    {'group': 'D:4', 'country': 'AE', 'until': SNAP_DATE,
     'citation': 'UAE inside the 2023 license area of 15 CFR 742.6(a)(6)(iii), in Country Group D:4 (CSET, "A Bigger Yard, A Higher Fence", 2023-12-04, lists the UAE among the 44 countries; addendum §12); date it left: not found',
     'verified': False},
    {'group': 'A:5', 'country': 'AE', 'from': SNAP_DATE,
     'citation': SNAP + ' lists the UAE in A:5 (STA for approved UAE entities only, 15 CFR 740.2(a)(26)); the rule and date of the move: not found [regulation.md §3.5, addendum §5]',
     'verified': True},
]
dated_pairs = {(m['group'], m['country']) for m in DATED}

membership = []
for g, names in ecfr['groups'].items():
    for n in sorted(set(names)):
        if (g, code_of(n)) in dated_pairs:
            continue
        membership.append({'group': g, 'country': code_of(n), 'citation': SNAP, 'verified': True})
membership += DATED

# Provenance: which source attests a country's membership (and non-membership) in a group over a
# window. The first verified record that covers (country, group, date) is the source; otherwise the
# membership is unverified on that date and a decision that depends on it says so and fails closed.
# Rows known only from the 2026-07-23 table are verified from that date only.
CSET = ('CSET, "A Bigger Yard, A Higher Fence" (2023-12-04): the 2023 license area of 15 CFR 742.6(a)(6)(iii) '
        '(D:1, D:4, D:5 excluding A:5/A:6) is 44 countries and Macau, listed by name; the 2026-07-23 table gives the '
        'same 44 once the UAE (then inside) and Nicaragua (added 2024-03-15) are accounted for [DERIVED; regulation.md §2.4]. '
        'Individual D:1/D:4/A:5/A:6 rows are not separately confirmed; their union is')
D5 = ('Note to Country Group D:5 (State\'s ITAR 126.1 list controls): D:5 of early 2025 in regulation.md §1.2 [DERIVED from the '
      '2026-07-23 table and the dated changes], with the changes dated here (Nicaragua, Cambodia, Cyprus, Ethiopia); no other '
      '126.1 change since 2023-11-17 is reported in the reference notes')
provenance = [
    {'countries': ['*'], 'groups': ['*'], 'from': SNAP_DATE, 'citation': SNAP, 'verified': True},
    {'countries': ['NI'], 'groups': ['B', 'D:1', 'D:5', 'D:4', 'A:5', 'A:6'], 'from': ACS, 'until': SNAP_DATE,
     'citation': 'BIS press release of 2024-03-14 and 89 FR 18796: Nicaragua in B until 2024-03-15, in D:1 and D:5 from then, no other group named; outside the 2023 license area (CSET, 2023-12-04) [addendum §12]', 'verified': True},
    {'countries': ['KH'], 'groups': ['D:5'], 'from': ACS,
     'citation': 'Cambodia in D:5 until State\'s 126.1 removal effective 2025-11-07 (note to D:5); table conformed 2026-02-03 [Fenwick-KH; Crowell & Moring; Export Compliance Daily — secondary, agreeing]', 'verified': True},
    {'countries': ['CY'], 'groups': ['D:5'], 'from': '2024-05-30',
     'citation': '89 FR 40369 (Cyprus removed from the Country Group D:5 table, effective 2024-05-30)', 'verified': True},
    {'countries': ['CY'], 'groups': ['D:5'], 'from': ACS, 'until': '2024-05-30',
     'citation': 'Cyprus out of D:5 by the note to D:5 since State lifted its denial policy (2022-10-01, renewed 2023-10-01, 88 FR 63016) while the BIS table still listed it until 2024-05-30; confidence medium (an annual waiver may differ from removal from 126.1)', 'verified': False},
    {'countries': ['ET'], 'groups': ['D:5'], 'from': ACS,
     'citation': 'Ethiopia in ITAR 126.1(n) since 2021-11-01 (86 FR 60165), so in D:5 by the note to D:5 though the BIS table omits it; the current 126.1 text was not confirmed', 'verified': False},
    {'countries': ['AE'], 'groups': ['A:5', 'A:6', 'D:1', 'D:4', 'D:5'], 'from': ACS, 'until': '2023-12-05',
     'citation': 'CSET (2023-12-04) lists the UAE among the 44 countries of the 2023 license area (so in D:1/D:4/D:5 and not A:5/A:6 then)', 'verified': True},
    {'countries': ['*'], 'except': ['CY', 'ET', 'KH', 'NI'], 'groups': ['D:5'], 'from': ACS, 'until': SNAP_DATE,
     'citation': D5, 'verified': True},
    {'countries': ['*'], 'except': ['AE', 'NI'], 'groups': ['A:5', 'A:6', 'D:1', 'D:4'], 'from': ACS, 'until': SNAP_DATE,
     'citation': CSET, 'verified': True},
]

out = {
    'version': '2026-12-02.1',
    'source': 'Country Groups: ' + SNAP + ', extracted by seelpeed-debug/export-controls-agent-mcp; names: ISO 3166-1 (Debian iso-codes)',
    'membership_note': ('Membership is the 2026-07-23 table, with the dated memberships listed (from/until, each with its citation). '
                        'Provenance says which source attests membership and non-membership in a group on a date: the table '
                        'itself only from 2026-07-23; earlier dates only where a record below covers them. A decision that '
                        'depends on an unverified membership says so and fails closed.'),
    'labels': ecfr['labels'],
    'countries': sorted(countries.values(), key=lambda c: c['code']),
    'membership': membership,
    'provenance': provenance,
}
json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
print()
