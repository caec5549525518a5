// The decision card: what POST /v1/check answered, laid out for an analyst and printable as the
// decision record (one page, with the audit id and the record's place in the chain).
import { useEffect, useState } from 'preact/hooks';
import { Api } from './api';
import { ecfrUrl } from './cfr';
import { num, outcomeLabel } from './format';

export interface AllocationChange {
  account: string;
  period: string;
  citation?: string;
  before_tpp: number | null;
  after_tpp: number | null;
  cap_tpp: number | null;
  reserved_tpp: number;
  after_h100: number | null;
}

export function Badge({ outcome }: { outcome: string }) {
  return <span class={'badge badge-' + outcome.toLowerCase()} data-testid="outcome">{outcomeLabel(outcome)}</span>;
}

export function Citation({ text }: { text: string }) {
  const url = ecfrUrl(text);
  if (!url) return <span>{text}</span>;
  return <a href={url} target="_blank" rel="noopener noreferrer" class="cite">{text}</a>;
}

function AuditPosition({ api, id }: { api: Api; id: string }) {
  const [pos, setPos] = useState<string>('');
  useEffect(() => {
    let live = true;
    api.get(`/v1/decisions/${encodeURIComponent(id)}`)
      .then((r) => live && setPos(`record ${r.seq} of the audit chain${r.hash ? ', hash ' + String(r.hash).slice(0, 16) + '…' : ''}`))
      .catch(() => live && setPos('not found in the audit log'));
    return () => { live = false; };
  }, [id]);
  return <span data-testid="chain">{pos || '…'}</span>;
}

function Posture({ label, outcome, exception, policy, extra }: { label: string; outcome: string; exception: string | null; policy: string | null; extra?: preact.ComponentChildren }) {
  return (
    <div class="posture">
      <h4>{label}</h4>
      <Badge outcome={outcome} />
      <dl>
        <dt>License exception</dt><dd>{exception ?? 'none'}</dd>
        <dt>Review policy</dt><dd>{policy ? policy.replace(/_/g, ' ') : 'none'}</dd>
      </dl>
      {extra}
    </div>
  );
}

