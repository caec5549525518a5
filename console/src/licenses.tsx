// Licenses: the licenses the company holds on a date with those needing attention flagged
// (GET /v1/licenses: expiring within 30 days, or under 10 % of a limit left), and one license
// with its versions (GET /v1/licenses/{number}) and what was drawn against it: its ledger
// accounts license:<number>:units|tpp|usd (GET /v1/ledger/balances, GET /v1/ledger/history),
// each reservation with the decision that made it and whether it shipped or was released.
import { useEffect, useState } from 'preact/hooks';
import { Api, ApiError, query } from './api';
import { DrawdownChart, Posting, runningTotals } from './chart';
import { num, today } from './format';

const MEASURES = ['units', 'tpp', 'usd'] as const;
type Measure = (typeof MEASURES)[number];

// The license's own limit of each kind, as the file states it (null: no limit of that kind).
function limitOf(l: any, m: Measure): number | null {
  if (m === 'tpp') return typeof l.tpp_limit === 'number' ? l.tpp_limit : null;
  if (m === 'usd') return typeof l.value_usd_limit === 'number' ? l.value_usd_limit : null;
  // As the ledger counts it (license::LicenseLimits): the items' quantities that are given.
  const q = (l.items ?? []).map((i: any) => i.quantity).filter((v: unknown) => typeof v === 'number');
  return q.length ? q.reduce((a: number, b: number) => a + b, 0) : null;
}

function itemsText(l: any): string {
  return (l.items ?? []).map((i: any) => [i.eccn, i.chip, i.quantity != null ? `× ${num(i.quantity)}` : 'no unit limit'].filter(Boolean).join(' ')).join('; ');
}

// A reservation's fate from the postings that settle it.
function status(p: Posting, all: Posting[]): string {
  if (p.kind === 'adjust') return 'adjusted';
  if (all.some((q) => q.reservation_id === p.id && q.kind === 'commit')) return 'shipped';
  if (all.some((q) => q.reservation_id === p.id && q.kind === 'release')) return 'released';
  return 'held';
}

function LicenseDetail({ api, number, asOf }: { api: Api; number: string; asOf: string }) {
  const [data, setData] = useState<any>(null);
  const [postings, setPostings] = useState<Record<string, Posting[]> | null>(null);
  const [balances, setBalances] = useState<Record<string, any>>({});
  const [error, setError] = useState('');

  useEffect(() => {
    let live = true;
    setData(null);
    setPostings(null);
    setError('');
    const fail = (e: unknown) => live && setError(e instanceof ApiError ? e.describe() : String(e));
    api.get(`/v1/licenses/${encodeURIComponent(number)}`).then((d) => live && setData(d)).catch(fail);
    Promise.all(MEASURES.map((m) => api.get<Posting[]>(`/v1/ledger/history${query({ account: `license:${number}:${m}` })}`)))
      .then((h) => live && setPostings(Object.fromEntries(MEASURES.map((m, i) => [m, Array.isArray(h[i]) ? h[i] : []]))))
      .catch(fail);
    api.get(`/v1/ledger/balances${query({ as_of: asOf })}`)
      .then((b) => {
        if (!live) return;
        const m: Record<string, any> = {};
        for (const r of b.balances ?? []) if (String(r.account).startsWith(`license:${number}:`)) m[String(r.account).split(':').pop()!] = r;
        setBalances(m);
      })
      .catch(fail);
    return () => { live = false; };
  }, [number, asOf]);

  const l = data?.license;
  return (
    <section class="card" aria-labelledby="license-title" data-testid="license-detail">
      <h2 id="license-title">License {number}</h2>
      {error && <p role="alert" class="error">{error}</p>}
      {!l ? !error && <p>Loading…</p> : (
        <>
          <dl class="facts">
            <dt>Holder</dt><dd>{l.holder}</dd>
            <dt>Status</dt><dd>{l.status} (version {l.version})</dd>
            <dt>Valid</dt><dd>{l.issued} to {l.expires}</dd>
            <dt>Destinations</dt><dd>{(l.destinations ?? []).join(', ')}</dd>
            <dt>Items</dt><dd>{itemsText(l)}</dd>
            <dt>TPP limit</dt><dd>{l.tpp_limit != null ? num(l.tpp_limit) : 'none'}</dd>
            <dt>Value limit (USD)</dt><dd>{l.value_usd_limit != null ? num(l.value_usd_limit) : 'none'}</dd>
            <dt>Parties</dt><dd>{(l.parties ?? []).map((p: any) => `${p.name} (${p.role.replace(/_/g, ' ')}, ${p.country})`).join('; ')}</dd>
            <dt>Conditions</dt><dd>{(l.conditions ?? []).length ? <ul>{l.conditions.map((c: string, i: number) => <li key={i}>{c}</li>)}</ul> : 'none'}</dd>
          </dl>
          <h3>Drawn on {asOf}</h3>
          <table data-testid="license-balances">
            <thead><tr><th scope="col">Limit</th><th scope="col">Of</th><th scope="col">Reserved</th><th scope="col">Shipped (used)</th><th scope="col">Remaining</th></tr></thead>
            <tbody>
              {MEASURES.filter((m) => limitOf(l, m) !== null || balances[m]).map((m) => {
                const b = balances[m];
                const limit = limitOf(l, m);
                const held = b ? (Number(b.reserved_tpp) || 0) + (Number(b.used_tpp) || 0) : 0;
                return (
                  <tr key={m}><td>{m}</td><td class="n">{limit !== null ? num(limit) : 'no limit'}</td>
                    <td class="n">{num(b ? b.reserved_tpp : 0)}</td><td class="n">{num(b ? b.used_tpp : 0)}</td>
                    <td class="n" data-testid={`remaining-${m}`}>{limit !== null ? num(limit - held) : '—'}</td></tr>
                );
              })}
            </tbody>
          </table>
          {postings && MEASURES.filter((m) => postings[m].length).map((m) => (
            <DrawdownChart key={m} points={runningTotals(postings[m])} cap={limitOf(l, m)} unit={m} label={`Drawdown of license ${number} (${m})`} until={asOf} />
          ))}
          <h3>Drawdowns</h3>
          {!postings ? <p>Loading…</p> : MEASURES.every((m) => postings[m].length === 0) ? <p>Nothing drawn against this license yet.</p> : (
            <table data-testid="drawdowns">
              <thead><tr><th scope="col">Posting</th><th scope="col">As of</th><th scope="col">Kind</th><th scope="col">Measure</th><th scope="col">Amount</th><th scope="col">Status</th><th scope="col">Reference</th><th scope="col">Decision</th></tr></thead>
              <tbody>
                {MEASURES.flatMap((m) => postings[m].filter((p) => p.kind === 'reserve' || p.kind === 'adjust').map((p) => (
                  <tr key={m + p.id}><td class="n">{p.id}</td><td>{p.as_of}</td><td>{p.kind}</td><td>{m}</td><td class="n">{num(p.tpp)}</td>
                    <td>{status(p, postings[m])}</td><td>{p.transaction_ref}</td><td><code>{p.decision_id}</code></td></tr>
                )))}
              </tbody>
            </table>
          )}
          <h3>Versions</h3>
          <table data-testid="license-versions">
            <thead><tr><th scope="col">Version</th><th scope="col">Change</th><th scope="col">Status</th><th scope="col">Expires</th><th scope="col">Reason</th><th scope="col">Recorded</th><th scope="col">By</th></tr></thead>
            <tbody>{(data.versions ?? []).map((v: any) => (
              <tr key={v.version}><td class="n">{v.version}</td><td>{v.change}</td><td>{v.status}</td><td>{v.expires}</td><td>{v.reason}</td><td>{v.recorded_at}</td><td>{v.actor}</td></tr>
            ))}</tbody>
          </table>
        </>
      )}
    </section>
  );
}

