// The batch screen's input: JSON lines as they are, or CSV orders turned into transactions by the
// server (POST /v1/orders/csv: the reader `exportctl check --batch` uses, so a CSV file means
// the same in the console and on the command line). Every input line keeps its number, so a
// decision or an error is shown in place. The reader only reshapes cells; the checks validate
// them and name the field (a quantity "ten" is sent as "ten", not dropped).
import { Api, ApiError } from './api';

export const CSV_COLUMNS = [
  'reference', 'as_of', 'posture', 'activity', 'destination', 'chip', 'quantity', 'consignee',
  'consignee_country', 'consignee_headquarters', 'consignee_ultimate_parent_headquarters',
] as const;

export interface Input {
  line: number;  // where the record starts in the input (1-based)
  text?: string; // the transaction as one JSON line
  error?: { code: string; field: string; message: string };
}

function looksLikeCsv(text: string, fileName: string): boolean {
  const name = fileName.toLowerCase();
  if (name.endsWith('.csv')) return true;
  if (/\.(jsonl|ndjson|json)$/.test(name)) return false;
  const first = text.split('\n').find((l) => l.trim()) ?? '';
  return !first.trim().startsWith('{');
}

// Throws (with the server's message naming the line) when a CSV header cannot be read: nothing is
// sent for checking then.
export async function readInput(api: Api, text: string, format: 'auto' | 'jsonl' | 'csv', fileName: string): Promise<Input[]> {
  const csv = format === 'csv' || (format === 'auto' && looksLikeCsv(text, fileName));
  if (!csv) return text.split('\n').map((t, i) => ({ line: i + 1, text: t })).filter((l) => l.text.trim());
  let answer: { orders: { line: number; transaction?: unknown; error?: Input['error'] }[] };
  try {
    answer = await api.request('POST', '/v1/orders/csv', text, 'text/csv');
  } catch (e) {
    throw new Error(e instanceof ApiError ? `CSV ${e.message}` : String(e));
  }
  return answer.orders.map((o) => (o.error ? { line: o.line, error: o.error } : { line: o.line, text: JSON.stringify(o.transaction) }));
}
