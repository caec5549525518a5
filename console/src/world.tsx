// World by date: every country coloured by its AI Diffusion tier or its membership of a Country
// Group on a date (slider from the first regime, 2023-11-17, to today) under a posture
// (GET /v1/countries). A country's groups with their sources, its tier and its allocation
// come from GET /v1/countries/{code} and GET /v1/ledger/balances. The map's shapes are projected
// once; a date change only recolours them.
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
  const [regimes, setRegimes] = useState<any[] | null>(null);

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
    setRegimes(null);
    api.get(`/v1/ledger/balances${query({ as_of: asOf })}`)
      .then((b) => live && setAllocation((b.balances ?? []).find((r: any) => r.account === `country:${selected}`) ?? { none: true }))
      .catch((e) => live && setAllocation({ error: e instanceof ApiError ? e.describe() : String(e) }));
    api.get(`/v1/regimes${query({ as_of: asOf, posture })}`)
      .then((r) => live && setRegimes(Array.isArray(r) ? r : []))
      .catch(() => live && setRegimes([]));
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
            {groups.map((g) => <option key={g} value={g}>Country Group {g}</option>)}
          </select>
        </div>
      </div>
      {error && <p role="alert" class="error">{error}</p>}
      {data?.ai_diffusion?.note && colourBy === 'tier' && <p class="hint">{data.ai_diffusion.note}</p>}
      <p class="legend" aria-hidden="true">
        {colourBy === 'tier'
          ? <><span class="key tier-1" /> Tier 1 <span class="key tier-2" /> Tier 2 <span class="key tier-3" /> Tier 3</>
          : <><span class="key member" /> in {colourBy} <span class="key other" /> not in {colourBy}</>}
        {' '}<span class="key none" /> no data
      </p>
      <svg class="map" data-loaded={data ? `${data.as_of} ${data.posture}` : ''} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="group" aria-label={`World map on ${asOf}, ${colourBy === 'tier' ? 'AI Diffusion tiers' : 'Country Group ' + colourBy}`}>
        {/* tabindex in lower case: on an SVG element the attribute name keeps its case, and
            "tabIndex" would not make the shape focusable. */}
        {shapes.map((s) => {
          const c = byCode.get(s.code);
          const label = c ? `${c.name} (${c.code}): ${(c.groups ?? []).join(', ') || 'no group'}` : s.name;
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
              <h3>Rules in force on {asOf}, {posture}</h3>
              <p class="hint">The rules of every regime in force on the date (they apply to every destination; a check says which
                reach an order to {selected}).</p>
              {!regimes ? <p>Loading…</p> : (
                <table data-testid="rules-in-force">
                  <thead><tr><th scope="col">Regime</th><th scope="col">Rule</th><th scope="col">Citation</th><th scope="col">What it says</th></tr></thead>
                  <tbody>
                    {regimes.filter((g) => g.in_force).flatMap((g) => (g.rules ?? []).filter((r: any) => r.active).map((r: any) => (
                      <tr key={g.id + r.id}><td>{g.id}</td><td><code>{r.id}</code></td><td><Citation text={r.citation ?? ''} /></td><td>{r.summary}</td></tr>
                    )))}
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
