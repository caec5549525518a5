// World by date: every country coloured by its AI Diffusion tier or its membership of a Country
// Group or its place in the license area of advanced-computing items on a date (slider from the
// first regime, 2023-11-17, to today) under a posture (GET /v1/countries: the server says the
// license area as its engine decides it; the page works out nothing from the groups). A country's
// groups with their sources, its tier, license area, the rules that bind an export to it and its
// allocation come from GET /v1/countries/{code} and GET /v1/ledger/balances. The map's shapes are
// projected once; a date change only recolours them.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { geoEqualEarth, geoPath } from 'd3-geo';
import { feature } from 'topojson-client';
// Natural Earth 1:110m (world-atlas), keyed by alpha-2 at build time (console/build.mjs).
import world from 'exportctl-world';
import { Api, ApiError, query } from './api';
import { Citation } from './decision';
import { num, today } from './format';

const FIRST = '2023-11-17';
const DAY = 86400000;
const toDays = (d: string) => Math.round((Date.parse(d + 'T00:00:00Z') - Date.parse(FIRST + 'T00:00:00Z')) / DAY);
const fromDays = (n: number) => new Date(Date.parse(FIRST + 'T00:00:00Z') + n * DAY).toISOString().slice(0, 10);

const WIDTH = 960;
const HEIGHT = 470;

interface Shape { code: string; name: string; d: string }

function useShapes(): Shape[] {
  return useMemo(() => {
    const fc: any = feature(world as any, (world as any).objects.countries);
    const projection = geoEqualEarth().fitSize([WIDTH, HEIGHT], fc);
    const path = geoPath(projection);
    return fc.features
      .map((f: any) => ({ code: String(f.id ?? ''), name: String(f.properties?.name ?? ''), d: path(f) ?? '' }))
      .filter((s: Shape) => s.d);
  }, []);
}

const TIER_CLASS: Record<string, string> = { '1': 'tier-1', '2': 'tier-2', '3': 'tier-3' };

