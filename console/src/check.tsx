// "Check an order": a form (catalog chips with search or explicit specs, quantities, destination,
// parties with their owners, date, activity, end use, certifications) or a transaction's JSON,
// pasted or loaded from a file, sent to POST /v1/check; the answer as a card.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Api, ApiError, Role, roleAllows, query } from './api';
import { AllocationChange, DecisionCard } from './decision';
import { today } from './format';

type Tri = '' | 'true' | 'false';
// An item is a catalog chip or a chip described by its specs (the transaction's explicit form).
interface Specs { vendor: string; model: string; tpp: string; die_area_mm2: string; memory_bandwidth_gbps: string; datacenter: Tri; designer_headquarters: string }
interface ItemRow { chip?: string; specs?: Specs; quantity: string }
// An owner as the Affiliates Rule weighs it; percent left empty is unknown (null), never 0.
interface OwnerRow { name: string; percent: string; country: string; headquarters: string; joint_venture_partner: Tri }
interface PartyRow { role: string; name: string; country: string; headquarters: string; ultimate_parent_headquarters: string; owners: OwnerRow[] }

// The H200 rule's five certifications (91 FR 1684; data/regimes/h200-2026.json), as the
// transaction names them.
const H200_CERTS: [string, string][] = [
  ['sufficient_us_supply', 'Sufficient US supply'],
  ['no_foundry_diversion', 'No foundry capacity diverted'],
  ['china_volume_within_half_of_us', 'China volume within half of US volume'],
  ['know_your_customer_and_remote_access', 'Know-your-customer and remote-access controls'],
  ['third_party_testing_in_us', 'Third-party testing in the US'],
];

interface Form {
  reference: string;
  as_of: string;
  posture: string;
  activity: string;
  destination: string;
  items: ItemRow[];
  parties: PartyRow[];
  training_for: string;
  technical_evaluation: Tri;
  supercomputer_prc_macau: Tri;
  for_footnote_1_4_entity: Tri;
  h200: Record<string, Tri>;
  aia_certification: Tri;
  model_weights_secure_storage: Tri;
}

const ROLES = ['ultimate_consignee', 'end_user', 'purchaser', 'intermediate_consignee', 'exporter'];

const emptyParty = (role = 'ultimate_consignee'): PartyRow => ({ role, name: '', country: '', headquarters: '', ultimate_parent_headquarters: '', owners: [] });
const emptyOwner = (): OwnerRow => ({ name: '', percent: '', country: '', headquarters: '', joint_venture_partner: '' });
const emptySpecs = (): Specs => ({ vendor: '', model: '', tpp: '', die_area_mm2: '', memory_bandwidth_gbps: '', datacenter: '', designer_headquarters: '' });
const specsLabel = (s: Specs) => `${s.vendor.trim()} ${s.model.trim()}`.trim() || 'explicit specs';
const itemLabel = (it: ItemRow) => it.chip ?? `${specsLabel(it.specs!)} (specs)`;

function initialForm(): Form {
  return {
    reference: '', as_of: today(), posture: 'enforced', activity: 'export', destination: '',
    items: [], parties: [emptyParty()], training_for: '', technical_evaluation: '',
    supercomputer_prc_macau: '', for_footnote_1_4_entity: '', h200: {}, aia_certification: '',
    model_weights_secure_storage: '',
  };
}

