// Screening: a name (and country) against the imported restricted-party lists (GET /v1/screen),
// each hit with its list, programs, the entry's license terms, the words that matched and the
// screener's explanation; officers clear a false hit with a reason and an expiry
// (POST /v1/screen/clear), which the next check of that party applies. The last list import's
// re-screen of the remembered parties comes from the audit log (GET /v1/audit?kind=lists.rescreened,
// GET /v1/audit/records/{id}).
import { useEffect, useState } from 'preact/hooks';
import { Api, ApiError, Role, query, roleAllows } from './api';
import { today } from './format';

// The listed name with the words that matched marked: text nodes and <mark>, never HTML.
function Marked({ name, words }: { name: string; words: string[] }) {
  const wanted = new Set(words.map((w) => w.toLowerCase()));
  const parts = name.split(/(\s+)/);
  return (
    <span>
      {parts.map((p, i) => {
        const bare = p.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
        return bare && wanted.has(bare) ? <mark key={i}>{p}</mark> : p;
      })}
    </span>
  );
}

function ClearForm({ api, party, hit, onCleared }: { api: Api; party: string; hit: any; onCleared: (r: any) => void }) {
  const inMonths = new Date(Date.now() + 90 * 86400000).toISOString().slice(0, 10);
  const [reason, setReason] = useState('');
  const [expires, setExpires] = useState(inMonths);
  const [error, setError] = useState('');
  const id = hit.record_id;
  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    try {
      onCleared(await api.post('/v1/screen/clear', { party, record_id: id, reason, expires }));
    } catch (err) {
      setError(err instanceof ApiError ? err.describe() : String(err));
    }
  };
  return (
    <form onSubmit={submit} class="grid clear-form" aria-label={`Clear ${hit.matched_name}`}>
      <div class="field"><label for={`reason-${id}`}>Reason it is not this party</label>
        <input id={`reason-${id}`} required value={reason} onInput={(e) => setReason(e.currentTarget.value)} /></div>
      <div class="field"><label for={`expires-${id}`}>Clearance expires</label>
        <input id={`expires-${id}`} type="date" min={today()} required value={expires} onInput={(e) => setExpires(e.currentTarget.value)} /></div>
      <div class="field"><button type="submit">Clear this hit</button></div>
      {error && <p role="alert" class="error">{error}</p>}
    </form>
  );
}

// What `exportctl lists import` found when it re-screened the remembered parties against the
// added and changed records of the lists it imported last.
function LastRescreen({ api }: { api: Api }) {
  const [record, setRecord] = useState<any>(undefined);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    (async () => {
      let last: any = null;
      let after: string | undefined;
      for (;;) {
        const page = await api.get(`/v1/audit${query({ kind: 'lists.rescreened', limit: '500', after })}`);
        const records: any[] = page.records ?? [];
        if (records.length) last = records[records.length - 1];
        if (page.next_after == null) break;
        after = String(page.next_after);
      }
      const whole = last ? await api.get(`/v1/audit/records/${encodeURIComponent(last.id)}`) : null;
      if (live) setRecord(whole);
    })().catch((e) => live && setError(e instanceof ApiError ? e.describe() : String(e)));
    return () => { live = false; };
  }, []);
  if (error) return <p role="alert" class="error">Re-screen after list imports: {error}</p>;
  if (record === undefined) return null;
  const p = record?.payload ?? {};
  const hits: any[] = p.new_hits ?? [];
  const changes: any[] = p.coverage_changes ?? [];
  return (
    <section aria-labelledby="rescreen-title" data-testid="rescreen" class="card">
      <h2 id="rescreen-title">Re-screen after the last list import</h2>
      {!record ? <p>No list import has re-screened the remembered parties yet (<code>exportctl lists import</code>).</p> : (
        <>
          <p data-testid="rescreen-summary">
            {record.time} by {record.actor}: {(p.imported ?? []).map((i: any) => i.version).join(', ') || 'no list'};{' '}
            {p.rescreened_parties ?? 0} remembered part{p.rescreened_parties === 1 ? 'y' : 'ies'} re-screened against the added and
            changed records: {hits.length} new hit{hits.length === 1 ? '' : 's'}{p.coverage_changes ? `, ${changes.length} change${changes.length === 1 ? '' : 's'} of coverage through owners` : ''}.
          </p>
          {hits.length > 0 && (
            <table data-testid="rescreen-hits">
              <thead><tr><th scope="col">Party</th><th scope="col">Listed name</th><th scope="col">List</th><th scope="col">Match</th><th scope="col">License requirement / policy</th><th scope="col">Record</th></tr></thead>
              <tbody>{hits.map((h, i) => (
                <tr key={i}><td>{h.party}</td><td>{h.matched_name ?? h.name}</td><td>{h.list}</td>
                  <td>{h.certain ? 'certain' : 'possible'} ({Number(h.score).toFixed(3)})</td>
                  <td>{[h.license_requirement, h.license_policy].filter(Boolean).join(' / ')}</td><td><code>{h.record_id}</code></td></tr>
              ))}</tbody>
            </table>
          )}
          {changes.length > 0 && (
            <ul data-testid="rescreen-coverage">{changes.map((c, i) => <li key={i}>{c.party}: {c.before} → {c.after}</li>)}</ul>
          )}
        </>
      )}
    </section>
  );
}

