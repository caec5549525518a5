// The console in a real browser: `exportctl serve` on a fresh data directory on 127.0.0.1,
// Debian's chromium driven headless by playwright-core, and axe-core on every screen.
//
//   EXPORTCTL_BINARY=build/exportctl NODE_PATH=build/console/node_modules node console/tests/browser.cjs
//
// Without chromium the run is skipped (exit 77) on a developer's machine and fails in CI
// (CI=true), where scripts/install-deps.sh installs it. EXPORTCTL_CONSOLE_SCREENSHOTS=DIR saves a
// screenshot of every screen (docs/console/ holds the committed ones).
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const assert = require('node:assert/strict');

const binary = process.env.EXPORTCTL_BINARY;
const chromiumPath = process.env.EXPORTCTL_CHROMIUM || '/usr/bin/chromium';
const shots = process.env.EXPORTCTL_CONSOLE_SCREENSHOTS || '';
const only = process.env.EXPORTCTL_CONSOLE_TESTS ? process.env.EXPORTCTL_CONSOLE_TESTS.split(',') : null;

if (!binary) {
  console.error('set EXPORTCTL_BINARY to the exportctl binary');
  process.exit(2);
}
if (!fs.existsSync(chromiumPath)) {
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  console.error(`${chromiumPath} not found: install Debian's chromium (scripts/install-deps.sh)` +
    (ci ? '; CI=true, so this is a failure' : '; skipping the browser tests'));
  process.exit(ci ? 1 : 77);
}
const { chromium } = require('playwright-core');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// ---- A fresh server --------------------------------------------------------------------------

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'exportctl-console-'));
function createKey(role) {
  const out = execFileSync(binary, ['keys', 'create', '--role', role, '--label', `console ${role}`, '--data-dir', dataDir, '--json']);
  return JSON.parse(out.toString()).key;
}

// A dated list (age 0 days, so not stale): an Entity List entry with its own license terms, and
// one whose name is markup (list entries are outside data).
const LIST_HEADER = '_id,source,entity_number,type,programs,name,title,addresses,federal_register_notice,start_date,end_date,standard_order,license_requirement,license_policy,call_sign,vessel_type,gross_tonnage,gross_registered_tonnage,vessel_flag,vessel_owner,remarks,source_list_url,alt_names,citizenships,dates_of_birth,nationalities,places_of_birth,source_information_url,ids';
function listRow(id, name, country, requirement, policy) {
  const cells = Array(29).fill('');
  cells[0] = id;
  cells[1] = 'Entity List (EL) - Bureau of Industry and Security';
  cells[5] = name;
  cells[7] = `1 Example Road, Example City, ${country}`;
  cells[8] = '89 FR 12345';
  cells[9] = '2024-03-01';
  cells[12] = requirement;
  cells[13] = policy;
  return cells.map((c) => `"${c.replace(/"/g, '""')}"`).join(',');
}
// The list the flows start with; a flow may import it again with rows added (a list update).
function importLists(added = []) {
  const day = new Date().toISOString().slice(0, 10);
  const file = path.join(dataDir, `consolidated_${day}.csv`);
  fs.writeFileSync(file, [LIST_HEADER,
    listRow('console-test-1', 'Orion Quantum Devices Limited', 'HK', 'For all items subject to the EAR', 'Presumption of denial'),
    listRow('console-test-2', '<img src=x onerror=alert(2)>', 'HK', 'For all items subject to the EAR', 'Case-by-case review'),
    ...added,
  ].join('\n') + '\n');
  execFileSync(binary, ['lists', 'import', file, '--data-dir', dataDir, '--json']);
}

function startServer() {
  return new Promise((resolve, reject) => {
    const proc = spawn(binary, ['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 30000);
    proc.stderr.on('data', (chunk) => {
      err += chunk;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: m[1] });
      }
    });
    proc.on('exit', (code) => reject(new Error(`serve exited (${code}): ${err}`)));
  });
}

// ---- Helpers ---------------------------------------------------------------------------------