// The transaction the form describes. Empty fields are left out (unknown), never sent as "no".
function toTransaction(f: Form): Record<string, unknown> {
  const tx: Record<string, unknown> = { as_of: f.as_of, posture: f.posture, activity: f.activity, destination: f.destination.trim() };
  if (f.reference.trim()) tx.reference = f.reference.trim();
  tx.items = f.items.map((i) => (i.specs ? { ...specsJson(i.specs), quantity: Number(i.quantity) } : { chip: i.chip, quantity: Number(i.quantity) }));
  tx.parties = f.parties.filter((p) => p.name.trim()).map((p) => {
    const out: Record<string, unknown> = { role: p.role, name: p.name.trim() };
    for (const k of ['country', 'headquarters', 'ultimate_parent_headquarters'] as const) if (p[k].trim()) out[k] = p[k].trim();
    const owners = p.owners.filter((o) => o.name.trim()).map(ownerJson);
    if (owners.length) out.owners = owners;
    return out;
  });
  const endUse: Record<string, unknown> = {};
  if (f.training_for.trim()) endUse.ai_model_training_for_headquarters = f.training_for.trim();
  for (const k of ['technical_evaluation', 'supercomputer_prc_macau', 'for_footnote_1_4_entity'] as const) {
    if (f[k]) endUse[k] = f[k] === 'true';
  }
  if (Object.keys(endUse).length) tx.end_use = endUse;
  const certs: Record<string, boolean> = {};
  for (const [k] of H200_CERTS) if (f.h200[k]) certs[k] = f.h200[k] === 'true';
  if (Object.keys(certs).length) tx.h200_certifications = certs;
  for (const k of ['aia_certification', 'model_weights_secure_storage'] as const) if (f[k]) tx[k] = f[k] === 'true';
  return tx;
}

// Numbers typed as text: an empty field is left out (unknown); anything else is sent as typed
// when it is not a number, so the server names the field instead of the page guessing.
function numberOrText(v: string): number | string {
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) ? n : v.trim();
}

function specsJson(s: Specs): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['vendor', 'model', 'designer_headquarters'] as const) if (s[k].trim()) out[k] = s[k].trim();
  for (const k of ['tpp', 'die_area_mm2', 'memory_bandwidth_gbps'] as const) if (s[k].trim()) out[k] = numberOrText(s[k]);
  if (s.datacenter) out.datacenter = s.datacenter === 'true';
  return out;
}

function ownerJson(o: OwnerRow): Record<string, unknown> {
  const out: Record<string, unknown> = { name: o.name.trim(), percent: o.percent.trim() ? numberOrText(o.percent) : null };
  for (const k of ['country', 'headquarters'] as const) if (o[k].trim()) out[k] = o[k].trim();
  if (o.joint_venture_partner) out.joint_venture_partner = o.joint_venture_partner === 'true';
  return out;
}

function TriSelect({ id, label, value, onChange }: { id: string; label: string; value: Tri; onChange: (v: Tri) => void }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value as Tri)}>
        <option value="">unknown</option>
        <option value="true">yes</option>
        <option value="false">no</option>
      </select>
    </div>
  );
}

function ChipPicker({ chips, onPick }: { chips: any[]; onPick: (name: string) => void }) {
  const [search, setSearch] = useState('');
  const matches = useMemo(() => {
    const words = search.toLowerCase().split(/\s+/).filter(Boolean);
    return chips.filter((c) => {
      const hay = `${c.vendor} ${c.name} ${c.model}`.toLowerCase();
      return words.every((w) => hay.includes(w));
    }).slice(0, 40);
  }, [chips, search]);
  return (
    <div class="picker">
      <label for="chip-search">Search the chip catalog</label>
      <input id="chip-search" type="search" value={search} placeholder="e.g. H100, MI300, Ascend"
        onInput={(e) => setSearch(e.currentTarget.value)} />
      <ul class="chips" aria-label="Catalog chips">
        {matches.map((c) => (
          <li key={c.id}>
            <button type="button" class="chip" onClick={() => onPick(c.name)}
              title={`TPP ${c.tpp ?? '?'}; die ${c.die_area_mm2 ?? '?'} mm²`}>
              {c.vendor} {c.name}
            </button>
          </li>
        ))}
      </ul>
      {matches.length === 0 && <p>No catalog chip matches “{search}”.</p>}
    </div>
  );
}

