// Simulate: the policy simulator (POST /v1/simulate, docs/simulate.md) on orders as JSON lines
// and/or demand as CSV, under the policy sets chosen here (enforced, codified, and a set with
// bundled country agreements from GET /v1/agreements). The answer is shown as the server gives
// it: totals per policy set and outcome, a stacked chart of the outcomes, the orders decided
// differently with the first differing reason, and the allocations exhausted. Nothing is decided
// for real: the server touches no ledger and records nothing.
import { useEffect, useState } from 'preact/hooks';
import { Api, ApiError } from './api';
import { Citation } from './decision';
import { num, outcomeLabel } from './format';

const OUTCOMES = ['NO_LICENSE_REQUIRED', 'LICENSE_EXCEPTION', 'LICENSED', 'LICENSE_REQUIRED', 'NEEDS_REVIEW', 'PROHIBITED', 'NOT_SUBJECT_TO_EAR'];
const FLIPS_SHOWN = 200;

// "orders:2.items[0].quantity" → where it is in words: the input, its line and the field.
export function describeField(field: string): string {
  const m = /^(orders|demand):(\d+)(?:\.(.+))?$/.exec(field);
  if (m) return `${m[1] === 'orders' ? 'orders' : 'demand CSV'} line ${m[2]}${m[3] ? `, ${m[1] === 'demand' ? 'column' : 'field'} ${m[3]}` : ''}`;
  return field;
}

function outcomesOf(summary: any): string[] {
  const seen = new Set<string>();
  for (const p of summary.policy_sets ?? []) for (const o of Object.keys(p.totals ?? {})) seen.add(o);
  return [...OUTCOMES.filter((o) => seen.has(o)), ...[...seen].filter((o) => !OUTCOMES.includes(o)).sort()];
}

// One horizontal bar per policy set, its orders stacked by outcome (colours of the outcome badges).
function OutcomeChart({ summary }: { summary: any }) {
  const sets: any[] = summary.policy_sets ?? [];
  const outcomes = outcomesOf(summary);
  const W = 640, ROW = 34, PAD_L = 170, PAD_R = 10;
  const total = Math.max(1, ...sets.map((p) => outcomes.reduce((s, o) => s + (p.totals?.[o]?.orders ?? 0), 0)));
  const label = sets.map((p) => `${p.id}: ${outcomes.filter((o) => p.totals?.[o]?.orders).map((o) => `${num(p.totals[o].orders)} ${outcomeLabel(o).toLowerCase()}`).join(', ') || 'no orders'}`).join('; ');
  return (
    <figure data-testid="simulate-chart" class="chart">
      <svg viewBox={`0 0 ${W} ${sets.length * ROW + 8}`} role="img" aria-label={`Orders by outcome per policy set: ${label}`}>
        {sets.map((p, i) => {
          let x = PAD_L;
          return (
            <g key={p.id}>
              <text x={PAD_L - 8} y={i * ROW + 21} text-anchor="end" class="tick">{p.id}</text>
              {outcomes.map((o) => {
                const n = p.totals?.[o]?.orders ?? 0;
                const w = (n / total) * (W - PAD_L - PAD_R);
                const rect = <rect key={o} x={x} y={i * ROW + 6} width={w} height={ROW - 12} class={'seg-' + o.toLowerCase()}><title>{`${p.id}: ${num(n)} ${outcomeLabel(o).toLowerCase()}`}</title></rect>;
                x += w;
                return rect;
              })}
            </g>
          );
        })}
      </svg>
      <figcaption class="legend">
        {outcomes.map((o) => <span key={o}><span class={'key seg-' + o.toLowerCase()} /> {outcomeLabel(o).toLowerCase()}</span>)}
      </figcaption>
    </figure>
  );
}