export function WorldScreen({ api }: { api: Api }) {
  const shapes = useShapes();
  const [asOf, setAsOf] = useState(today());
  const [posture, setPosture] = useState('enforced');
  const [colourBy, setColourBy] = useState('D:5');
  const [data, setData] = useState<any>(null);
  const [error, setError] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const [detail, setDetail] = useState<any>(null);
  const [allocation, setAllocation] = useState<any>(null);

  useEffect(() => {
    let live = true;
    const started = performance.now();
    api.get(`/v1/countries${query({ as_of: asOf, posture })}`)
      .then((d) => {
        if (!live) return;
        setData(d);
        requestAnimationFrame(() => performance.measure('map-redraw', { start: started, end: performance.now() }));
      })
      .catch((e) => live && setError(e instanceof ApiError ? e.describe() : String(e)));
    return () => { live = false; };
  }, [asOf, posture]);

  useEffect(() => {
    if (!selected) return;
    let live = true;
    setDetail(null);
    setAllocation(null);
    api.get(`/v1/countries/${encodeURIComponent(selected)}${query({ as_of: asOf, posture })}`)
      .then((d) => live && setDetail(d))
      .catch((e) => live && setDetail({ error: e instanceof ApiError ? e.describe() : String(e) }));
    api.get(`/v1/ledger/balances${query({ as_of: asOf })}`)
      .then((b) => live && setAllocation((b.balances ?? []).find((r: any) => r.account === `country:${selected}`) ?? { none: true }))
      .catch((e) => live && setAllocation({ error: e instanceof ApiError ? e.describe() : String(e) }));
    return () => { live = false; };
  }, [selected, asOf, posture]);

  const byCode = useMemo(() => {
    const m = new Map<string, any>();
    for (const c of data?.countries ?? []) m.set(c.code, c);
    return m;
  }, [data]);
  const groups = useMemo(() => {
    const s = new Set<string>();
    for (const c of data?.countries ?? []) for (const g of c.groups ?? []) s.add(g);
    return [...s].sort();
  }, [data]);

  const classOf = (code: string): string => {
    const c = byCode.get(code);
    if (!c) return 'none';
    if (colourBy === 'tier') return TIER_CLASS[String(c.ai_diffusion_tier)] ?? 'none';
    if (colourBy === 'license_area') {
      if (!c.license_area?.rule) return 'none';
      return c.license_area.in_area ? (c.license_area.verified ? 'area-in' : 'area-unverified') : 'area-out';
    }
    return (c.groups ?? []).includes(colourBy) ? 'member' : 'other';
  };

  const max = toDays(today());
  return (
    <div>
      <h1>World by date</h1>
      <div class="grid controls">
        <div class="field">
          <label for="world-date">Date</label>
          <input id="world-date" type="date" min={FIRST} max={today()} value={asOf}
            onInput={(e) => e.currentTarget.value && setAsOf(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="world-slider">Date slider</label>
          <input id="world-slider" type="range" min={0} max={max} step={1} value={toDays(asOf)}
            aria-valuetext={asOf} onInput={(e) => setAsOf(fromDays(Number(e.currentTarget.value)))} />
        </div>
        <div class="field">
          <label for="world-posture">Posture</label>
          <select id="world-posture" value={posture} onChange={(e) => setPosture(e.currentTarget.value)}>
            <option value="enforced">enforced</option><option value="codified">codified</option>
          </select>
        </div>
        <div class="field">
          <label for="world-colour">Colour by</label>
          <select id="world-colour" value={colourBy} onChange={(e) => setColourBy(e.currentTarget.value)}>
            <option value="tier">AI Diffusion tier</option>
            <option value="license_area">License area (advanced computing)</option>
            {groups.map((g) => <option key={g} value={g}>Country Group {g}</option>)}
          </select>
        </div>
      </div>
      {error && <p role="alert" class="error">{error}</p>}
      {data?.ai_diffusion?.note && colourBy === 'tier' && <p class="hint">{data.ai_diffusion.note}</p>}
      {colourBy === 'license_area' && data && (
        <p class="hint" data-testid="license-area-rule">{data.license_area?.rule
          ? <>License area on {data.as_of} under the {data.posture} posture: <code>{data.license_area.rule}</code> (<Citation text={data.license_area.citation ?? ''} />), for {data.license_area.items}.</>
          : `No license-area rule binds on ${data.as_of} under the ${data.posture} posture.`}</p>
      )}
      <p class="legend" data-testid="map-legend">
        {colourBy === 'tier'
          ? <><span class="key tier-1" /> Tier 1 <span class="key tier-2" /> Tier 2 <span class="key tier-3" /> Tier 3</>
          : colourBy === 'license_area'
            ? <><span class="key area-in" /> in the license area <span class="key area-unverified" /> in it by a secondary source <span class="key area-out" /> outside it</>
            : <><span class="key member" /> in {colourBy} <span class="key other" /> not in {colourBy}</>}
        {' '}<span class="key none" /> no data{colourBy === 'license_area' ? ' (or no license-area rule binds)' : ''}
      </p>
      <svg class="map" data-loaded={data ? `${data.as_of} ${data.posture}` : ''} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="group" aria-label={`World map on ${asOf}, ${colourBy === 'tier' ? 'AI Diffusion tiers' : colourBy === 'license_area' ? 'license area of advanced-computing items' : 'Country Group ' + colourBy}`}>
        {/* tabindex in lower case: on an SVG element the attribute name keeps its case, and
            "tabIndex" would not make the shape focusable. */}
        {shapes.map((s) => {
          const c = byCode.get(s.code);
          const area = c?.license_area?.rule ? (c.license_area.in_area ? '; in the license area' : '; outside the license area') : '';
          const label = c ? `${c.name} (${c.code}): ${(c.groups ?? []).join(', ') || 'no group'}${area}` : s.name;
          return (
            <path key={s.code + s.name} d={s.d} class={'country ' + classOf(s.code) + (selected === s.code ? ' selected' : '')}
              data-code={s.code} role={c ? 'button' : undefined} tabindex={c ? 0 : undefined} aria-label={c ? label : undefined}
              onClick={() => c && setSelected(s.code)}
              onKeyDown={(e) => { if (c && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); setSelected(s.code); } }}>
              <title>{label}</title>
            </path>
          );
        })}
      </svg>
      {selected && (
        <section aria-labelledby="country-title" data-testid="country-detail" class="card">
          <h2 id="country-title">{byCode.get(selected)?.name ?? selected} ({selected}) on {asOf}, {posture}</h2>
          {!detail ? <p>Loading…</p> : detail.error ? <p role="alert" class="error">{detail.error}</p> : (
            <>
              <dl class="facts">
                <dt>Country Groups</dt><dd data-testid="country-groups">{(detail.groups ?? []).join(', ') || 'none'}</dd>
                <dt>AI Diffusion tier</dt>
                <dd>{detail.ai_diffusion_tier ? `Tier ${detail.ai_diffusion_tier.tier}${detail.ai_diffusion_tier.binding ? '' : ' (not binding under this posture)'}: ${detail.ai_diffusion_tier.basis ?? ''}` : '—'}</dd>
                <dt>License area</dt>
                <dd data-testid="country-license-area">{detail.license_area?.rule
                  ? <>{detail.license_area.in_area ? 'inside' : 'outside'} (<code>{detail.license_area.rule}</code>, <Citation text={detail.license_area.citation ?? ''} />, for {detail.license_area.items}){detail.license_area.verified ? '' : ' — rests on a secondary source'}: {detail.license_area.basis}</>
                  : detail.license_area?.basis ?? '—'}</dd>
              </dl>
              <h3>Country allocation (country:{selected}) on {asOf}</h3>
              {!allocation ? <p>Loading…</p> : allocation.error ? <p role="alert" class="error">{allocation.error}</p>
                : allocation.none ? <p>No posting on this country's allocation in the period of this date.</p> : (
                <dl class="facts" data-testid="country-allocation">
                  <dt>Period</dt><dd>{allocation.period}{allocation.citation ? ` (${allocation.citation})` : ''}</dd>
                  <dt>Cap</dt><dd>{allocation.cap_tpp != null ? `${num(allocation.cap_tpp)} TPP` : 'no cap'}</dd>
                  <dt>Used</dt><dd>{num(allocation.used_tpp)} TPP ({num(allocation.used_h100, 1)} H100-eq)</dd>
                  <dt>Reserved</dt><dd>{num(allocation.reserved_tpp)} TPP ({num(allocation.reserved_h100, 1)} H100-eq)</dd>
                  <dt>Left</dt><dd>{allocation.remaining_tpp != null ? `${num(allocation.remaining_tpp)} TPP (${num(allocation.remaining_h100, 1)} H100-eq)` : '—'}</dd>
                </dl>
              )}
              <h3>Rules binding an export to {selected} on {asOf}, {posture}</h3>
              <p class="hint">The license requirements and prohibitions the engine finds for advanced-computing items (3A090.a
                and .b chips, 3A090.c HBM, 4E091 model weights) exported to a company headquartered in {selected}; rules that
                turn on the parties themselves (screening, owners, end use) bind by the order, which a check weighs.</p>
              {(detail.rules_binding ?? []).length === 0 ? <p data-testid="rules-in-force">No license requirement or prohibition binds such an export on this date.</p> : (
                <table data-testid="rules-in-force">
                  <thead><tr><th scope="col">Regime</th><th scope="col">Rule</th><th scope="col">Citation</th><th scope="col">Effect</th><th scope="col">Items</th></tr></thead>
                  <tbody>
                    {detail.rules_binding.map((r: any) => (
                      <tr key={r.rule}><td>{r.regime}</td><td><code>{r.rule}</code></td><td><Citation text={r.citation ?? ''} /></td><td>{String(r.effect).replace(/_/g, ' ')}</td><td>{(r.items ?? []).join(', ') || 'every item'}</td></tr>
                    ))}
                  </tbody>
                </table>
              )}
              <h3>Sources of each group on this date</h3>
              <table>
                <thead><tr><th scope="col">Group</th><th scope="col">Member</th><th scope="col">Verified</th><th scope="col">Source</th></tr></thead>
                <tbody>{(detail.provenance ?? []).filter((g: any) => g.member).concat((detail.provenance ?? []).filter((g: any) => !g.member)).map((g: any, i: number) => (
                  <tr key={i}><td>{g.group}</td><td>{g.member ? 'yes' : 'no'}</td><td>{g.verified ? 'yes' : 'no'}</td><td>{g.source}</td></tr>
                ))}</tbody>
              </table>
            </>
          )}
        </section>
      )}
    </div>
  );
}