function specsSummary(s: Specs): string {
  const parts: string[] = [];
  if (s.tpp.trim()) parts.push(`TPP ${s.tpp.trim()}`);
  if (s.die_area_mm2.trim()) parts.push(`die ${s.die_area_mm2.trim()} mm²`);
  if (s.memory_bandwidth_gbps.trim()) parts.push(`${s.memory_bandwidth_gbps.trim()} GB/s`);
  if (s.datacenter) parts.push(s.datacenter === 'true' ? 'datacenter' : 'not datacenter');
  if (s.designer_headquarters.trim()) parts.push(`designer HQ ${s.designer_headquarters.trim()}`);
  return parts.join(' · ');
}

// A chip that is not in the catalog, described by its specs (what classification needs).
function SpecsForm({ onAdd }: { onAdd: (s: Specs) => void }) {
  const [s, setS] = useState<Specs>(emptySpecs);
  const field = (k: keyof Specs, label: string, type = 'text') => (
    <div class="field"><label for={`spec-${k}`}>{label}</label>
      <input id={`spec-${k}`} type={type} step="any" list={k === 'designer_headquarters' ? 'country-list' : undefined} value={s[k]}
        onInput={(e) => setS({ ...s, [k]: e.currentTarget.value })} /></div>
  );
  return (
    <details class="specs">
      <summary>Or describe a chip by its specs</summary>
      <div class="grid" role="group" aria-label="Explicit specs">
        {field('vendor', 'Vendor')}
        {field('model', 'Model')}
        {field('tpp', 'TPP', 'number')}
        {field('die_area_mm2', 'Die area (mm²)', 'number')}
        {field('memory_bandwidth_gbps', 'Memory bandwidth (GB/s)', 'number')}
        <TriSelect id="spec-datacenter" label="Designed or marketed for datacenters" value={s.datacenter} onChange={(v) => setS({ ...s, datacenter: v })} />
        {field('designer_headquarters', 'Designer headquarters')}
        <div class="field"><button type="button" class="secondary" disabled={!s.tpp.trim()}
          onClick={() => { onAdd(s); setS(emptySpecs()); }}>Add this chip</button></div>
      </div>
    </details>
  );
}

// A party's owners, one level (nested owners: paste the transaction's JSON).
function Owners({ party, owners, onChange }: { party: number; owners: OwnerRow[]; onChange: (o: OwnerRow[]) => void }) {
  const setOwner = (j: number, patch: Partial<OwnerRow>) => onChange(owners.map((o, k) => (k === j ? { ...o, ...patch } : o)));
  const id = (k: string, j: number) => `owner-${k}-${party}-${j}`;
  return (
    <div class="owners" role="group" aria-label={`Owners of party ${party + 1}`}>
      {owners.map((o, j) => (
        <div class="grid owner" key={j}>
          <div class="field"><label for={id('name', j)}>Owner {j + 1} of party {party + 1}</label>
            <input id={id('name', j)} value={o.name} onInput={(e) => setOwner(j, { name: e.currentTarget.value })} /></div>
          <div class="field"><label for={id('percent', j)}>Share (%), empty if unknown</label>
            <input id={id('percent', j)} type="number" min="0" max="100" step="any" value={o.percent} onInput={(e) => setOwner(j, { percent: e.currentTarget.value })} /></div>
          <div class="field"><label for={id('country', j)}>Owner's country</label>
            <input id={id('country', j)} list="country-list" value={o.country} onInput={(e) => setOwner(j, { country: e.currentTarget.value })} /></div>
          <div class="field"><label for={id('hq', j)}>Owner's headquarters</label>
            <input id={id('hq', j)} list="country-list" value={o.headquarters} onInput={(e) => setOwner(j, { headquarters: e.currentTarget.value })} /></div>
          <TriSelect id={id('jv', j)} label="Joint venture partner" value={o.joint_venture_partner} onChange={(v) => setOwner(j, { joint_venture_partner: v })} />
          <div class="field"><button type="button" class="secondary" onClick={() => onChange(owners.filter((_, k) => k !== j))}>Remove owner {j + 1}</button></div>
        </div>
      ))}
      <button type="button" class="secondary" onClick={() => onChange([...owners, emptyOwner()])}>Add an owner of party {party + 1}</button>
    </div>
  );
}