export function LicensesScreen({ api }: { api: Api }) {
  const [asOf, setAsOf] = useState(today());
  const [onlyAttention, setOnlyAttention] = useState(false);
  const [data, setData] = useState<any>(null);
  const [error, setError] = useState('');
  const [selected, setSelected] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setError('');
    api.get(`/v1/licenses${query({ as_of: asOf, attention: onlyAttention ? 'true' : undefined })}`)
      .then((d) => live && setData(d))
      .catch((e) => live && setError(e instanceof ApiError ? e.describe() : String(e)));
    return () => { live = false; };
  }, [asOf, onlyAttention]);

  const licenses: any[] = data?.licenses ?? [];
  const flagged = licenses.filter((l) => (l.attention ?? []).length).length;
  return (
    <div>
      <h1>Licenses</h1>
      <div class="grid controls">
        <div class="field"><label for="licenses-as-of">On</label>
          <input id="licenses-as-of" type="date" value={asOf} onInput={(e) => e.currentTarget.value && setAsOf(e.currentTarget.value)} /></div>
        <div class="field"><label><input type="checkbox" checked={onlyAttention} onChange={(e) => setOnlyAttention(e.currentTarget.checked)} /> Only those needing attention</label></div>
      </div>
      {error && <p role="alert" class="error">{error}</p>}
      {data && (
        <p data-testid="licenses-summary">{licenses.length === 0 ? (onlyAttention ? 'No license needs attention.' : 'No license recorded (exportctl licenses add, or POST /v1/licenses).')
          : `${licenses.length} license${licenses.length > 1 ? 's' : ''}; ${flagged} need${flagged === 1 ? 's' : ''} attention (expiring within 30 days, or under 10 % of a limit left).`}</p>
      )}
      {licenses.length > 0 && (
        <table data-testid="licenses">
          <thead><tr><th scope="col">Number</th><th scope="col">Holder</th><th scope="col">Status</th><th scope="col">Expires</th><th scope="col">Destinations</th><th scope="col">Items</th><th scope="col">Attention</th></tr></thead>
          <tbody>
            {licenses.map((l) => (
              <tr key={l.number}>
                <td><button type="button" class="link" aria-label={`Show license ${l.number}`} onClick={() => setSelected(l.number)}>{l.number}</button></td>
                <td>{l.holder}</td><td>{l.status}</td><td>{l.expires}</td><td>{(l.destinations ?? []).join(', ')}</td><td>{itemsText(l)}</td>
                <td data-testid="attention">{(l.attention ?? []).length ? <span class="attention">⚠ {(l.attention as string[]).join('; ')}</span> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {selected && <LicenseDetail api={api} number={selected} asOf={asOf} />}
    </div>
  );
}
