#!/usr/bin/env python3
"""Generates data/chips.json from ../shared/reference/chips.csv and chips_provenance.csv.
Run: python3 tools/gen_chips.py ../shared/reference > data/chips.json"""
import csv, json, re, sys

ref = sys.argv[1]
rows = list(csv.DictReader(open(f'{ref}/chips.csv')))
prov = {(r['vendor'], r['model'], r['variant']): r for r in csv.DictReader(open(f'{ref}/chips_provenance.csv'))}
HQ = {'NVIDIA': 'US', 'AMD': 'US', 'Intel': 'US', 'Google': 'US', 'AWS': 'US', 'Huawei': 'CN', 'Cambricon': 'CN'}

def num(s):
    s = (s or '').strip()
    if s in ('', 'unknown', 'n/a'):
        return None
    return float(s)

def slug(*parts):
    return re.sub(r'[^a-z0-9]+', '-', ' '.join(p for p in parts if p).lower()).strip('-')

# Chips commercially available in the US before the H200 rule (91 FR 1684 covers the H200, its
# equivalents and less advanced chips commercially available in the US on 2026-01-15). Others are
# unknown, and the rule's case-by-case policy is not applied to them (fail closed).
H200_RULE = 'the H200 rule (91 FR 1684) names the H200 and its equivalents, commercially available in the US on 2026-01-15 [FR-H200; addendum §3.2]'
US_MARKET = {
    'nvidia-h200-sxm-141gb': 'H200: ' + H200_RULE,
    'nvidia-h200-nvl-141gb': 'H200 NVL: ' + H200_RULE,
    'amd-instinct-mi325x-oam': 'MI325X: named with the H200 in the rule summaries and the tariff proclamation of 2026-01-14 [Cov-H200; Baker-H200; addendum §3.2]',
    'nvidia-h100-sxm5-80gb': 'H100: sold in the US since 2022 (catalog sources); less advanced than the H200 [FR-H200]',
    'nvidia-h100-pcie-80gb': 'H100: sold in the US since 2022 (catalog sources); less advanced than the H200 [FR-H200]',
}

chips = []
for r in rows:
    key = (r['vendor'], r['model'], r['variant'])
    p = prov.get(key, {})
    tp = []
    for col, bits in (('dense_tflops_fp16_or_bf16', 16), ('dense_tops_int8', 8), ('dense_tflops_fp8', 8), ('dense_tflops_fp4', 4)):
        v = num(r[col])
        if v is not None:
            tp.append({'precision': col.split('_')[-1] if 'fp16' not in col else 'fp16/bf16', 'bit_length': bits, 'dense_tops': v})
    tpp = num(r['tpp'])
    if tpp is not None and 'FP6' in p.get('tpp_basis_precision', ''):
        tp.append({'precision': 'fp6', 'bit_length': 6, 'dense_tops': round(tpp / 6, 4)})
    die_basis = p.get('die_area_basis', '')
    die = num(r['die_area_mm2'])
    bw = num(r['memory_bw_tbps'])
    name = f"{r['model']} {r['variant']}".strip()
    sources = [x.strip() for x in r['source_urls'].split(';') if x.strip()]
    note = p.get('row_note', '') + ' ' + die_basis
    reasons = []  # why the catalog figures are not verified (empty = verified)
    if re.search(r'RUMOR|rumou?red|reported', name + ' ' + p.get('row_note', ''), re.I):
        reasons.append('rumoured or reported part')
    if num(r['tpp']) is None:
        reasons.append('no dense throughput figure found')
    if len(sources) <= 1:
        reasons.append('a single secondary source')
    if re.search(r'range|conflict|inconsistent|contradictory|unsourced', note, re.I):
        reasons.append('sources disagree on the figures')
    if p.get('tpp_basis_precision', '') == 'FP4' and re.search(r'sparse', note, re.I):
        reasons.append('TPP from an FP4 figure halved from a sparse rating only')
    short_model = re.sub(r'^(GeForce|Instinct) ', '', r['model'])
    aliases = sorted({a for a in (r['model'], short_model, f"{r['vendor']} {r['model']}", f"{short_model} {r['variant']}".strip(), f"{r['vendor']} {name}") if a and a != name})
    chips.append({
        'id': slug(r['vendor'], r['model'], r['variant']),
        'vendor': r['vendor'], 'model': r['model'], 'variant': r['variant'], 'name': name,
        'aliases': aliases,
        'year': int(r['year']) if r['year'].isdigit() else None,
        'throughput': tp,
        'tpp': tpp,
        'tpp_basis': p.get('tpp_basis_precision', ''),
        'die_area_mm2': die,
        'die_area_basis': die_basis,
        'die_area_verified': die is not None and not re.search(r'ESTIMATE|UNVERIFIED|unknown', die_basis),
        'memory_gb': num(r['memory_gb']),
        'memory_type': r['memory_type'],
        'memory_bandwidth_gbps': None if bw is None else round(bw * 1000, 3),
        'tdp_w': num(r['tdp_w']),
        'datacenter': not r['model'].startswith('GeForce'),
        'designer_headquarters': HQ[r['vendor']],
        'reference_eccn_note': r['known_eccn'],
        'row_note': p.get('row_note', ''),
        'sources': sources,
        'verified': not reasons,
        'verified_note': '; '.join(reasons),
    })
    if US_MARKET.get(chips[-1]['id']):
        chips[-1]['us_market_2026_01_15'] = True
        chips[-1]['us_market_citation'] = US_MARKET[chips[-1]['id']]
out = {'version': '2026-11-29.1',
       'source': 'exportctl chip catalog built from the shared reference chips.csv / chips_provenance.csv (secondary sources per row)',
       'notes': ['Dense throughput figures only; TPP = max over precisions of dense TOPS x bit length.',
                 'datacenter = designed or marketed for datacenters; GeForce consumer cards are not.',
                 'Die areas marked unverified are estimates; performance density derived from them is indicative only.'],
       'chips': chips,
       # Parts asked about that have no sourced figures in the reference set: named, never guessed.
       'not_in_catalog': [
           {'name': 'B30A', 'aliases': ['NVIDIA B30A'], 'note': 'NVIDIA China-market Blackwell part reported in 2025; no sourced TPP or die area in the reference set'},
           {'name': 'H20E', 'aliases': ['NVIDIA H20E'], 'note': 'NVIDIA H20 variant with more memory reported in 2025; no sourced figures in the reference set'},
           {'name': 'RTX Pro 6000D', 'aliases': ['RTX PRO 6000D', 'NVIDIA RTX Pro 6000D', 'RTX Pro 6000 D'], 'note': 'NVIDIA China-market workstation/server part reported in 2025; no sourced figures in the reference set'},
       ]}
json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
print()
