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
