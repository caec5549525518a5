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
        'sources': [s.strip() for s in r['source_urls'].split(';') if s.strip()],
        'verified': not re.search(r'RUMOR|rumou?red|reported', name + ' ' + p.get('row_note', ''), re.I),
    })
out = {'version': '2026-11-29.1',
       'source': 'exportctl chip catalog built from the shared reference chips.csv / chips_provenance.csv (secondary sources per row)',
       'notes': ['Dense throughput figures only; TPP = max over precisions of dense TOPS x bit length.',
                 'datacenter = designed or marketed for datacenters; GeForce consumer cards are not.',
                 'Die areas marked unverified are estimates; performance density derived from them is indicative only.'],
       'chips': chips}
json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
print()
