// Allocations: every ledger account (country, LPP consignee, VEU) with its cap, used, reserved
// and remaining TPP and H100-equivalents on a date (GET /v1/ledger/balances), a bar per account,
// and an account's postings with their decisions and a chart of its drawdown over time
// (GET /v1/ledger/history).
import { useEffect, useState } from 'preact/hooks';
import { Api, ApiError, query } from './api';
import { DrawdownChart, runningTotals } from './chart';
import { num, today } from './format';

function Bar({ row }: { row: any }) {
  const cap = Number(row.cap_tpp) || 0;
  const used = Math.max(0, Number(row.used_tpp) || 0);
  const reserved = Math.max(0, Number(row.reserved_tpp) || 0);
  const w = (v: number) => (cap > 0 ? Math.min(100, (v / cap) * 100) : 0);
  return (
    <svg class="bar" viewBox="0 0 100 8" preserveAspectRatio="none" role="img"
      aria-label={`${num(w(used), 1)}% used, ${num(w(reserved), 1)}% reserved`}>
      <rect x="0" y="0" width="100" height="8" class="bar-free" />
      <rect x="0" y="0" width={w(used)} height="8" class="bar-used" />
      <rect x={w(used)} y="0" width={Math.min(w(reserved), 100 - w(used))} height="8" class="bar-reserved" />
    </svg>
  );
}

export function AllocationsScreen({ api }: { api: Api }) {
  const [asOf, setAsOf] = useState(today());
  const [data, setData] = useState<any>(null);
  const [error, setError] = useState('');
  const [account, setAccount] = useState<string | null>(null);
  const [period, setPeriod] = useState<any>(null);  // the balance row chosen: its period and cap
  const [history, setHistory] = useState<any>(null);

  useEffect(() => {
    setError('');
    api.get(`/v1/ledger/balances${query({ as_of: asOf })}`)
      .then(setData)
      .catch((e) => setError(e instanceof ApiError ? e.describe() : String(e)));
  }, [asOf]);

  useEffect(() => {
    if (!account) return;
    setHistory(null);
    api.get(`/v1/ledger/history${query({ account })}`)
      .then(setHistory)
      .catch((e) => setError(e instanceof ApiError ? e.describe() : String(e)));
  }, [account]);

  const rows: any[] = data?.balances ?? [];
  const postings: any[] = Array.isArray(history) ? history : history?.postings ?? [];
  return (
    <div>
      <h1>Allocations</h1>
      <div class="field inline">
        <label for="alloc-as-of">Balances on</label>
        <input id="alloc-as-of" type="date" value={asOf} onInput={(e) => e.currentTarget.value && setAsOf(e.currentTarget.value)} />
      </div>
      {error && <p role="alert" class="error">{error}</p>}
      {data && (
        <p>Ledger: {data.backend}; one H100-equivalent is {num(data.h100_equivalent_tpp)} TPP.</p>
      )}
      {data && rows.length === 0 && <p>No account has a posting for this period yet.</p>}
      {rows.length > 0 && (
        <table data-testid="balances">
          <thead><tr>
            <th scope="col">Account</th><th scope="col">Period</th><th scope="col">Cap (TPP)</th><th scope="col">Used (TPP)</th>
            <th scope="col">Reserved (TPP)</th><th scope="col">Remaining (TPP)</th><th scope="col">Remaining (H100-eq)</th>
            <th scope="col">Used / reserved</th><th scope="col">Citation</th>
          </tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.account + r.period}>
                <td><button type="button" class="link" onClick={() => { setAccount(r.account); setPeriod(r); }}
                  aria-label={`Postings of ${r.account}`}>{r.account}</button></td>
                <td>{r.period}</td><td class="n">{num(r.cap_tpp)}</td><td class="n">{num(r.used_tpp)}</td>
                <td class="n">{num(r.reserved_tpp)}</td><td class="n">{num(r.remaining_tpp)}</td>
                <td class="n">{num(r.remaining_h100, 1)}</td><td><Bar row={r} /></td><td>{r.citation}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {account && (
        <section aria-labelledby="history-title">
          <h2 id="history-title">Postings of {account}</h2>
          {history && period && (
            <>
              <h3>Drawdown of {account}, period {period.period}</h3>
              <DrawdownChart points={runningTotals(postings.filter((p) => p.period === period.period))}
                cap={typeof period.cap_tpp === 'number' ? period.cap_tpp : null} unit={account.startsWith('license:') ? account.split(':').pop()! : 'TPP'}
                label={`Drawdown of ${account} (${period.period})`} until={asOf} />
            </>
          )}
          {!history ? <p>Loading…</p> : postings.length === 0 ? <p>No postings.</p> : (
            <table data-testid="postings">
              <thead><tr><th scope="col">#</th><th scope="col">Kind</th><th scope="col">Period</th><th scope="col">TPP</th><th scope="col">As of</th><th scope="col">Decision</th><th scope="col">Reference</th><th scope="col">Recorded</th></tr></thead>
              <tbody>
                {postings.map((p) => (
                  <tr key={p.id}><td>{p.id}</td><td>{p.kind}</td><td>{p.period}</td><td class="n">{num(p.tpp)}</td><td>{p.as_of}</td>
                    <td><code>{p.decision_id}</code></td><td>{p.transaction_ref}</td><td>{p.recorded_at}</td></tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
    </div>
  );
}
