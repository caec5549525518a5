// Licenses: the licenses the company holds on a date with those needing attention flagged
// (GET /v1/licenses: expiring within 30 days, or under 10 % of a limit left), and one license
// with its versions (GET /v1/licenses/{number}) and what was drawn against it: its ledger
// accounts license:<number>:units|tpp|usd (GET /v1/ledger/balances, GET /v1/ledger/history),
// each reservation with the decision that made it and whether it shipped or was released.
import { useEffect, useState } from 'preact/hooks';
import { Api, ApiError, query } from './api';
import { DrawdownChart, Posting, runningTotals } from './chart';
import { csvCell, download, num, today } from './format';

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

// The report `exportctl licenses report N --from --to` gives: each reservation (and adjustment)
// dated in the period, with its fate by `to`: shipped (committed), released, or still reserved.
interface ReportRow { p: Posting; measure: Measure; status: string }

function reportRows(postings: Record<string, Posting[]>, from: string, to: string): ReportRow[] {
  const rows: ReportRow[] = [];
  for (const m of MEASURES) {
    for (const p of postings[m]) {
      if (p.kind === 'commit' || p.kind === 'release') continue;  // shown with their reservation
      if ((from && p.as_of < from) || (to && p.as_of > to)) continue;
      let status = p.kind === 'adjust' ? 'adjusted' : 'reserved';
      for (const q of postings[m]) {
        if (q.reservation_id !== p.id || (to && q.as_of > to)) continue;
        if (q.kind === 'commit') status = 'shipped';
        if (q.kind === 'release') status = 'released';
      }
      rows.push({ p, measure: m, status });
    }
  }
  return rows.sort((a, b) => a.p.id - b.p.id);
}

const REPORT_COLUMNS = ['license', 'posting_id', 'as_of', 'kind', 'measure', 'amount', 'status', 'decision_id', 'transaction_ref', 'reason'];

function reportCsv(number: string, rows: ReportRow[]): string {
  return [REPORT_COLUMNS.join(','), ...rows.map((r) => [number, r.p.id, r.p.as_of, r.p.kind, r.measure, r.p.tpp, r.status,
    r.p.decision_id, r.p.transaction_ref, r.p.reason].map(csvCell).join(','))].join('\n') + '\n';
}

function LicenseDetail({ api, number, asOf }: { api: Api; number: string; asOf: string }) {
  const [data, setData] = useState<any>(null);
  const [postings, setPostings] = useState<Record<string, Posting[]> | null>(null);
  const [balances, setBalances] = useState<Record<string, any>>({});
  const [error, setError] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState(asOf);

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
          <h3>Drawdowns (the license report)</h3>
          <div class="grid controls">
            <div class="field"><label for="report-from">Dated from</label>
              <input id="report-from" type="date" value={from || l.issued} onInput={(e) => setFrom(e.currentTarget.value)} /></div>
            <div class="field"><label for="report-to">Dated to</label>
              <input id="report-to" type="date" value={to} onInput={(e) => setTo(e.currentTarget.value)} /></div>
          </div>
          {!postings ? <p>Loading…</p> : (() => {
            const rows = reportRows(postings, from || l.issued, to);
            const drawn = MEASURES.map((m) => [m, rows.filter((r) => r.measure === m && r.status !== 'released').reduce((n, r) => n + r.p.tpp, 0)] as const)
              .filter(([m, n]) => n !== 0 || limitOf(l, m) !== null);
            return rows.length === 0 ? <p data-testid="drawn-in-period">Nothing drawn against this license from {from || l.issued} to {to}.</p> : (
              <>
                <p data-testid="drawn-in-period">Drawn from {from || l.issued} to {to} (released reservations not counted): {drawn.map(([m, n]) => `${num(n)} ${m}`).join(', ')}.</p>
                <table data-testid="drawdowns">
                  <thead><tr><th scope="col">Posting</th><th scope="col">As of</th><th scope="col">Kind</th><th scope="col">Measure</th><th scope="col">Amount</th><th scope="col">Status</th><th scope="col">Reference</th><th scope="col">Decision</th><th scope="col">Reason</th></tr></thead>
                  <tbody>
                    {rows.map((r) => (
                      <tr key={r.measure + r.p.id}><td class="n">{r.p.id}</td><td>{r.p.as_of}</td><td>{r.p.kind}</td><td>{r.measure}</td><td class="n">{num(r.p.tpp)}</td>
                        <td>{r.status}</td><td>{r.p.transaction_ref}</td><td><code>{r.p.decision_id}</code></td><td>{r.p.reason}</td></tr>
                    ))}
                  </tbody>
                </table>
                <div class="actions">
                  <button type="button" class="secondary" onClick={() => download(`license-${number}-report.csv`, 'text/csv', reportCsv(number, rows))}>Download the report (CSV)</button>
                </div>
              </>
            );
          })()}
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
      {selected && <LicenseDetail key={selected} api={api} number={selected} asOf={asOf} />}
    </div>
  );
}
