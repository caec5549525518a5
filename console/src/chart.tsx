// An account's drawdown over time from its postings (GET /v1/ledger/history): used and reserved
// after each posting, summed as the ledger sums them (reserve adds to reserved; commit moves it
// to used; release returns it; adjust changes used), drawn as steps against the cap. A plain SVG:
// no chart library, and every label is a text node.
import { num } from './format';

export interface Posting {
  id: number;
  kind: string;
  period: string;
  tpp: number;
  as_of: string;
  reservation_id?: number;
  decision_id?: string;
  transaction_ref?: string;
  reason?: string;
}

export interface Point { date: string; used: number; reserved: number }

// The running totals after each day's postings, in date order (ties in posting order).
export function runningTotals(postings: Posting[]): Point[] {
  const sorted = [...postings].sort((a, b) => (a.as_of < b.as_of ? -1 : a.as_of > b.as_of ? 1 : a.id - b.id));
  const out: Point[] = [];
  let used = 0;
  let reserved = 0;
  for (const p of sorted) {
    const t = Number(p.tpp) || 0;
    if (p.kind === 'reserve') reserved += t;
    else if (p.kind === 'commit') { reserved -= t; used += t; }
    else if (p.kind === 'release') reserved -= t;
    else if (p.kind === 'adjust') used += t;
    if (out.length && out[out.length - 1].date === p.as_of) out[out.length - 1] = { date: p.as_of, used, reserved };
    else out.push({ date: p.as_of, used, reserved });
  }
  return out;
}

const W = 640;
const H = 200;
const PAD = { l: 70, r: 10, t: 10, b: 28 };

// `until`: the date the chart runs to (the balances' date), so the last totals show as a level.
export function DrawdownChart({ points, cap, unit, label, until }: { points: Point[]; cap: number | null; unit: string; label: string; until?: string }) {
  if (points.length === 0) return <p>No postings to chart.</p>;
  const day = (d: string) => Date.parse(d + 'T00:00:00Z');
  const first = day(points[0].date);
  const end = until && day(until) > day(points[points.length - 1].date) ? until : points[points.length - 1].date;
  const last = Math.max(day(end), first + 86400000);
  const top = Math.max(cap ?? 0, ...points.map((p) => p.used + p.reserved), 1);
  const x = (d: string) => PAD.l + ((day(d) - first) / (last - first)) * (W - PAD.l - PAD.r);
  const y = (v: number) => H - PAD.b - (v / top) * (H - PAD.t - PAD.b);
  const steps = (f: (p: Point) => number) => {
    let d = '';
    points.forEach((p, i) => {
      d += i === 0 ? `M${x(p.date)},${y(f(p))}` : `H${x(p.date)}V${y(f(p))}`;
    });
    return d + `H${W - PAD.r}`;
  };
  const lastPoint = points[points.length - 1];
  const summary = `${label}: ${points.length} day(s) with postings from ${points[0].date} to ${lastPoint.date}; now ${num(lastPoint.used)} ${unit} used and ${num(lastPoint.reserved)} reserved${cap !== null ? ` of ${num(cap)}` : ''}`;
  return (
    <figure class="chart" data-testid="drawdown-chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary}>
        <line x1={PAD.l} y1={H - PAD.b} x2={W - PAD.r} y2={H - PAD.b} class="axis" />
        <line x1={PAD.l} y1={PAD.t} x2={PAD.l} y2={H - PAD.b} class="axis" />
        <text x={PAD.l - 4} y={y(top) + 4} class="tick" text-anchor="end">{num(top)}</text>
        <text x={PAD.l - 4} y={H - PAD.b} class="tick" text-anchor="end">0</text>
        <text x={PAD.l} y={H - 8} class="tick">{points[0].date}</text>
        <text x={W - PAD.r} y={H - 8} class="tick" text-anchor="end">{end}</text>
        {cap !== null && <line x1={PAD.l} y1={y(cap)} x2={W - PAD.r} y2={y(cap)} class="cap" data-testid="chart-cap" />}
        <path d={steps((p) => p.used + p.reserved)} class="held" data-testid="chart-held" />
        <path d={steps((p) => p.used)} class="used" data-testid="chart-used" />
      </svg>
      <figcaption>
        <span class="key held" /> used + reserved <span class="key used" /> used{cap !== null && <><span class="key cap" /> cap</>} ({unit})
      </figcaption>
      <table class="sr-only">
        <caption>{label}</caption>
        <thead><tr><th scope="col">Date</th><th scope="col">Used</th><th scope="col">Reserved</th></tr></thead>
        <tbody>{points.map((p) => <tr key={p.date}><td>{p.date}</td><td>{num(p.used)}</td><td>{num(p.reserved)}</td></tr>)}</tbody>
      </table>
    </figure>
  );
}
