// The batch screen's input: JSON lines as they are, or CSV orders turned into transactions (one
// order a line: one item and its ultimate consignee). Every input line keeps its number, so a
// decision or an error is shown in place. The page only reshapes cells; the server validates
// them and names the field (a quantity "ten" is sent as "ten", not dropped).

export const CSV_COLUMNS = [
  'reference', 'as_of', 'posture', 'activity', 'destination', 'chip', 'quantity', 'consignee',
  'consignee_country', 'consignee_headquarters', 'consignee_ultimate_parent_headquarters',
] as const;
const REQUIRED = ['destination', 'chip', 'quantity'];

export interface Input {
  line: number;  // where the record starts in the input (1-based)
  text?: string; // the transaction as one JSON line
  error?: { code: string; field: string; message: string };
}

// RFC 4180 records: quoted cells may hold commas, doubled quotes and line breaks.
function records(text: string): { line: number; cells: string[]; error?: string }[] {
  const out: { line: number; cells: string[]; error?: string }[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const start = line;
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    let error: string | undefined;
    for (;;) {
      if (i >= text.length) {
        if (quoted) error = 'a quoted cell is not closed';
        cells.push(cell);
        break;
      }
      const c = text[i];
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 2; continue; }
        if (c === '"') { quoted = false; i++; continue; }
        if (c === '\n') line++;
        cell += c;
        i++;
        continue;
      }
      if (c === '"' && cell === '') { quoted = true; i++; continue; }
      if (c === ',') { cells.push(cell); cell = ''; i++; continue; }
      if (c === '\r' && text[i + 1] === '\n') i++;
      if (c === '\n' || c === '\r') {
        cells.push(cell);
        i++;
        line++;
        break;
      }
      cell += c;
      i++;
    }
    out.push({ line: start, cells, error });
  }
  return out;
}

function csvOrders(text: string): Input[] {
  const recs = records(text).filter((r) => r.error || r.cells.some((c) => c.trim()));
  if (recs.length === 0) return [];
  const header = recs[0].cells.map((h) => h.trim().toLowerCase());
  const unknown = header.filter((h) => !(CSV_COLUMNS as readonly string[]).includes(h));
  if (unknown.length) throw new Error(`CSV line ${recs[0].line}: unknown column ${unknown.map((u) => `"${u}"`).join(', ')} (the columns are ${CSV_COLUMNS.join(', ')})`);
  const missing = REQUIRED.filter((r) => !header.includes(r));
  if (missing.length) throw new Error(`CSV line ${recs[0].line}: the header lacks ${missing.join(', ')}`);
  const dup = header.find((h, k) => header.indexOf(h) !== k);
  if (dup) throw new Error(`CSV line ${recs[0].line}: column "${dup}" appears twice`);
  return recs.slice(1).map((r): Input => {
    if (r.error) return { line: r.line, error: { code: 'invalid_input', field: 'csv', message: r.error } };
    if (r.cells.length !== header.length) {
      return { line: r.line, error: { code: 'invalid_input', field: 'csv', message: `${r.cells.length} cells for ${header.length} columns` } };
    }
    const v: Record<string, string> = {};
    header.forEach((h, k) => { if (r.cells[k].trim()) v[h] = r.cells[k].trim(); });
    const tx: Record<string, unknown> = {};
    for (const k of ['reference', 'as_of', 'posture', 'activity', 'destination']) if (v[k] !== undefined) tx[k] = v[k];
    const q = Number(v.quantity);
    tx.items = [{ chip: v.chip ?? '', quantity: v.quantity !== undefined && Number.isFinite(q) ? q : v.quantity ?? null }];
    if (v.consignee !== undefined) {
      const party: Record<string, string> = { role: 'ultimate_consignee', name: v.consignee };
      if (v.consignee_country) party.country = v.consignee_country;
      if (v.consignee_headquarters) party.headquarters = v.consignee_headquarters;
      if (v.consignee_ultimate_parent_headquarters) party.ultimate_parent_headquarters = v.consignee_ultimate_parent_headquarters;
      tx.parties = [party];
    } else if (['consignee_country', 'consignee_headquarters', 'consignee_ultimate_parent_headquarters'].some((k) => v[k])) {
      return { line: r.line, error: { code: 'invalid_input', field: 'consignee', message: 'the consignee\'s country or headquarters is given without its name' } };
    }
    return { line: r.line, text: JSON.stringify(tx) };
  });
}

function looksLikeCsv(text: string, fileName: string): boolean {
  const name = fileName.toLowerCase();
  if (name.endsWith('.csv')) return true;
  if (/\.(jsonl|ndjson|json)$/.test(name)) return false;
  const first = text.split('\n').find((l) => l.trim()) ?? '';
  return !first.trim().startsWith('{');
}

// Throws (with a message naming the line) when a CSV header cannot be read: nothing is sent then.
export function readInput(text: string, format: 'auto' | 'jsonl' | 'csv', fileName: string): Input[] {
  const csv = format === 'csv' || (format === 'auto' && looksLikeCsv(text, fileName));
  if (csv) return csvOrders(text);
  return text.split('\n').map((t, i) => ({ line: i + 1, text: t })).filter((l) => l.text.trim());
}