export function SimulateScreen({ api }: { api: Api }) {
  const [orders, setOrders] = useState('');
  const [demand, setDemand] = useState('');
  const [enforced, setEnforced] = useState(true);
  const [codified, setCodified] = useState(true);
  const [agreements, setAgreements] = useState<any[] | null>(null);
  const [agreementsError, setAgreementsError] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [overlayPosture, setOverlayPosture] = useState('codified');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; field: string } | null>(null);
  const [summary, setSummary] = useState<any>(null);

  useEffect(() => {
    api.get('/v1/agreements')
      .then((a) => setAgreements(Array.isArray(a) ? a : []))
      .catch((e) => { setAgreements([]); setAgreementsError(e instanceof ApiError ? e.describe() : String(e)); });
  }, []);

  const load = (set: (t: string) => void) => async (e: Event) => {
    const file = (e.currentTarget as HTMLInputElement).files?.[0];
    if (file) set(await file.text());
  };

  const policies = (): any[] => {
    const out: any[] = [];
    if (enforced) out.push('enforced');
    if (codified) out.push('codified');
    if (chosen.length) out.push({ id: `${overlayPosture}-with-agreements`, posture: overlayPosture, overlays: chosen });
    return out;
  };

  const run = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSummary(null);
    const body: Record<string, unknown> = { policies: policies() };
    if (orders.trim()) body.orders = orders;
    if (demand.trim()) body.demand = demand;
    setBusy(true);
    try {
      setSummary(await api.post('/v1/simulate', body));
    } catch (err) {
      setError(err instanceof ApiError ? { message: err.message, field: err.field } : { message: String(err), field: '' });
    } finally {
      setBusy(false);
    }
  };

  const sets: any[] = summary?.policy_sets ?? [];
  const outcomes = summary ? outcomesOf(summary) : [];
  const nothing = !orders.trim() && !demand.trim();
  return (
    <div>
      <h1>Simulate</h1>
      <p class="hint">Runs the orders under each policy set on its own fresh allocation ledger, in date order, as
        <code> exportctl simulate</code> does. Nothing is decided for real: no ledger is touched and nothing is recorded.</p>
      <form onSubmit={run}>
        <fieldset>
          <legend>Orders</legend>
          <div class="field">
            <label for="sim-orders-file">Orders as JSON lines (.jsonl), one transaction a line</label>
            <input id="sim-orders-file" type="file" accept=".jsonl,.ndjson,.json,application/x-ndjson" onChange={load(setOrders)} />
          </div>
          <div class="field">
            <label for="sim-orders">Or paste them</label>
            <textarea id="sim-orders" rows={4} spellcheck={false} value={orders} onInput={(e) => setOrders(e.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="sim-demand-file">Demand as CSV (country, quarter, chip, quantity, consignee_profile, orders)</label>
            <input id="sim-demand-file" type="file" accept=".csv,text/csv" onChange={load(setDemand)} />
          </div>
          <div class="field">
            <label for="sim-demand">Or paste it</label>
            <textarea id="sim-demand" rows={3} spellcheck={false} value={demand} onInput={(e) => setDemand(e.currentTarget.value)} />
          </div>
        </fieldset>
        <fieldset>
          <legend>Policy sets</legend>
          <div class="field inline">
            <input id="sim-enforced" type="checkbox" checked={enforced} onChange={(e) => setEnforced(e.currentTarget.checked)} />
            <label for="sim-enforced">enforced: what BIS enforces on each order's date</label>
          </div>
          <div class="field inline">
            <input id="sim-codified" type="checkbox" checked={codified} onChange={(e) => setCodified(e.currentTarget.checked)} />
            <label for="sim-codified">codified: the CFR text in force on each order's date</label>
          </div>
          <fieldset>
            <legend>Country agreements (a further policy set with those chosen)</legend>
            {agreementsError && <p role="alert" class="error">{agreementsError}</p>}
            {!agreements ? <p>Loading…</p> : agreements.length === 0 ? <p>No bundled agreements.</p> : agreements.map((a) => (
              <div class="field inline" key={a.id}>
                <input id={'sim-overlay-' + a.id} type="checkbox" checked={chosen.includes(a.id)}
                  onChange={(e) => setChosen(e.currentTarget.checked ? [...chosen, a.id] : chosen.filter((c) => c !== a.id))} />
                <label for={'sim-overlay-' + a.id}><code>{a.id}</code> — {a.title} ({a.country}, {a.status}, {a.dates})</label>
              </div>
            ))}
            <div class="field inline">
              <label for="sim-overlay-posture">Posture of that policy set</label>
              <select id="sim-overlay-posture" value={overlayPosture} onChange={(e) => setOverlayPosture(e.currentTarget.value)}>
                <option value="codified">codified</option><option value="enforced">enforced</option>
              </select>
            </div>
          </fieldset>
        </fieldset>
        <div class="actions">
          <button type="submit" disabled={busy || nothing || policies().length === 0}>{busy ? 'Running…' : 'Run the simulation'}</button>
          {nothing && <span class="hint">Give orders or demand.</span>}
        </div>
      </form>
      {error && (
        <p role="alert" class="error" data-testid="simulate-error">
          {error.message}{error.field ? ` (${describeField(error.field)}; field ${error.field})` : ''}
        </p>
      )}
      {summary && (
        <section aria-labelledby="sim-results" data-testid="simulate-results">
          <h2 id="sim-results">{num(summary.orders)} orders under {sets.length} policy sets</h2>
          <h3>Orders by outcome</h3>
          <OutcomeChart summary={summary} />
          <table data-testid="simulate-totals">
            <caption class="sr-only">Totals per policy set and outcome</caption>
            <thead><tr><th scope="col">Policy set</th><th scope="col">Outcome</th><th scope="col">Orders</th><th scope="col">Units</th><th scope="col">TPP</th></tr></thead>
            <tbody>
              {sets.flatMap((p) => outcomes.filter((o) => p.totals?.[o]).map((o) => (
                <tr key={p.id + o}>
                  <th scope="row">{p.id}</th><td>{outcomeLabel(o)}</td>
                  <td class="n">{num(p.totals[o].orders)}</td><td class="n">{num(p.totals[o].units)}</td><td class="n">{num(p.totals[o].tpp)}</td>
                </tr>
              )))}
            </tbody>
          </table>
          <h3>Orders decided differently ({num(summary.flips_total)})</h3>
          {summary.flips_truncated && <p class="hint">The server lists the first {num((summary.flips ?? []).length)} of them.</p>}
          {(summary.flips ?? []).length === 0 ? <p data-testid="simulate-flips">Every policy set decided every order alike.</p> : (
            <table data-testid="simulate-flips">
              <thead><tr><th scope="col">Line</th><th scope="col">Reference</th><th scope="col">Date</th><th scope="col">Destination</th>
                {sets.map((p) => <th scope="col" key={p.id}>{p.id}</th>)}</tr></thead>
              <tbody>
                {(summary.flips ?? []).slice(0, FLIPS_SHOWN).map((f: any) => (
                  <tr key={f.line + f.reference}>
                    <td class="n">{f.line}</td><td>{f.reference}</td><td>{f.as_of}</td><td>{f.destination}</td>
                    {sets.map((p) => {
                      const why = f.first_difference?.[p.id];
                      return (
                        <td key={p.id}>
                          <strong>{outcomeLabel(f.outcomes?.[p.id] ?? '—')}</strong>
                          {f.review_policies?.[p.id] ? ` (${String(f.review_policies[p.id]).replace(/_/g, ' ')})` : ''}
                          {why && <div class="why"><code>{why.rule}</code>{why.citation ? <> (<Citation text={why.citation} />)</> : ''}: {why.reason}</div>}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {(summary.flips ?? []).length > FLIPS_SHOWN && <p class="hint">The first {FLIPS_SHOWN} are shown.</p>}
          <h3>Allocations exhausted</h3>
          {sets.every((p) => (p.exhausted ?? []).length === 0) ? <p data-testid="simulate-exhausted">No allocation ran out under any policy set.</p> : (
            <table data-testid="simulate-exhausted">
              <thead><tr><th scope="col">Policy set</th><th scope="col">Account</th><th scope="col">Period</th><th scope="col">Cap (TPP)</th><th scope="col">Exhausted on</th><th scope="col">By order</th><th scope="col">Left (TPP)</th></tr></thead>
              <tbody>
                {sets.flatMap((p) => (p.exhausted ?? []).map((x: any, i: number) => (
                  <tr key={p.id + i}>
                    <th scope="row">{p.id}</th><td>{x.account}</td><td>{x.period}</td><td class="n">{num(x.cap_tpp)}</td>
                    <td>{x.date}</td><td>{x.reference}</td><td class="n">{num(x.remaining_tpp)}</td>
                  </tr>
                )))}
              </tbody>
            </table>
          )}
        </section>
      )}
    </div>
  );
}
