// How soon the console's first screen is usable from a cold browser: a new chromium process per
// run (fresh profile), GET / on loopback until the sign-in field is in the DOM (docs/PERFORMANCE.md).
//
//   NODE_PATH=build/console/node_modules node console/tests/first_screen.cjs build/exportctl [RUNS]
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs'), os = require('node:os'), path = require('node:path');
const { chromium } = require('playwright-core');
const binary = process.argv[2];
const chromiumPath = process.env.EXPORTCTL_CHROMIUM || '/usr/bin/chromium';
const runs = Number(process.argv[3] || 5);
(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'exportctl-first-screen-'));
  const proc = spawn(binary, ['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await new Promise((res) => { let e = ''; proc.stderr.on('data', (c) => { e += c; const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(e); if (m) res(m[1]); }); });
  const out = [];
  for (let i = 0; i < runs; i++) {
    const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
    const page = await browser.newPage();
    await page.addInitScript(() => {
      new MutationObserver((_, obs) => {
        if (document.getElementById('api-key')) { window.__usable = performance.now(); obs.disconnect(); }
      }).observe(document, { childList: true, subtree: true });
    });
    const t0 = Date.now();
    await page.goto(url + '/');
    await page.getByLabel('API key').waitFor();
    const wall = Date.now() - t0;
    const nav = await page.evaluate(() => {
      const n = performance.getEntriesByType('navigation')[0];
      const r = performance.getEntriesByType('resource').map((e) => `${e.name.split('/').pop()} ${Math.round(e.startTime)}-${Math.round(e.responseEnd)}`);
      return { usable: Math.round(window.__usable), ttfb: Math.round(n.responseStart), dcl: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd), now: Math.round(performance.now()), r };
    });
    out.push({ wall, ...nav });
    await browser.close();
  }
  proc.kill();
  fs.rmSync(dataDir, { recursive: true, force: true });
  for (const o of out) console.log(JSON.stringify(o));
  const u = out.map((o) => o.usable).sort((a, b) => a - b);
  console.log('usable ms (navigation start to the sign-in field in the DOM): median', u[Math.floor(u.length / 2)], 'max', u[u.length - 1]);
  const w = out.map((o) => o.wall).sort((a, b) => a - b);
  console.log('wall ms: median', w[Math.floor(w.length / 2)], 'max', w[w.length - 1], 'load avg', os.loadavg()[0].toFixed(1));
})();