export function ScreeningScreen({ api, role }: { api: Api; role: Role }) {
  const [name, setName] = useState('');
  const [country, setCountry] = useState('');
  const [result, setResult] = useState<any>(null);
  const [searched, setSearched] = useState('');
  const [lists, setLists] = useState<any[] | null>(null);
  const [error, setError] = useState('');
  const [cleared, setCleared] = useState<Record<string, any>>({});
  const canClear = roleAllows(role, 'officer');

  useEffect(() => {
    api.get('/v1/lists').then(setLists).catch((e) => setError(e instanceof ApiError ? e.describe() : String(e)));
  }, []);

  const search = async (e: Event) => {
    e.preventDefault();
    setError('');
    setResult(null);
    try {
      const r = await api.get(`/v1/screen${query({ name: name.trim(), country: country.trim() })}`);
      setSearched(name.trim());
      setResult(r);
    } catch (err) {
      setError(err instanceof ApiError ? err.describe() : String(err));
    }
  };

  const hits: any[] = result?.hits ?? [];
  return (
    <div>
      <h1>Screening</h1>
      {lists && (
        <>
          <p data-testid="lists">{lists.length === 0 ? 'No list imported.' : 'Lists: ' + lists.map((l) => `${l.list_id} ${l.source_date ?? ''} (${l.record_count} records${l.stale ? ', stale' : ''})`).join('; ') +
            (lists[0]?.loaded_at ? `; loaded by the server at ${lists[0].loaded_at}` : '')}</p>
          {lists[0]?.reload_error && <p role="alert" class="error" data-testid="lists-reload-error">{lists[0].reload_error}</p>}
        </>
      )}
      <form onSubmit={search} class="grid">
        <div class="field"><label for="screen-name">Name</label>
          <input id="screen-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} /></div>
        <div class="field"><label for="screen-country">Country (optional)</label>
          <input id="screen-country" value={country} onInput={(e) => setCountry(e.currentTarget.value)} /></div>
        <div class="field"><button type="submit">Screen</button></div>
      </form>
      {error && <p role="alert" class="error">{error}</p>}
      <LastRescreen api={api} />
      {result && (
        <section aria-labelledby="hits-title">
          <h2 id="hits-title">{hits.length === 0 ? `No hit for “${searched}”` : `${hits.length} hit${hits.length > 1 ? 's' : ''} for “${searched}”`} (threshold {result.threshold})</h2>
          {result.warnings?.length > 0 && <ul class="warnings">{result.warnings.map((w: string, i: number) => <li key={i}>{w}</li>)}</ul>}
          {hits.map((h) => (
            <article class="card hit" key={h.record_id} data-testid="hit" aria-label={`Hit ${h.matched_name}`}>
              <h3><Marked name={h.matched_name ?? ''} words={(h.matched_words ?? []).map((w: any) => w.listed)} /></h3>
              <dl class="facts">
                <dt>List</dt><dd>{h.list}</dd>
                <dt>Match</dt><dd>{h.certain ? 'certain' : 'possible'} (score {Number(h.score).toFixed(3)}){h.alias ? `, alias of ${h.name}` : ''}</dd>
                <dt>Programs</dt><dd>{(h.programs ?? []).join(', ') || '—'}</dd>
                <dt>Countries</dt><dd>{(h.countries ?? []).join(', ') || '—'}</dd>
                {h.license_requirement && <><dt>License requirement</dt><dd>{h.license_requirement}</dd></>}
                {h.license_policy && <><dt>License policy</dt><dd>{h.license_policy}</dd></>}
                <dt>Record</dt><dd><code>{h.record_id}</code></dd>
                <dt>Why</dt><dd data-testid="explanation">{h.explanation}</dd>
              </dl>
              {cleared[h.record_id] ? (
                <p role="status" data-testid="cleared">Cleared for “{cleared[h.record_id].party}” until {cleared[h.record_id].expires}: {cleared[h.record_id].reason}</p>
              ) : canClear ? (
                <ClearForm api={api} party={searched} hit={h} onCleared={(r) => setCleared({ ...cleared, [h.record_id]: r })} />
              ) : null}
            </article>
          ))}
        </section>
      )}
    </div>
  );
}