async function balancesByAccount(api: Api, asOf: string): Promise<Map<string, any>> {
  const b = await api.get(`/v1/ledger/balances${query({ as_of: asOf })}`);
  const m = new Map<string, any>();
  for (const row of b.balances ?? []) m.set(`${row.account}|${row.period}`, row);
  return m;
}

export function CheckScreen({ api, role }: { api: Api; role: Role }) {
  const [form, setForm] = useState<Form>(initialForm);
  const [mode, setMode] = useState<'form' | 'json'>('form');
  const [json, setJson] = useState('');
  const [chips, setChips] = useState<any[]>([]);
  const [countries, setCountries] = useState<any[]>([]);
  const [decision, setDecision] = useState<any>(null);
  const [lastTx, setLastTx] = useState<Record<string, unknown> | null>(null);
  const [allocation, setAllocation] = useState<AllocationChange[] | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const resultRef = useRef<HTMLDivElement>(null);
  const canReserve = roleAllows(role, 'officer');

  useEffect(() => {
    api.get('/v1/chips').then(setChips).catch((e) => setError(`Chip catalog: ${e.message}`));
    api.get('/v1/countries').then((c) => setCountries(c.countries ?? [])).catch(() => setCountries([]));
  }, []);

  const set = (patch: Partial<Form>) => setForm({ ...form, ...patch });
  const setItem = (i: number, patch: Partial<ItemRow>) => set({ items: form.items.map((it, j) => (j === i ? { ...it, ...patch } : it)) });
  const setParty = (i: number, patch: Partial<PartyRow>) => set({ parties: form.parties.map((p, j) => (j === i ? { ...p, ...patch } : p)) });

  const transaction = (): Record<string, unknown> => {
    if (mode === 'form') return toTransaction(form);
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (e) {
      throw new ApiError(400, 'invalid_input', '', `The JSON does not parse: ${(e as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ApiError(400, 'invalid_input', '', 'A transaction is a JSON object');
    }
    return parsed as Record<string, unknown>;
  };

  const run = async (tx: Record<string, unknown>, reserve: boolean) => {
    setBusy(true);
    setError('');
    try {
      const asOf = typeof tx.as_of === 'string' ? tx.as_of : undefined;
      const before = reserve ? await balancesByAccount(api, asOf ?? '') : null;
      const d = await api.post('/v1/check', reserve ? { ...tx, reserve: true } : tx);
      let change: AllocationChange[] | null = null;
      if (reserve && before) {
        const after = await balancesByAccount(api, asOf ?? '');
        change = (d.ledger_postings ?? []).map((p: any) => {
          const k = `${p.account}|${p.period}`;
          const a = after.get(k);
          const b = before.get(k);
          return {
            account: p.account, period: p.period, citation: a?.citation,
            before_tpp: b ? b.remaining_tpp : a ? a.cap_tpp : null,
            after_tpp: a ? a.remaining_tpp : null, cap_tpp: a?.cap_tpp ?? null,
            reserved_tpp: p.tpp, after_h100: a ? a.remaining_h100 : null,
          };
        });
      }
      performance.mark('decision-response');
      setLastTx(tx);
      setDecision(d);
      setAllocation(change);
      requestAnimationFrame(() => resultRef.current?.focus());
    } catch (e) {
      setError(e instanceof ApiError ? e.describe() : String(e));
    } finally {
      setBusy(false);
    }
  };

  const submit = (e: Event) => {
    e.preventDefault();
    try {
      run(transaction(), false);
    } catch (err) {
      setError(err instanceof ApiError ? err.describe() : String(err));
    }
  };

  const switchMode = (m: 'form' | 'json') => {
    if (m === 'json' && !json.trim()) setJson(JSON.stringify(toTransaction(form), null, 2));
    setMode(m);
  };

  const loadFile = async (e: Event) => {
    const file = (e.currentTarget as HTMLInputElement).files?.[0];
    if (file) setJson(await file.text());
  };

  return (
    <div class="check">
      <h1>Check an order</h1>
      <form onSubmit={submit} class="no-print" aria-describedby={error ? 'check-error' : undefined}>
        <div role="group" aria-label="Input" class="tabs">
          <button type="button" aria-pressed={mode === 'form'} onClick={() => switchMode('form')}>Form</button>
          <button type="button" aria-pressed={mode === 'json'} onClick={() => switchMode('json')}>Paste JSON</button>
        </div>
        {mode === 'form' ? (
          <>
            <fieldset>
              <legend>Order</legend>
              <div class="grid">
                <div class="field"><label for="reference">Reference</label>
                  <input id="reference" value={form.reference} onInput={(e) => set({ reference: e.currentTarget.value })} /></div>
                <div class="field"><label for="as-of">Date (as of)</label>
                  <input id="as-of" type="date" min="2023-11-17" required value={form.as_of} onInput={(e) => set({ as_of: e.currentTarget.value })} /></div>
                <div class="field"><label for="posture">Posture</label>
                  <select id="posture" value={form.posture} onChange={(e) => set({ posture: e.currentTarget.value })}>
                    <option value="enforced">enforced</option><option value="codified">codified</option></select></div>
                <div class="field"><label for="activity">Activity</label>
                  <select id="activity" value={form.activity} onChange={(e) => set({ activity: e.currentTarget.value })}>
                    {['export', 'reexport', 'transfer', 'use'].map((a) => <option key={a} value={a}>{a}</option>)}</select></div>
                <div class="field"><label for="destination">Destination</label>
                  <input id="destination" list="country-list" required value={form.destination} placeholder="ISO code or name"
                    onInput={(e) => set({ destination: e.currentTarget.value })} />
                  <datalist id="country-list">{countries.map((c) => <option key={c.code} value={c.code}>{c.name}</option>)}</datalist></div>
              </div>
            </fieldset>
            <fieldset>
              <legend>Items</legend>
              <ChipPicker chips={chips} onPick={(name) => set({ items: [...form.items, { chip: name, quantity: '1' }] })} />
              <SpecsForm onAdd={(specs) => set({ items: [...form.items, { specs, quantity: '1' }] })} />
              {form.items.length === 0 ? <p class="hint">Pick a chip above, or describe one by its specs, to add it.</p> : (
                <table class="rows" data-testid="order-items">
                  <thead><tr><th scope="col">Chip</th><th scope="col">Quantity</th><th scope="col"><span class="sr-only">Remove</span></th></tr></thead>
                  <tbody>
                    {form.items.map((it, i) => (
                      <tr key={i}>
                        <td>{itemLabel(it)}{it.specs && <div class="hint">{specsSummary(it.specs)}</div>}</td>
                        <td><input type="number" min="1" step="1" required aria-label={`Quantity of ${itemLabel(it)}`} value={it.quantity}
                          onInput={(e) => setItem(i, { quantity: e.currentTarget.value })} /></td>
                        <td><button type="button" class="secondary" aria-label={`Remove ${itemLabel(it)}`}
                          onClick={() => set({ items: form.items.filter((_, j) => j !== i) })}>Remove</button></td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </fieldset>
            <fieldset>
              <legend>Parties</legend>
              {form.parties.map((p, i) => (
                <div class="grid party" key={i} role="group" aria-label={`Party ${i + 1}`}>
                  <div class="field"><label for={`party-role-${i}`}>Role</label>
                    <select id={`party-role-${i}`} value={p.role} onChange={(e) => setParty(i, { role: e.currentTarget.value })}>
                      {ROLES.map((r) => <option key={r} value={r}>{r.replace(/_/g, ' ')}</option>)}</select></div>
                  <div class="field"><label for={`party-name-${i}`}>Name</label>
                    <input id={`party-name-${i}`} value={p.name} onInput={(e) => setParty(i, { name: e.currentTarget.value })} /></div>
                  <div class="field"><label for={`party-country-${i}`}>Country</label>
                    <input id={`party-country-${i}`} list="country-list" value={p.country} onInput={(e) => setParty(i, { country: e.currentTarget.value })} /></div>
                  <div class="field"><label for={`party-hq-${i}`}>Headquarters</label>
                    <input id={`party-hq-${i}`} list="country-list" value={p.headquarters} onInput={(e) => setParty(i, { headquarters: e.currentTarget.value })} /></div>
                  <div class="field"><label for={`party-parent-${i}`}>Ultimate parent HQ</label>
                    <input id={`party-parent-${i}`} list="country-list" value={p.ultimate_parent_headquarters} onInput={(e) => setParty(i, { ultimate_parent_headquarters: e.currentTarget.value })} /></div>
                  <div class="field"><button type="button" class="secondary" onClick={() => set({ parties: form.parties.filter((_, j) => j !== i) })}>Remove party {i + 1}</button></div>
                  <Owners party={i} owners={p.owners} onChange={(owners) => setParty(i, { owners })} />
                </div>
              ))}
              <button type="button" class="secondary" onClick={() => set({ parties: [...form.parties, emptyParty('end_user')] })}>Add a party</button>
            </fieldset>
            <fieldset>
              <legend>End use</legend>
              <div class="grid">
                <div class="field"><label for="training-for">AI model training for a company headquartered in</label>
                  <input id="training-for" list="country-list" value={form.training_for} onInput={(e) => set({ training_for: e.currentTarget.value })} /></div>
                <TriSelect id="technical-evaluation" label="Technical evaluation" value={form.technical_evaluation} onChange={(v) => set({ technical_evaluation: v })} />
                <TriSelect id="supercomputer" label="Supercomputer end use in the PRC or Macau" value={form.supercomputer_prc_macau} onChange={(v) => set({ supercomputer_prc_macau: v })} />
                <TriSelect id="footnote-entity" label="For an Entity List footnote 1 or 4 entity" value={form.for_footnote_1_4_entity} onChange={(v) => set({ for_footnote_1_4_entity: v })} />
              </div>
            </fieldset>
            <fieldset>
              <legend>Certifications</legend>
              <p class="hint">Left unknown, a certification is not assumed; the decision says what giving it would change.</p>
              <div class="grid">
                {H200_CERTS.map(([k, label]) => (
                  <TriSelect key={k} id={`h200-${k}`} label={`H200 rule: ${label}`} value={form.h200[k] ?? ''}
                    onChange={(v) => set({ h200: { ...form.h200, [k]: v } })} />
                ))}
                <TriSelect id="aia-certification" label="AIA certification (15 CFR 740.27)" value={form.aia_certification} onChange={(v) => set({ aia_certification: v })} />
                <TriSelect id="weights-storage" label="Model weights kept in secure storage" value={form.model_weights_secure_storage} onChange={(v) => set({ model_weights_secure_storage: v })} />
              </div>
            </fieldset>
          </>
        ) : (
          <fieldset>
            <legend>Transaction JSON</legend>
            <label for="tx-json">Paste a transaction (the format of docs/openapi.json)</label>
            <textarea id="tx-json" rows={14} spellcheck={false} value={json} onInput={(e) => setJson(e.currentTarget.value)} />
            <label for="tx-file">Or load a file</label>
            <input id="tx-file" type="file" accept=".json,application/json" onChange={loadFile} />
          </fieldset>
        )}
        <div class="actions">
          <button type="submit" disabled={busy}>Check</button>
          {busy && <span role="status">Checking…</span>}
        </div>
        {error && <p id="check-error" role="alert" class="error">{error}</p>}
      </form>
      <div ref={resultRef} tabIndex={-1} aria-live="polite" class="result">
        {decision && (
          <DecisionCard d={decision} api={api} canReserve={canReserve} busy={busy} allocation={allocation}
            onReserve={() => lastTx && run(lastTx, true)} />
        )}
      </div>
    </div>
  );
}