async function axeCheck(page, screen) {
  // Evaluated through the DevTools protocol, not a <script>: the page's CSP stays as served.
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`), [],
    `accessibility violations on ${screen}`);
}

async function shot(page, name) {
  if (!shots) return;
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

async function signIn(page, url, key, role) {
  await page.goto(url + '/');
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('role').filter({ hasText: role }).waitFor();
}

async function fillOrder(page, { chip, quantity, destination, asOf, posture, party }) {
  await page.getByLabel('Search the chip catalog').fill(chip);
  await page.getByRole('button', { name: new RegExp(chip) }).first().click();
  await page.getByLabel(new RegExp(`Quantity of ${chip}`)).fill(String(quantity));
  await page.getByLabel('Destination', { exact: true }).fill(destination);
  await page.getByLabel('Date (as of)').fill(asOf);
  await page.getByLabel('Posture', { exact: true }).selectOption(posture);
  await page.locator('#party-name-0').fill(party);
  await page.locator('#party-country-0').fill(destination);
  await page.locator('#party-hq-0').fill(destination);
  await page.locator('#party-parent-0').fill(destination);
}

const malaysia = { chip: 'H100 SXM5 80GB', destination: 'MY', asOf: '2025-09-01', posture: 'codified', party: 'Contoh Cloud Sdn Bhd' };

// ---- The flows -------------------------------------------------------------------------------

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test('headers', async ({ url }) => {
  const res = await fetch(url + '/');
  assert.equal(res.status, 200);
  const csp = res.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(res.headers.get('set-cookie'), null);
  const js = await fetch(url + '/console/app.js');
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
  assert.equal((await fetch(url + '/console/nope.js')).status, 404);
  assert.equal((await fetch(url + '/v1/me')).status, 401);
});

test('sign in: a bad key is refused, a good one kept in the tab only', async ({ page, url, keys }) => {
  const started = Date.now();
  await page.goto(url + '/');
  await page.getByLabel('API key').waitFor();
  const firstScreen = Date.now() - started;
  // The first screen loads only the code it needs (the world map's comes with its screen).
  const scriptBytes = await page.evaluate(() => performance.getEntriesByType('resource')
    .filter((e) => /\.js$/.test(e.name)).reduce((n, e) => n + e.decodedBodySize, 0));
  assert.ok(scriptBytes > 0 && scriptBytes <= 100000, `the sign-in screen loaded ${scriptBytes} bytes of script`);
  await axeCheck(page, 'sign in');
  await shot(page, 'sign-in');
  await page.getByLabel('API key').fill('exk_0000000000000000_nope');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: /invalid or revoked/ }).waitFor();
  await signIn(page, url, keys.analyst, 'analyst');
  assert.ok(!page.url().includes(keys.analyst), 'the key is not in the URL');
  assert.equal(await page.evaluate(() => document.cookie), '');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('exportctl.apiKey')), keys.analyst);
  await page.reload();
  await page.getByTestId('role').filter({ hasText: 'analyst' }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('exportctl.apiKey')), null);
  return { first_screen_ms: firstScreen, first_screen_script_bytes: scriptBytes };
});

test('check an order: citations linked to the eCFR, the other posture beside it', async ({ page, url, keys }) => {
  await signIn(page, url, keys.analyst, 'analyst');
  await fillOrder(page, { ...malaysia, quantity: 2000 });
  const started = Date.now();
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  const card = page.getByTestId('decision');
  await card.getByTestId('outcome').first().filter({ hasText: 'LICENSE REQUIRED' }).waitFor();
  const rendered = Date.now() - started;
  const renderMs = await page.evaluate(() => performance.getEntriesByName('decision-render').at(-1)?.duration);
  // The target is 100 ms (docs/PERFORMANCE.md); the guard is looser, for a loaded CI machine.
  assert.ok(renderMs !== undefined && renderMs <= 500, `the card took ${renderMs} ms after the response`);
  const cite = card.getByTestId('reasons').getByRole('link', { name: '15 CFR 742.6(a)(6)(iii)(A)' });
  assert.equal(await cite.getAttribute('href'), 'https://www.ecfr.gov/current/title-15/part-742/section-742.6#p-742.6(a)(6)(iii)(A)');
  const postures = card.getByTestId('postures');
  assert.match(await postures.innerText(), /codified \(this decision\)[\s\S]*LICENSE REQUIRED[\s\S]*enforced \(other posture\)[\s\S]*NO LICENSE REQUIRED/);
  const items = await card.getByTestId('items').innerText();
  assert.match(items, /H100 SXM5 80GB\s+3A090\.a \(a\.1\)\s+15,832\s+19\.45\s+2,000\s+2,000/);
  await card.getByTestId('chain').filter({ hasText: /record \d+ of the audit chain/ }).waitFor();
  assert.equal(await card.getByRole('button', { name: 'Reserve allocation' }).count(), 0, 'an analyst cannot reserve');
  await axeCheck(page, 'check an order (decision card)');
  await shot(page, 'check-an-order');
  // The printed record: no navigation, no form, one page.
  await page.emulateMedia({ media: 'print' });
  await shot(page, 'decision-record-print');
  assert.equal(await page.locator('header.top').isVisible(), false);
  assert.equal(await page.locator('form').isVisible(), false);
  const pdf = await page.pdf({ format: 'A4', printBackground: false });
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert.ok(pages === 1, `the decision record prints on ${pages} pages`);
  await page.emulateMedia({ media: 'screen' });
  return { click_to_card_ms: rendered, render_ms: Math.round(renderMs * 10) / 10, print_pages: pages };
});

test('paste JSON; a hostile party name renders as text', async ({ page, url, keys }) => {
  const probe = '<img src=x onerror=alert(1)>';
  let dialogs = 0;
  page.on('dialog', async (d) => { dialogs++; await d.dismiss(); });
  await signIn(page, url, keys.analyst, 'analyst');
  await page.getByRole('button', { name: 'Paste JSON' }).click();
  const tx = { reference: probe, as_of: '2025-06-01', destination: 'DE', items: [{ chip: 'H100 SXM5 80GB', quantity: 8 }],
    parties: [{ role: 'ultimate_consignee', name: probe, country: 'DE', headquarters: 'DE', ultimate_parent_headquarters: 'DE' }] };
  await page.getByLabel(/Paste a transaction/).fill(JSON.stringify(tx));
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  const card = page.getByTestId('decision');
  await card.getByTestId('party-name').first().waitFor();
  assert.equal(await card.getByTestId('party-name').first().textContent(), probe);
  assert.equal(await page.locator('img').count(), 0, 'no element was made from the name');
  await page.waitForTimeout(200);
  assert.equal(dialogs, 0);
  // Bad JSON is an error in place, not a crash.
  await page.getByLabel(/Paste a transaction/).fill('{"destination": ');
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: /does not parse/ }).waitFor();
});

test('check an order: explicit specs, owners, certifications, an uploaded file', async ({ page, url, keys }) => {
  await signIn(page, url, keys.analyst, 'analyst');
  const card = page.getByTestId('decision');
  const check = async () => {
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await card.getByTestId('outcome').first().waitFor();
  };
  // A chip not in the catalog, by its specs: classified from them.
  await page.getByText('Or describe a chip by its specs').click();
  await page.getByLabel('Vendor', { exact: true }).fill('Acme');
  await page.getByLabel('Model', { exact: true }).fill('X1');
  await page.getByLabel('TPP', { exact: true }).fill('5000');
  await page.getByLabel('Die area (mm²)').fill('600');
  await page.getByLabel('Designed or marketed for datacenters').selectOption('true');
  await page.getByRole('button', { name: 'Add this chip' }).click();
  await page.getByLabel('Quantity of Acme X1 (specs)').fill('10');
  await page.getByLabel('Destination', { exact: true }).fill('MY');
  await page.getByLabel('Date (as of)').fill('2025-10-01');
  await page.locator('#party-name-0').fill('Contoh Cloud Sdn Bhd');
  for (const f of ['#party-country-0', '#party-hq-0', '#party-parent-0']) await page.locator(f).fill('MY');
  // An owner on the Entity List (imported by this test) with 60 %: the Affiliates Rule, in force then.
  await page.getByRole('button', { name: 'Add an owner of party 1' }).click();
  await page.getByLabel('Owner 1 of party 1').fill('Orion Quantum Devices Limited');
  await page.getByLabel('Share (%), empty if unknown').fill('60');
  await page.getByLabel("Owner's country").fill('HK');
  await page.getByLabel("Owner's headquarters").fill('HK');
  await check();
  assert.match(await card.getByTestId('items').innerText(), /Acme X1\s+3A090\.a \(a\.1\)\s+5,000/);
  const reasons = await card.getByTestId('reasons').innerText();
  assert.match(reasons, /60% owned by parties covered by the Affiliates Rule/);
  assert.match(reasons, /Orion Quantum Devices Limited/);
  await axeCheck(page, 'check an order (specs, owners, certifications)');
  await shot(page, 'check-an-order-form');

  // The H200 rule's certifications, given in the form, move the review policy.
  await page.getByRole('button', { name: 'Remove Acme X1 (specs)' }).click();
  await page.getByRole('button', { name: 'Remove owner 1' }).click();
  await page.getByLabel('Search the chip catalog').fill('H200 SXM 141GB');
  await page.getByRole('button', { name: /H200 SXM 141GB/ }).first().click();
  await page.getByLabel('Quantity of H200 SXM 141GB').fill('256');
  await page.getByLabel('Destination', { exact: true }).fill('CN');
  await page.getByLabel('Date (as of)').fill('2026-03-02');
  await page.locator('#party-name-0').fill('Example Internet Co');
  for (const f of ['#party-country-0', '#party-hq-0', '#party-parent-0']) await page.locator(f).fill('CN');
  await check();
  await card.getByTestId('items').filter({ hasText: 'H200 SXM 141GB' }).waitFor();
  assert.match(await card.innerText(), /Review policy\s+presumption of denial/);
  for (const label of ['Sufficient US supply', 'No foundry capacity diverted', 'China volume within half of US volume',
    'Know-your-customer and remote-access controls', 'Third-party testing in the US']) {
    await page.getByLabel(`H200 rule: ${label}`).selectOption('true');
  }
  await check();
  await card.filter({ hasText: /Review policy\s*case by case/ }).waitFor();
  assert.match(await card.getByTestId('reasons').innerText(), /h200|H200/);

  // A transaction's JSON loaded from a file.
  await page.getByRole('button', { name: 'Paste JSON' }).click();
  const tx = { reference: 'UPLOADED-1', as_of: '2025-06-01', destination: 'DE', items: [{ chip: 'H100 SXM5 80GB', quantity: 8 }],
    parties: [{ role: 'ultimate_consignee', name: 'Beispiel GmbH', country: 'DE', headquarters: 'DE', ultimate_parent_headquarters: 'DE' }] };
  await page.getByLabel('Or load a file').setInputFiles({ name: 'order.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(tx)) });
  await page.waitForFunction(() => document.querySelector('#tx-json').value.includes('UPLOADED-1'));
  await check();
  await card.getByRole('heading', { name: 'Decision for UPLOADED-1' }).waitFor();
});

test('an officer reserves and sees the allocation drop', async ({ page, url, keys }) => {
  await signIn(page, url, keys.officer, 'officer');
  const remaining = [];
  for (const quantity of [100, 50]) {
    await page.getByRole('link', { name: 'Check an order' }).click();
    if (remaining.length) await page.getByRole('button', { name: /^Remove H100/ }).click();
    await fillOrder(page, { ...malaysia, quantity });
    await page.getByLabel('Reference').fill(`SO-${quantity}`);
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    const card = page.getByTestId('decision');
    await card.getByTestId('outcome').first().filter({ hasText: 'LICENSE EXCEPTION' }).waitFor();
    await card.getByRole('button', { name: 'Reserve allocation' }).click();
    const alloc = card.getByTestId('allocation');
    await alloc.waitFor();
    const before = Number((await alloc.getByTestId('remaining-before').first().textContent()).replace(/,/g, ''));
    const after = Number((await alloc.getByTestId('remaining-after').first().textContent()).replace(/,/g, ''));
    assert.equal(before - after, quantity * 15832, `reserving ${quantity} H100s takes their TPP`);
    remaining.push(after);
  }
  assert.ok(remaining[1] < remaining[0]);
  await page.getByRole('link', { name: 'Allocations' }).click();
  await page.getByLabel('Balances on').fill('2025-09-01');
  const row = page.getByTestId('balances').locator('tr', { hasText: 'lpp:contoh cloud' }).filter({ hasText: '2025' });
  await row.waitFor();
  assert.match(await row.innerText(), new RegExp(remaining[1].toLocaleString('en-US')));
  await row.getByRole('button').click();
  await page.getByRole('heading', { name: /Postings of lpp:contoh cloud/ }).waitFor();
  await page.getByRole('cell', { name: 'SO-50' }).waitFor();
  // The account's drawdown over time: both reservations held on their date, under the cap.
  const chart = page.getByTestId('drawdown-chart');
  await chart.waitFor();
  const held = (150 * 15832).toLocaleString('en-US');
  assert.match(await chart.locator('svg').getAttribute('aria-label'), new RegExp(`now 0 TPP used and ${held} reserved of [\\d,]+`));
  assert.equal(await chart.getByTestId('chart-cap').count(), 1);
  assert.match(await chart.getByTestId('chart-held').getAttribute('d'), /^M[\d.]+,[\d.]+H/);
  assert.match(await chart.locator('table').textContent(), new RegExp(`2025-09-010${held}`));
  await axeCheck(page, 'allocations');
  await shot(page, 'allocations');
});

test('a viewer cannot check or reserve', async ({ page, url, keys }) => {
  await signIn(page, url, keys.viewer, 'viewer');
  assert.equal(await page.getByRole('link', { name: 'Check an order' }).count(), 0);
  await page.goto(url + '/#/check');
  await page.getByRole('heading', { name: 'Allocations' }).waitFor();
  assert.equal(await page.getByRole('button', { name: /Reserve/ }).count(), 0);
  // The API refuses it too, whatever the page shows.
  const status = await page.evaluate(async (key) => {
    const r = await fetch('/v1/check', { method: 'POST', headers: { Authorization: `Bearer ${key}` },
      body: JSON.stringify({ as_of: '2025-09-01', destination: 'MY', items: [{ chip: 'H100 SXM5 80GB', quantity: 1 }], reserve: true }) });
    return r.status;
  }, keys.viewer);
  assert.equal(status, 403);
});

test('batch: progress, a bad line in place, filters and downloads', async ({ page, url, keys }) => {
  await signIn(page, url, keys.analyst, 'analyst');
  await page.getByRole('link', { name: 'Batch' }).click();
  const line = (ref, dest, chip, quantity) => JSON.stringify({ reference: ref, as_of: '2025-06-01', destination: dest,
    items: [{ chip, quantity }], parties: [{ role: 'ultimate_consignee', name: `Customer ${ref}`, country: dest, headquarters: dest, ultimate_parent_headquarters: dest }] });
  const text = [line('B-1', 'DE', 'H100 SXM5 80GB', 8), '{"destination": "CN", "items": [', '', line('B-3', 'CN', 'H100 SXM5 80GB', 8)].join('\n');
  await page.getByLabel(/Or paste them/).fill(text);
  await page.getByRole('button', { name: 'Check every line' }).click();
  await page.getByTestId('batch-status').filter({ hasText: '3 of 3 lines checked' }).waitFor();
  assert.equal(await page.locator('#batch-progress').evaluate((p) => p.value), 3);
  const table = page.getByTestId('batch-table');
  assert.equal(await table.locator('tbody tr').count(), 3);
  const bad = table.locator('tr.bad-line');
  assert.equal(await bad.locator('td').first().textContent(), '2', 'the bad line keeps its line number');
  assert.ok((await bad.getByTestId('line-error').textContent()).length > 0);
  assert.match(await table.innerText(), /B-1\s+DE\s+NO LICENSE REQUIRED/);
  await page.getByLabel('Show').selectOption('ERROR');
  assert.equal(await table.locator('tbody tr').count(), 1);
  await page.getByLabel('Show').selectOption('all');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  const csv = fs.readFileSync(await download.path(), 'utf8').trim().split('\n');
  assert.equal(csv.length, 4);
  assert.match(csv[0], /^line,reference,destination,outcome/);
  assert.match(csv[2], /^2,,,ERROR,/);
  await axeCheck(page, 'batch');
  await shot(page, 'batch');
});

test('batch: a CSV file of orders, bad lines in place', async ({ page, url, keys }) => {
  await signIn(page, url, keys.analyst, 'analyst');
  await page.getByRole('link', { name: 'Batch' }).click();
  const csv = [
    'reference,as_of,destination,chip,quantity,consignee,consignee_country,consignee_headquarters,consignee_ultimate_parent_headquarters',
    'C-1,2025-06-01,DE,H100 SXM5 80GB,8,"Beispiel, GmbH",DE,DE,DE',
    'C-2,2025-06-01,DE,H100 SXM5 80GB,ten,Beispiel GmbH,DE,DE,DE',
    'C-3,2025-06-01,CN,H100 SXM5 80GB,8',
    '',
    'C-5,2025-06-01,CN,H100 SXM5 80GB,8,Example Internet Co,CN,CN,CN',
  ].join('\r\n') + '\r\n';
  await page.getByLabel(/Upload a JSON lines \(\.jsonl\) or CSV/).setInputFiles({ name: 'orders.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByText('(loaded orders.csv)').waitFor();
  await page.getByRole('button', { name: 'Check every line' }).click();
  await page.getByTestId('batch-status').filter({ hasText: '4 of 4 lines checked' }).waitFor();
  const table = page.getByTestId('batch-table');
  const rows = table.locator('tbody tr');
  assert.equal(await rows.count(), 4);
  assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.cells[0].textContent)), ['2', '3', '4', '6']);
  assert.match(await rows.nth(0).innerText(), /C-1\s+DE\s+NO LICENSE REQUIRED/);
  assert.match(await rows.nth(1).innerText(), /field items\[0\]\.quantity/, 'the server names the bad cell\'s field');
  assert.match(await rows.nth(2).innerText(), /field csv\s+5 cells for 9 columns/);
  assert.match(await rows.nth(3).innerText(), /C-5\s+CN\s+LICENSE REQUIRED/);
  // The decision of line 2 names the consignee from the quoted cell.
  const id = await rows.nth(0).locator('code').textContent();
  const decision = await page.evaluate(async ({ key, id }) => {
    const r = await fetch(`/v1/decisions/${id}`, { headers: { Authorization: `Bearer ${key}` } });
    return r.text();
  }, { key: keys.analyst, id });
  assert.match(decision, /Beispiel, GmbH/);
  // A header the page cannot read is refused before anything is sent.
  await page.getByLabel(/Or paste them/).fill('reference,destinaton,chip,quantity\nX,DE,H100 SXM5 80GB,1\n');
  await page.getByLabel('Read as').selectOption('csv');
  await page.getByRole('button', { name: 'Check every line' }).click();
  await page.getByRole('alert').filter({ hasText: /unknown column "destinaton"/ }).waitFor();
  await axeCheck(page, 'batch (CSV)');
});

test('simulate: orders and demand under three policy sets, flips, exhausted allocations, errors by line', async ({ page, url, keys }) => {
  await signIn(page, url, keys.analyst, 'analyst');
  await page.getByRole('link', { name: 'Simulate' }).click();
  await page.getByRole('heading', { name: 'Simulate', level: 1 }).waitFor();
  // An Indian-headquartered consignee in Germany: License Exception LPP allows 26,900,000 TPP a
  // year under the codified posture (1,699 H100s), so the second order of 1,000 runs it out.
  const order = (ref, date, dest, qty, hq = 'IN') => JSON.stringify({ reference: ref, as_of: date, destination: dest,
    items: [{ chip: 'H100 SXM5 80GB', quantity: qty }],
    parties: [{ role: 'ultimate_consignee', name: 'Delhi Compute GmbH', country: dest, headquarters: hq, ultimate_parent_headquarters: hq }] });
  const good = [order('SIM-1', '2025-06-02', 'DE', 1000), order('SIM-2', '2025-06-03', 'DE', 1000), order('SIM-3', '2025-06-04', 'AE', 100, 'AE')];
  // A bad line: the server's error names the line and field, shown as the page says it.
  await page.getByLabel('Or paste them', { exact: true }).first().fill([good[0], order('SIM-X', '2025-06-02', 'DE', -3)].join('\n'));
  await page.getByRole('button', { name: 'Run the simulation' }).click();
  const err = page.getByTestId('simulate-error');
  await err.waitFor();
  assert.match(await err.innerText(), /orders line 2, field items\[0\]\.quantity; field orders:2\.items\[0\]\.quantity/);
  // Orders pasted, demand uploaded as a file; the UAE partnership (bundled, announced) chosen
  // by keyboard as a third policy set.
  await page.getByLabel('Or paste them', { exact: true }).first().fill(good.join('\n'));
  await page.getByLabel(/Demand as CSV/).setInputFiles({ name: 'demand.csv', mimeType: 'text/csv',
    buffer: Buffer.from('country,quarter,chip,quantity,consignee_profile,orders\nAE,2026-Q1,H100 SXM5 80GB,200,local,2\n') });
  await page.waitForFunction(() => document.querySelector('#sim-demand').value.includes('AE,2026-Q1'));
  await page.locator('#sim-overlay-us-uae-ai-acceleration-partnership-2025').focus();
  await page.keyboard.press('Space');
  assert.equal(await page.locator('#sim-overlay-us-uae-ai-acceleration-partnership-2025').isChecked(), true);
  await page.getByRole('button', { name: 'Run the simulation' }).focus();
  await page.keyboard.press('Enter');
  const results = page.getByTestId('simulate-results');
  await results.waitFor();
  assert.match(await results.getByRole('heading', { level: 2 }).innerText(), /^5 orders under 3 policy sets/);
  const totals = await page.getByTestId('simulate-totals').innerText();
  assert.match(totals, /enforced\s+NO LICENSE REQUIRED\s+2\s+2,000\s+31,664,000/);
  assert.match(totals, /codified\s+LICENSE REQUIRED\s+1\s+1,000\s+15,832,000/);
  assert.match(totals, /codified-with-agreements\s+LICENSE EXCEPTION/);
  const chart = await page.getByTestId('simulate-chart').locator('svg').getAttribute('aria-label');
  assert.match(chart, /^Orders by outcome per policy set: enforced: 2 no license required, 3 license required; codified: 4 license exception, 1 license required; codified-with-agreements: /);
  // SIM-2 flips: no license needed as enforced, LPP exhausted as codified; the first differing
  // reason is cited.
  const flips = page.getByTestId('simulate-flips');
  const sim2 = flips.locator('tr').filter({ hasText: 'SIM-2' });
  assert.match(await sim2.innerText(), /NO LICENSE REQUIRED/);
  assert.ok(await sim2.locator('a.cite').count() > 0, 'the first differing reason is cited');
  const exhausted = await page.getByTestId('simulate-exhausted').innerText();
  assert.match(exhausted, /codified\s+lpp:delhi compute\s+2025\s+26,900,000\s+2025-06-03\s+SIM-2\s+11,068,000/,
    'the LPP allowance runs out under the codified posture');
  assert.doesNotMatch(exhausted, /enforced/, 'nothing runs out as enforced');
  await axeCheck(page, 'simulate');
  await shot(page, 'simulate');
});

test('licenses: the attention flag, one license with its drawdowns', async ({ page, url, keys }) => {
  const post = async (path, body, key = keys.officer) => {
    const r = await fetch(url + path, { method: 'POST', headers: { Authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
    const text = await r.text();
    assert.equal(r.status, 200, `${path}: ${text}`);
    return JSON.parse(text);
  };
  const day = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
  await post('/v1/licenses', JSON.parse(fs.readFileSync(path.join(__dirname, '../../examples/license-d1234567.json'), 'utf8')));
  await post('/v1/licenses', { number: 'D7654321', holder: 'Example Exporter Inc', issued: day(-300), expires: day(10),
    destinations: ['SA'], items: [{ eccn: '3A090.a', quantity: 500 }], tpp_limit: null, value_usd_limit: null,
    parties: [{ role: 'ultimate_consignee', name: '<img src=x onerror=alert(3)>', country: 'SA' }], conditions: ['Quarterly end-use reports'] });
  const order = JSON.parse(fs.readFileSync(path.join(__dirname, '../../examples/09-b300-to-uae-licensed.json'), 'utf8'));
  const d = await post('/v1/check', { ...order, reserve: true });
  assert.equal(d.outcome, 'LICENSED');

  await signIn(page, url, keys.viewer, 'viewer');
  await page.getByRole('link', { name: 'Licenses' }).click();
  const list = page.getByTestId('licenses');
  await list.getByRole('cell', { name: 'D7654321' }).waitFor();
  assert.match(await page.getByTestId('licenses-summary').textContent(), /2 licenses; 1 needs attention/);
  const soon = list.locator('tr', { hasText: 'D7654321' });
  assert.match(await soon.getByTestId('attention').textContent(), /expires/);
  assert.equal(await list.locator('tr', { hasText: 'D1234567' }).getByTestId('attention').textContent(), '—');
  await page.getByLabel('Only those needing attention').check();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="licenses"] tbody tr').length === 1);
  await page.getByRole('button', { name: 'Show license D7654321' }).click();
  const detail = page.getByTestId('license-detail');
  await detail.getByText('<img src=x onerror=alert(3)> (ultimate consignee, SA)').waitFor();
  assert.equal(await page.locator('img').count(), 0);
  await page.getByLabel('Only those needing attention').uncheck();
  await page.getByRole('button', { name: 'Show license D1234567' }).click();
  await detail.getByRole('heading', { name: 'License D1234567' }).waitFor();
  await detail.getByTestId('drawdowns').getByRole('cell', { name: 'SO-2026-0917' }).waitFor();
  assert.match(await detail.getByTestId('drawdowns').innerText(), /2026-06-01\s+reserve\s+units\s+1,000\s+reserved\s+SO-2026-0917/);
  assert.match(await detail.getByTestId('drawn-in-period').textContent(), /Drawn from 2026-02-01 to [\d-]+ .*: 1,000 units\./);
  // The report as `exportctl licenses report --csv` writes it.
  const [download] = await Promise.all([page.waitForEvent('download'), detail.getByRole('button', { name: 'Download the report (CSV)' }).click()]);
  const csv = fs.readFileSync(await download.path(), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'license,posting_id,as_of,kind,measure,amount,status,decision_id,transaction_ref,reason');
  assert.match(csv[1], /^D1234567,\d+,2026-06-01,reserve,units,1000,reserved,dec_\w+,SO-2026-0917,$/);
  await shot(page, 'licenses');
  // A period after the shipment: nothing drawn in it.
  await detail.getByLabel('Dated from').fill('2026-07-01');
  await detail.getByTestId('drawn-in-period').filter({ hasText: 'Nothing drawn against this license from 2026-07-01' }).waitFor();
  assert.equal(await detail.getByTestId('remaining-units').textContent(), '34,000');
  assert.match(await detail.getByTestId('drawdown-chart').locator('svg').getAttribute('aria-label'), /1,000 reserved of 35,000/);
  assert.match(await detail.getByTestId('license-versions').innerText(), /1\s+added\s+active\s+2028-01-31/);
  await axeCheck(page, 'licenses');
});

test('world by date: Cambodia leaves D:5', async ({ page, url, keys }) => {
  await signIn(page, url, keys.viewer, 'viewer');
  await page.getByRole('link', { name: 'World by date' }).click();
  await page.getByLabel('Colour by').selectOption('D:5');
  const kh = page.locator('path[data-code="KH"]');
  const fillOn = async (date) => {
    await page.getByLabel('Date', { exact: true }).fill(date);
    await page.locator(`svg.map[data-loaded="${date} enforced"]`).waitFor();
    await page.waitForFunction(() => performance.getEntriesByName('map-redraw').length > 0);
    return kh.getAttribute('class');
  };
  const before = await fillOn('2025-06-01');
  assert.match(before, /\bmember\b/, 'Cambodia is in D:5 on 2025-06-01');
  await kh.click();
  const groups = page.getByTestId('country-detail').getByTestId('country-groups');
  await groups.filter({ hasText: 'D:5' }).waitFor();
  await page.evaluate(() => performance.clearMeasures('map-redraw'));
  const after = await fillOn('2025-12-01');
  assert.match(after, /\bother\b/, 'Cambodia is not in D:5 on 2025-12-01');
  await groups.filter({ hasText: /^D:1$/ }).waitFor();
  const redraw = await page.evaluate(() => performance.getEntriesByName('map-redraw').at(-1).duration);
  // The target is 200 ms (docs/PERFORMANCE.md); the guard is looser, for a loaded CI machine.
  assert.ok(redraw <= 1000, `the map redrew in ${redraw} ms`);
  // A country's allocation (used / reserved / left) and the rules in force on the date.
  const order = JSON.parse(fs.readFileSync(path.join(__dirname, '../../examples/02-h100-to-malaysia-codified.json'), 'utf8'));
  const r = await fetch(url + '/v1/check', { method: 'POST', headers: { Authorization: `Bearer ${keys.officer}` },
    body: JSON.stringify({ ...order, reference: 'WORLD-MY', reserve: true }) });
  const posted = await r.json();
  assert.deepEqual(posted.ledger_postings.map((p) => p.account), ['country:MY']);
  await page.getByLabel('Posture', { exact: true }).selectOption('codified');
  await page.getByLabel('Date', { exact: true }).fill('2025-09-01');
  await page.locator('svg.map[data-loaded="2025-09-01 codified"]').waitFor();
  // By keyboard: the shapes are focusable and Enter opens a country.
  await page.locator('path[data-code="MY"]').focus();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-code')), 'MY', 'the shape takes the focus');
  await page.keyboard.press('Enter');
  const alloc = page.getByTestId('country-detail').getByTestId('country-allocation');
  await alloc.waitFor();
  const text = await alloc.innerText();
  assert.match(text, /Reserved\s+31,664,000 TPP \(2,000 H100-eq\)/);
  const cap = Number(/Cap\s+([\d,]+) TPP/.exec(text)[1].replace(/,/g, ''));
  const used = Number(/Used\s+([\d,]+) TPP/.exec(text)[1].replace(/,/g, ''));
  assert.match(text, new RegExp(`Left\\s+${(cap - used - 31664000).toLocaleString('en-US')} TPP`));
  // The rules that bind an export to Malaysia on the date, as the server's engine finds them: the
  // AI Diffusion rule's worldwide .a requirement, not the HBM rule (D:5 and Macau only) nor the
  // rules of every regime in force.
  const rules = page.getByTestId('country-detail').getByTestId('rules-in-force');
  await rules.getByText('aid.worldwide_a').waitFor();
  const rulesText = await rules.innerText();
  assert.match(rulesText, /ai-diffusion-2025/, 'the codified AI Diffusion rule binds under the codified posture');
  assert.doesNotMatch(rulesText, /hbm\.license|jurisdiction\.|acs\.supercomputer_end_use/, 'only the rules binding Malaysia are listed');
  // Germany under the enforced posture: nothing binds an export there.
  await page.getByLabel('Posture', { exact: true }).selectOption('enforced');
  await page.locator('svg.map[data-loaded="2025-09-01 enforced"]').waitFor();
  await page.locator('path[data-code="DE"]').click();
  await page.getByTestId('country-detail').filter({ hasText: '(DE) on 2025-09-01, enforced' })
    .getByTestId('rules-in-force').filter({ hasText: 'No license requirement or prohibition binds' }).waitFor();
  await page.getByTestId('country-license-area').filter({ hasText: /^outside/ }).waitFor();
  // Coloured by the license area the server states: China and the UAE (named) in it, Germany not.
  await page.getByLabel('Colour by').selectOption('license_area');
  assert.match(await page.locator('path[data-code="CN"]').getAttribute('class'), /\barea-in\b/);
  assert.match(await page.locator('path[data-code="AE"]').getAttribute('class'), /\barea-(in|unverified)\b/);
  assert.match(await page.locator('path[data-code="DE"]').getAttribute('class'), /\barea-out\b/);
  assert.match(await page.getByTestId('map-legend').innerText(), /in the license area/);
  await page.getByTestId('license-area-rule').getByRole('link', { name: '15 CFR 742.6(a)(6)(iii)' }).waitFor();
  await axeCheck(page, 'world by date (license area)');
  await shot(page, 'world-by-date');
  await page.getByLabel('Colour by').selectOption('tier');
  await axeCheck(page, 'world by date');
  return { map_redraw_ms: Math.round(redraw) };
});

test('screening: explained hits, list entries as text, an officer clears a hit', async ({ page, url, keys }) => {
  let dialogs = 0;
  page.on('dialog', async (d) => { dialogs++; await d.dismiss(); });
  await signIn(page, url, keys.analyst, 'analyst');
  await page.getByRole('link', { name: 'Screening' }).click();
  await page.getByTestId('lists').filter({ hasText: /csl/ }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill('<img src=x onerror=alert(2)>');
  await page.getByRole('button', { name: 'Screen', exact: true }).click();
  const markup = page.getByTestId('hit').first();
  await markup.waitFor();
  assert.equal(await markup.locator('h3').textContent(), '<img src=x onerror=alert(2)>');
  assert.equal(await page.locator('img').count(), 0);
  assert.equal(await markup.getByRole('button', { name: 'Clear this hit' }).count(), 0, 'an analyst cannot clear');
  await page.getByRole('button', { name: 'Sign out' }).click();

  await signIn(page, url, keys.officer, 'officer');
  await page.getByRole('link', { name: 'Screening' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Orion Quantum Devices Ltd');
  await page.getByLabel('Country (optional)').fill('HK');
  await page.getByRole('button', { name: 'Screen', exact: true }).click();
  const hit = page.getByTestId('hit').filter({ hasText: 'Orion' }).first();
  await hit.waitFor();
  assert.match(await hit.getByTestId('explanation').textContent(), /orion~orion/);
  assert.ok(await hit.locator('mark').count() >= 2, 'the matched words are marked');
  assert.match(await hit.innerText(), /Presumption of denial/);
  await axeCheck(page, 'screening');
  await shot(page, 'screening');
  const expires = new Date(Date.now() + 30 * 86400000).toISOString().slice(0, 10);
  await hit.getByLabel('Reason it is not this party').fill('Different company: registry number differs');
  await hit.getByLabel('Clearance expires').fill(expires);
  await hit.getByRole('button', { name: 'Clear this hit' }).click();
  await hit.getByTestId('cleared').filter({ hasText: `until ${expires}` }).waitFor();
  assert.equal(dialogs, 0);
});

test('screening: the re-screen after a list import', async ({ page, url, keys }) => {
  // A party the server screens (and remembers), then a list that adds it.
  const party = 'Rescreen Probe Trading Ltd';
  const r = await fetch(url + '/v1/check', { method: 'POST', headers: { Authorization: `Bearer ${keys.analyst}` },
    body: JSON.stringify({ reference: 'RESCREEN-1', as_of: '2025-06-01', destination: 'DE', items: [{ chip: 'H100 SXM5 80GB', quantity: 8 }],
      parties: [{ role: 'ultimate_consignee', name: party, country: 'DE', headquarters: 'DE', ultimate_parent_headquarters: 'DE' }] }) });
  assert.equal(r.status, 200);
  importLists([listRow('console-test-3', party, 'DE', 'For all items subject to the EAR', 'Presumption of denial')]);
  // The running server picks up the list imported after it started (it looks at most once a
  // second): the next check of the party finds it, without a restart.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const again = await fetch(url + '/v1/check', { method: 'POST', headers: { Authorization: `Bearer ${keys.analyst}` },
    body: JSON.stringify({ reference: 'RESCREEN-2', as_of: '2025-06-01', destination: 'DE', items: [{ chip: 'H100 SXM5 80GB', quantity: 8 }],
      parties: [{ role: 'ultimate_consignee', name: party, country: 'DE', headquarters: 'DE', ultimate_parent_headquarters: 'DE' }] }) });
  const decided = await again.json();
  assert.equal(decided.outcome, 'LICENSE_REQUIRED', JSON.stringify(decided.screened_parties));
  assert.ok(decided.list_versions.some((v) => /\(3 records\)/.test(v)), JSON.stringify(decided.list_versions));
  await signIn(page, url, keys.analyst, 'analyst');
  await page.getByRole('link', { name: 'Screening' }).click();
  await page.getByTestId('lists').filter({ hasText: /\(3 records\); loaded by the server at \d{4}-\d\d-\d\dT/ }).waitFor();
  const section = page.getByTestId('rescreen');
  await section.getByTestId('rescreen-summary').waitFor();
  assert.match(await section.getByTestId('rescreen-summary').textContent(), /csl@[\d-]+#sha256:\w+ \(3 records\);\s+\d+ remembered part(y|ies) re-screened against the added and changed records: 1 new hit/);
  assert.match(await section.getByTestId('rescreen-hits').innerText(), new RegExp(`${party}\\s+${party}\\s+EL\\s+certain \\(1\\.000\\)\\s+For all items subject to the EAR / Presumption of denial\\s+console-test-3`));
  await axeCheck(page, 'screening (re-screen)');
  await shot(page, 'screening-rescreen');
});

test('audit: chain status, filters, detail and replay', async ({ page, url, keys }) => {
  // Two decisions of our own, so the screen has something to show whichever flows ran.
  for (const reference of ['AUD-1', 'AUD-2']) {
    const r = await fetch(url + '/v1/check', { method: 'POST', headers: { Authorization: `Bearer ${keys.analyst}` },
      body: JSON.stringify({ reference, as_of: '2025-06-01', destination: 'DE', items: [{ chip: 'H100 SXM5 80GB', quantity: 8 }],
        parties: [{ role: 'ultimate_consignee', name: 'Beispiel GmbH', country: 'DE', headquarters: 'DE', ultimate_parent_headquarters: 'DE' }] }) });
    assert.equal(r.status, 200);
  }
  await signIn(page, url, keys.viewer, 'viewer');
  await page.getByRole('link', { name: 'Audit' }).click();
  await page.getByTestId('chain-status').filter({ hasText: /Chain verified: \d+ records/ }).waitFor();
  const table = page.getByTestId('audit-table');
  await table.getByRole('cell', { name: 'AUD-2' }).waitFor();
  await page.getByLabel('Reference contains').fill('AUD-1');
  await page.getByLabel('Kind').selectOption('decision');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="audit-table"] tbody tr').length === 1);
  assert.match(await table.locator('tbody tr').innerText(), /AUD-1\s+DE\s+NO LICENSE REQUIRED/);
  await table.locator('tbody tr button').click();
  const detail = page.getByTestId('audit-detail');
  await detail.getByText('POST /v1/check').waitFor();
  await detail.getByRole('button', { name: /Replay/ }).click();
  const replay = detail.getByTestId('replay');
  await replay.waitFor();
  assert.match(await replay.innerText(), /Agrees\s+yes/);
  await axeCheck(page, 'audit');
  await shot(page, 'audit');
});

// ---- Run -------------------------------------------------------------------------------------

(async () => {
  const keys = { viewer: createKey('viewer'), analyst: createKey('analyst'), officer: createKey('officer') };
  importLists();
  const { proc, url } = await startServer();
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
  let failed = 0;
  let ran = 0;
  const t0 = Date.now();
  try {
    for (const t of tests) {
      if (only && !only.some((o) => t.name.includes(o))) continue;
      ran++;
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.setDefaultTimeout(20000);
      const start = Date.now();
      try {
        const figures = await t.fn({ page, url, keys });
        const csp = errors.filter((e) => /Content Security Policy/.test(e));
        assert.deepEqual(csp, [], 'CSP violations');
        console.log(`ok   ${t.name} (${Date.now() - start} ms)${figures ? ' ' + JSON.stringify(figures) : ''}`);
      } catch (e) {
        failed++;
        const alerts = await page.getByRole('alert').allTextContents().catch(() => []);
        console.log(`FAIL ${t.name} (${Date.now() - start} ms)\n${e.stack}\n  page errors: ${JSON.stringify(errors)}\n  alerts: ${JSON.stringify(alerts)}`);
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
    proc.kill('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(`${ran - failed}/${ran} console flows passed in ${Date.now() - t0} ms`);
  process.exit(failed ? 1 : 0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
