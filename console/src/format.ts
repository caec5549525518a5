export function num(v: unknown, digits = 0): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  return v.toLocaleString('en-US', { maximumFractionDigits: digits });
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export function outcomeLabel(outcome: string): string {
  return outcome.replace(/_/g, ' ');
}

// A CSV cell as the exportctl command writes it (src/core/csv_writer.h): RFC 4180 quoting, and
// text a spreadsheet would run as a formula (beginning with = + - @, tab, CR or LF, or their
// full-width forms) given a leading single quote. Numbers stay numbers, negative ones included.
export function csvCell(v: unknown): string {
  if (typeof v === 'number') return String(v);
  const s = v === null || v === undefined ? '' : String(v);
  const formula = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/.test(s);
  if (!formula && !/[",\n\r]/.test(s)) return s;
  return `"${formula ? "'" : ''}${s.replace(/"/g, '""')}"`;
}

// Saves text as a file: a blob URL clicked from a temporary link (nothing leaves the browser).
export function download(name: string, type: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
