// Batch: transactions as JSON lines or CSV orders (a file or pasted) sent to POST /v1/check/batch
// a chunk at a time, so a progress bar can follow; each line's decision or error in place,
// filters by outcome, and the results as JSON lines or CSV.
import { useMemo, useState } from 'preact/hooks';
import { Api, ApiError } from './api';
import { csvCell, download, outcomeLabel } from './format';
import { CSV_COLUMNS, Input, readInput } from './orders_csv';

const CHUNK = 500;
const PAGE = 200;

interface Row {
  line: number;          // in the input
  decision?: any;
  error?: { code: string; field: string; message: string };
}


export function toCsv(rows: Row[]): string {
  const head = ['line', 'reference', 'destination', 'outcome', 'license_exception', 'review_policy', 'decision_id', 'error_field', 'error_message'];
  const body = rows.map((r) => [r.line, r.decision?.reference, r.decision?.destination, r.decision?.outcome ?? 'ERROR',
    r.decision?.license_exception, r.decision?.review_policy, r.decision?.decision_id, r.error?.field, r.error?.message].map(csvCell).join(','));
  return [head.join(','), ...body].join('\n') + '\n';
}


export function BatchScreen({ api }: { api: Api }) {
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState('');
  const [format, setFormat] = useState<'auto' | 'jsonl' | 'csv'>('auto');
  const [rows, setRows] = useState<Row[]>([]);
  const [done, setDone] = useState(0);
  const [total, setTotal] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [filter, setFilter] = useState('all');
  const [page, setPage] = useState(0);

  const loadFile = async (e: Event) => {
    const file = (e.currentTarget as HTMLInputElement).files?.[0];
    if (!file) return;
    setFileName(file.name);
    setText(await file.text());
  };

  const run = async () => {
    setRows([]);
    setError('');
    setDone(0);
    setPage(0);
    let input: Input[];
    try {
      input = await readInput(api, text, format, fileName);
    } catch (e) {
      setTotal(0);
      setError(String((e as Error).message ?? e));
      return;
    }
    // Lines the page could not turn into a transaction (CSV) keep their place with their error.
    const bad: Row[] = input.filter((l) => l.error).map((l) => ({ line: l.line, error: l.error }));
    const lines = input.filter((l) => !l.error) as { line: number; text: string }[];
    setTotal(input.length);
    setBusy(true);
    const out: Row[] = [];
    const merged = () => [...out, ...bad].sort((a, b) => a.line - b.line);
    try {
      for (let start = 0; start < lines.length; start += CHUNK) {
        const chunk = lines.slice(start, start + CHUNK);
        const answer: string = await api.request('POST', '/v1/check/batch', chunk.map((l) => l.text).join('\n') + '\n', 'application/x-ndjson');
        const answers = answer.split('\n').filter((l) => l.trim());
        if (answers.length !== chunk.length) throw new Error(`the server answered ${answers.length} lines for ${chunk.length}`);
        answers.forEach((a, i) => {
          const j = JSON.parse(a);
          out.push(j.error ? { line: chunk[i].line, error: j.error } : { line: chunk[i].line, decision: j });
        });
        setRows(merged());
        setDone(out.length + bad.length);
      }
      if (lines.length === 0) {
        setRows(merged());
        setDone(bad.length);
      }
    } catch (e) {
      setError(`${e instanceof ApiError ? e.describe() : String(e)} (after ${out.length} of ${input.length} lines)`);
    } finally {
      setBusy(false);
    }
  };

  const outcomes = useMemo(() => [...new Set(rows.map((r) => r.decision?.outcome ?? 'ERROR'))].sort(), [rows]);
  const shown = rows.filter((r) => filter === 'all' || (r.decision?.outcome ?? 'ERROR') === filter);
  const counts = useMemo(() => {
    const m = new Map<string, number>();
    for (const r of rows) m.set(r.decision?.outcome ?? 'ERROR', (m.get(r.decision?.outcome ?? 'ERROR') ?? 0) + 1);
    return m;
  }, [rows]);
  const pages = Math.max(1, Math.ceil(shown.length / PAGE));

  return (
    <div>
      <h1>Batch</h1>
      <fieldset>
        <legend>Orders: one JSON transaction per line, or CSV</legend>
        <label for="batch-file">Upload a JSON lines (.jsonl) or CSV (.csv) file</label>
        <input id="batch-file" type="file" accept=".jsonl,.ndjson,.json,.csv,application/x-ndjson,text/csv" onChange={loadFile} />
        <label for="batch-text">Or paste them{fileName ? ` (loaded ${fileName})` : ''}</label>
        <textarea id="batch-text" rows={8} spellcheck={false} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        <div class="field inline">
          <label for="batch-format">Read as</label>
          <select id="batch-format" value={format} onChange={(e) => setFormat(e.currentTarget.value as 'auto' | 'jsonl' | 'csv')}>
            <option value="auto">by the file name or the first line</option>
            <option value="jsonl">JSON lines</option>
            <option value="csv">CSV orders</option>
          </select>
        </div>
        <p class="hint">CSV: a header line, then one order per line with one item and its ultimate consignee. Columns:{' '}
          <code>{CSV_COLUMNS.join(',')}</code>; an empty cell is left out of the order (unknown).</p>
        <div class="actions">
          <button type="button" onClick={run} disabled={busy || !text.trim()}>Check every line</button>
        </div>
      </fieldset>
      {total > 0 && (
        <div class="progress">
          <label for="batch-progress">Progress</label>
          <progress id="batch-progress" max={total} value={done} />
          <span role="status" data-testid="batch-status">{busy ? `${done} of ${total} lines checked…` : `${done} of ${total} lines checked`}</span>
        </div>
      )}
      {error && <p role="alert" class="error">{error}</p>}
      {rows.length > 0 && (
        <section aria-labelledby="batch-results">
          <h2 id="batch-results">Results</h2>
          <p>{[...counts.entries()].map(([k, v]) => `${outcomeLabel(k)}: ${v}`).join(' · ')}</p>
          <div class="actions">
            <label for="batch-filter">Show</label>
            <select id="batch-filter" value={filter} onChange={(e) => { setFilter(e.currentTarget.value); setPage(0); }}>
              <option value="all">all outcomes</option>
              {outcomes.map((o) => <option key={o} value={o}>{o === 'ERROR' ? 'errors' : outcomeLabel(o)}</option>)}
            </select>
            <button type="button" class="secondary" onClick={() => download('decisions.jsonl', 'application/x-ndjson',
              rows.map((r) => JSON.stringify(r.decision ?? { line: r.line, error: r.error })).join('\n') + '\n')}>Download JSON lines</button>
            <button type="button" class="secondary" onClick={() => download('decisions.csv', 'text/csv', toCsv(rows))}>Download CSV</button>
          </div>
          <table data-testid="batch-table">
            <thead><tr><th scope="col">Line</th><th scope="col">Reference</th><th scope="col">Destination</th><th scope="col">Outcome</th><th scope="col">Exception / policy</th><th scope="col">Decision id or error</th></tr></thead>
            <tbody>
              {shown.slice(page * PAGE, (page + 1) * PAGE).map((r) => r.decision ? (
                <tr key={r.line}><td class="n">{r.line}</td><td>{r.decision.reference ?? ''}</td><td>{r.decision.destination}</td>
                  <td>{outcomeLabel(r.decision.outcome)}</td>
                  <td>{[r.decision.license_exception, r.decision.review_policy?.replace(/_/g, ' ')].filter(Boolean).join(' / ')}</td>
                  <td><code>{r.decision.decision_id}</code></td></tr>
              ) : (
                <tr key={r.line} class="bad-line"><td class="n">{r.line}</td><td colSpan={2}></td><td>error</td>
                  <td>{r.error?.field ? `field ${r.error.field}` : ''}</td><td data-testid="line-error">{r.error?.message}</td></tr>
              ))}
            </tbody>
          </table>
          {pages > 1 && (
            <div class="actions">
              <button type="button" class="secondary" disabled={page === 0} onClick={() => setPage(page - 1)}>Previous</button>
              <span>Page {page + 1} of {pages}</span>
              <button type="button" class="secondary" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>Next</button>
            </div>
          )}
        </section>
      )}
    </div>
  );
}
