// Audit: the hash-chained log's records with filters (dates, kind, outcome, reference, actor),
// a record's detail (GET /v1/decisions/{id}), its replay with today's engine and the facts it
// recorded (GET /v1/audit/replay/{id}), and the chain's verification (GET /v1/audit/verify).
import { useEffect, useState } from 'preact/hooks';
import { Api, ApiError, query } from './api';
import { outcomeLabel } from './format';

const OUTCOMES = ['NO_LICENSE_REQUIRED', 'LICENSE_EXCEPTION', 'LICENSE_REQUIRED', 'PROHIBITED', 'NEEDS_REVIEW', 'NOT_SUBJECT_TO_EAR', 'LICENSED'];

interface Filters { from: string; to: string; kind: string; outcome: string; reference: string; actor: string }

export function AuditScreen({ api }: { api: Api }) {
  const [filters, setFilters] = useState<Filters>({ from: '', to: '', kind: '', outcome: '', reference: '', actor: '' });
  const [applied, setApplied] = useState<Filters>(filters);
  const [records, setRecords] = useState<any[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [chain, setChain] = useState<any>(null);
  const [error, setError] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const [detail, setDetail] = useState<any>(null);
  const [replay, setReplay] = useState<any>(null);

  const load = async (f: Filters, after: number | null) => {
    setError('');
    try {
      const page = await api.get(`/v1/audit${query({ ...f, limit: '50', after: after ? String(after) : undefined })}`);
      setRecords((r) => (after ? [...r, ...page.records] : page.records));
      setNext(page.next_after ?? null);
    } catch (e) {
      setError(e instanceof ApiError ? e.describe() : String(e));
    }
  };

  useEffect(() => { load(applied, null); }, [applied]);
  const verify = () => {
    setChain(null);
    api.get('/v1/audit/verify').then(setChain).catch((e) => setError(e instanceof ApiError ? e.describe() : String(e)));
  };
  useEffect(verify, []);

  useEffect(() => {
    if (!selected) return;
    setDetail(null);
    setReplay(null);
    api.get(`/v1/decisions/${encodeURIComponent(selected)}`).then(setDetail)
      .catch((e) => setDetail({ error: e instanceof ApiError ? e.describe() : String(e) }));
  }, [selected]);

  const runReplay = () => {
    if (!selected) return;
    setReplay({ running: true });
    api.get(`/v1/audit/replay/${encodeURIComponent(selected)}`).then(setReplay)
      .catch((e) => setReplay({ error: e instanceof ApiError ? e.describe() : String(e) }));
  };

  const field = (k: keyof Filters, label: string, type = 'text') => (
    <div class="field"><label for={`audit-${k}`}>{label}</label>
      <input id={`audit-${k}`} type={type} value={filters[k]} onInput={(e) => setFilters({ ...filters, [k]: e.currentTarget.value })} /></div>
  );

  return (
    <div>
      <h1>Audit</h1>
      <p role="status" data-testid="chain-status" class={chain && !chain.ok ? 'error' : ''}>
        {!chain ? 'Verifying the chain…' : chain.ok
          ? `Chain verified: ${chain.records_checked} records, head ${chain.head_seq} (${String(chain.head_hash).slice(0, 16)}…)`
          : `Chain broken at record ${chain.first_bad?.seq}${chain.first_bad?.id ? ` (${chain.first_bad.id})` : ''}: ${chain.first_bad?.problem}`}
        {' '}<button type="button" class="secondary" onClick={verify}>Verify again</button>
      </p>
      <form class="grid" onSubmit={(e) => { e.preventDefault(); setApplied(filters); }}>
        {field('from', 'Recorded from', 'date')}
        {field('to', 'Recorded to', 'date')}
        <div class="field"><label for="audit-kind">Kind</label>
          <select id="audit-kind" value={filters.kind} onChange={(e) => setFilters({ ...filters, kind: e.currentTarget.value })}>
            <option value="">any</option>
            {['decision', 'screen.cleared', 'ledger.commit', 'ledger.release', 'ledger.adjust', 'ownership.imported'].map((k) => <option key={k} value={k}>{k}</option>)}
          </select></div>
        <div class="field"><label for="audit-outcome">Outcome</label>
          <select id="audit-outcome" value={filters.outcome} onChange={(e) => setFilters({ ...filters, outcome: e.currentTarget.value })}>
            <option value="">any</option>
            {OUTCOMES.map((o) => <option key={o} value={o}>{outcomeLabel(o)}</option>)}
          </select></div>
        {field('reference', 'Reference contains')}
        {field('actor', 'Actor (key id)')}
        <div class="field"><button type="submit">Filter</button></div>
      </form>
      {error && <p role="alert" class="error">{error}</p>}
      <table data-testid="audit-table">
        <thead><tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Kind</th><th scope="col">Actor</th><th scope="col">Reference</th><th scope="col">Destination</th><th scope="col">Outcome</th><th scope="col">Record</th></tr></thead>
        <tbody>
          {records.map((r) => (
            <tr key={r.seq}>
              <td class="n">{r.seq}</td><td>{r.time}</td><td>{r.kind}</td><td><code>{r.actor}</code></td>
              <td>{r.reference ?? ''}</td><td>{r.destination ?? ''}</td><td>{r.outcome ? outcomeLabel(r.outcome) : ''}</td>
              <td>{r.kind === 'decision'
                ? <button type="button" class="link" onClick={() => setSelected(r.id)} aria-label={`Open ${r.id}`}>{r.id}</button>
                : <code>{r.id}</code>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {records.length === 0 && <p>No record matches.</p>}
      {next !== null && <button type="button" class="secondary" onClick={() => load(applied, next)}>More</button>}
      {selected && (
        <section class="card" aria-labelledby="audit-detail-title" data-testid="audit-detail">
          <h2 id="audit-detail-title">Decision {selected}</h2>
          {!detail ? <p>Loading…</p> : detail.error ? <p role="alert" class="error">{detail.error}</p> : (
            <>
              <dl class="facts">
                <dt>Record</dt><dd>{detail.seq} at {detail.time} by <code>{detail.actor}</code></dd>
                <dt>Outcome</dt><dd>{outcomeLabel(detail.payload?.decision?.outcome ?? '')}</dd>
                <dt>Route</dt><dd>{detail.payload?.api_route ?? '—'}</dd>
                <dt>Hash</dt><dd><code>{detail.hash}</code></dd>
                <dt>Previous hash</dt><dd><code>{detail.prev_hash}</code></dd>
              </dl>
              <h3>Request as recorded</h3>
              <pre class="json" tabIndex={0}>{JSON.stringify(detail.payload?.request ?? null, null, 2)}</pre>
              <button type="button" onClick={runReplay}>Replay with today's engine</button>
              {replay && (replay.running ? <p role="status">Replaying…</p> : replay.error ? <p role="alert" class="error">{replay.error}</p> : (
                <dl class="facts" data-testid="replay">
                  <dt>Agrees</dt><dd>{replay.agrees ? 'yes' : 'no'}{replay.identical ? ' (identical)' : ''}</dd>
                  <dt>Recorded</dt><dd>{outcomeLabel(replay.recorded_outcome)} (data {replay.recorded_data_version})</dd>
                  <dt>Today</dt><dd>{outcomeLabel(replay.today_outcome)} (data {replay.today_data_version})</dd>
                  <dt>Facts</dt><dd>{replay.facts_recorded ? `recorded; ${replay.facts_used} used` : 'not recorded'}</dd>
                  <dt>Differences</dt><dd>{(replay.differences ?? []).join(', ') || 'none'}</dd>
                </dl>
              ))}
            </>
          )}
        </section>
      )}
    </div>
  );
}