export function DecisionCard({ d, api, canReserve, onReserve, busy, allocation }: {
  d: any;
  api: Api;
  canReserve: boolean;
  onReserve: () => void;
  busy: boolean;
  allocation: AllocationChange[] | null;
}) {
  const items: any[] = d.items ?? [];
  const reasons: any[] = d.reasons ?? [];
  const itemLabel = (i: unknown) => (typeof i === 'number' && items[i] ? items[i].label : '');
  const other = d.alternate;
  // From the response to the card on screen (docs/PERFORMANCE.md, "Web console").
  useEffect(() => {
    if (performance.getEntriesByName('decision-response').length) performance.measure('decision-render', 'decision-response');
  }, [d]);
  return (
    <article class="card" aria-labelledby="decision-title" data-testid="decision">
      <header class="card-head">
        <h2 id="decision-title">Decision {d.reference ? `for ${d.reference}` : ''}</h2>
        <div class="actions no-print">
          {canReserve && !d.ledger_postings && (
            <button type="button" onClick={onReserve} disabled={busy}>Reserve allocation</button>
          )}
          <button type="button" class="secondary" onClick={() => window.print()}>Print decision record</button>
        </div>
      </header>
      <div class="summary">
        <Badge outcome={d.outcome} />
        <dl class="facts">
          <dt>Posture</dt><dd>{d.posture}</dd>
          <dt>As of</dt><dd>{d.as_of}</dd>
          <dt>Activity</dt><dd>{d.activity}</dd>
          <dt>Destination</dt><dd>{d.destination}</dd>
          <dt>Consignee</dt><dd>{d.consignee ?? '—'}</dd>
          <dt>License exception</dt><dd>{d.license_exception ?? 'none'}</dd>
          <dt>Review policy</dt><dd>{d.review_policy ? d.review_policy.replace(/_/g, ' ') : 'none'}{d.policy_wording ? ` (“${d.policy_wording}”)` : ''}</dd>
          <dt>Decision id</dt><dd><code data-testid="decision-id">{d.decision_id ?? 'not recorded'}</code></dd>
          {d.decision_id && <><dt>Audit log</dt><dd><AuditPosition api={api} id={d.decision_id} /></dd></>}
          <dt>Data version</dt><dd>{d.data_version}</dd>
        </dl>
      </div>

      {allocation && (
        <section aria-labelledby="alloc-title" data-testid="allocation">
          <h3 id="alloc-title">Allocation reserved</h3>
          <table>
            <thead><tr><th scope="col">Account</th><th scope="col">Period</th><th scope="col">Reserved (TPP)</th><th scope="col">Remaining before (TPP)</th><th scope="col">Remaining now (TPP)</th><th scope="col">Remaining now (H100-eq)</th></tr></thead>
            <tbody>
              {allocation.map((a) => (
                <tr key={a.account + a.period}>
                  <td>{a.account}</td><td>{a.period}</td><td class="n">{num(a.reserved_tpp)}</td>
                  <td class="n" data-testid="remaining-before">{num(a.before_tpp)}</td>
                  <td class="n" data-testid="remaining-after">{num(a.after_tpp)}</td>
                  <td class="n">{num(a.after_h100, 1)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      {d.obligations?.length > 0 && (
        <section aria-labelledby="obl-title">
          <h3 id="obl-title">Obligations</h3>
          <ul>{d.obligations.map((o: string, i: number) => <li key={i}>{o}</li>)}</ul>
        </section>
      )}

      {d.warnings?.length > 0 && (
        <section aria-labelledby="warn-title" class="warnings">
          <h3 id="warn-title">Warnings</h3>
          <ul data-testid="warnings">{d.warnings.map((w: string, i: number) => <li key={i}>{w}</li>)}</ul>
        </section>
      )}

      <section aria-labelledby="reasons-title">
        <h3 id="reasons-title">Reasons</h3>
        <table data-testid="reasons">
          <thead><tr><th scope="col">Rule</th><th scope="col">Citation</th><th scope="col">Effect</th><th scope="col">Summary</th></tr></thead>
          <tbody>
            {reasons.map((r, i) => (
              <tr key={i}>
                <td><code>{r.rule}</code>{r.verified === false ? <span class="tag">unverified</span> : null}</td>
                <td><Citation text={r.citation ?? ''} /></td>
                <td>{String(r.effect ?? '').replace(/_/g, ' ')}{r.review_policy ? ` (${r.review_policy.replace(/_/g, ' ')})` : ''}</td>
                <td>{itemLabel(r.item) ? <strong>{itemLabel(r.item)}: </strong> : null}{r.summary}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="items-title">
        <h3 id="items-title">Items</h3>
        <table data-testid="items">
          <thead><tr><th scope="col">Item</th><th scope="col">ECCN</th><th scope="col">TPP</th><th scope="col">Perf. density</th><th scope="col">Quantity</th><th scope="col">H100-eq</th><th scope="col">Outcome</th></tr></thead>
          <tbody>
            {items.map((it, i) => (
              <tr key={i}>
                <td>{it.label}</td>
                <td>{it.eccn ?? (it.determinate === false ? 'indeterminate' : '—')}{it.paragraph ? ` (${it.paragraph})` : ''}</td>
                <td class="n">{num(it.tpp)}</td>
                <td class="n">{num(it.performance_density, 2)}</td>
                <td class="n">{num(it.quantity)}</td>
                <td class="n">{num(it.h100_equivalents, 1)}</td>
                <td>{it.outcome ? outcomeLabel(it.outcome) : '—'}{it.license_exception ? ` (${it.license_exception})` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="postures-title" data-testid="postures">
        <h3 id="postures-title">Both postures</h3>
        <div class="side-by-side">
          <Posture label={`${d.posture} (this decision)`} outcome={d.outcome} exception={d.license_exception} policy={d.review_policy} />
          {other ? (
            <Posture label={`${other.posture} (other posture)`} outcome={other.outcome} exception={other.license_exception} policy={other.review_policy}
              extra={other.rules?.length ? <p>Rules that differ: {other.rules.join(', ')}</p> : null} />
          ) : (
            <div class="posture"><h4>Other posture</h4><p>The same answer under both postures.</p></div>
          )}
        </div>
      </section>

      {d.would_change?.length > 0 && (
        <section aria-labelledby="wc-title">
          <h3 id="wc-title">What would change the answer</h3>
          <ul>
            {d.would_change.map((w: any, i: number) => (
              <li key={i}><code>{w.field}</code> = {JSON.stringify(w.value)} → {outcomeLabel(w.outcome)}{w.license_exception ? ` (${w.license_exception})` : ''}{w.summary ? `: ${w.summary}` : ''}</li>
            ))}
          </ul>
        </section>
      )}

      {d.screened_parties?.length > 0 && (
        <section aria-labelledby="parties-title">
          <h3 id="parties-title">Parties screened</h3>
          <table>
            <thead><tr><th scope="col">Role</th><th scope="col">Name</th><th scope="col">Screening</th><th scope="col">Listings found</th></tr></thead>
            <tbody>
              {d.screened_parties.map((p: any, i: number) => (
                <tr key={i}><td>{String(p.role).replace(/_/g, ' ')}</td><td data-testid="party-name">{p.name}</td><td>{String(p.status).replace(/_/g, ' ')}</td><td class="n">{p.listings_found}</td></tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      {d.steps?.length > 0 && (
        <section aria-labelledby="steps-title" class="print-hide">
          <h3 id="steps-title">Steps</h3>
          <ul class="steps">{d.steps.map((s: any, i: number) => <li key={i}><strong>{s.step}</strong>: {String(s.status).replace(/_/g, ' ')} — {s.detail}</li>)}</ul>
        </section>
      )}
    </article>
  );
}
