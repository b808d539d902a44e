// End-to-end browser test of the review server (`outcheck serve`), driven through Debian's chromium
// by playwright-core. Run it through scripts/test-browser.sh, which builds outcheck, installs
// chromium and this folder's node_modules, and passes:
//   OUTCHECK_BIN        the outcheck binary (required)
//   OUTCHECK_ARTIFACTS  where screenshots go (default build/artifacts)
//   CHROMIUM            the browser (default /usr/bin/chromium)
//
// It sets up a temp home with users and a submitted request through the CLI, starts the server on
// a free port, then, as an output checker: signs in, opens the request from the list, checks the
// flagged-cell highlighting and "Next finding" in a CSV's file view, loads a 5,000-row CSV, votes
// on every output file and submits the review; and as the author: sees no vote form and no review
// button. It also checks that a form post without its CSRF field and an API call without a token
// are refused. Each step prints PASS or FAIL; the last line is "N passed, N failed".
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BIN = process.env.OUTCHECK_BIN;
const ARTIFACTS = path.resolve(process.env.OUTCHECK_ARTIFACTS || 'build/artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const WAIT_MS = 15000;          // any single wait in the browser
const BIG_ROWS = 5000;          // rows of the big CSV
const BIG_LOAD_BOUND_MS = 15000; // generous: the point is "does not freeze", not speed

if (!BIN || !fs.existsSync(BIN)) {
  console.error(`review.mjs: OUTCHECK_BIN=${BIN ?? ''} is not an outcheck binary (run scripts/test-browser.sh)`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// A tiny step runner: steps run in order; after the first failure the rest are skipped (they
// depend on one another), but clean-up always runs.

const results = [];
let failed = false;
async function step(name, fn) {
  if (failed) {
    results.push({ name, outcome: 'skip' });
    console.log(`SKIP  ${name}`);
    return;
  }
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, outcome: 'pass' });
    console.log(`PASS  ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed = true;
    results.push({ name, outcome: 'fail' });
    console.log(`FAIL  ${name} (${Date.now() - t0} ms)`);
    console.log(String(e && e.stack ? e.stack : e).replace(/^/gm, '      '));
  }
}

const notes = [];  // timings and artifact paths, printed in the summary
function note(s) {
  notes.push(s);
  console.log(`      ${s}`);
}

// ---------------------------------------------------------------------------------------------
// Set-up through the CLI.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'outcheck-e2e-'));
const home = path.join(tmp, 'home');
const workspace = path.join(tmp, 'workspace');

function cliEnv(token) {
  const env = { ...process.env, OUTCHECK_HOME: home };
  delete env.OUTCHECK_SERVER;
  delete env.OUTCHECK_TOKEN;
  if (token) env.OUTCHECK_TOKEN = token;
  return env;
}

function outcheck(args, { token, cwd } = {}) {
  try {
    return execFileSync(BIN, args, { env: cliEnv(token), cwd: cwd || tmp, encoding: 'utf8', timeout: 60000,
                                     stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    throw new Error(`outcheck ${args.join(' ')} failed (exit ${e.status}):\n${e.stdout || ''}${e.stderr || ''}`);
  }
}

// The last non-empty line of a command's output (the token, or the request id).
function lastLine(s) {
  const lines = s.split('\n').map((l) => l.trim()).filter(Boolean);
  assert.ok(lines.length > 0, 'the command printed nothing');
  return lines[lines.length - 1];
}

function writeWorkspace() {
  fs.mkdirSync(path.join(workspace, 'output'), { recursive: true });
  fs.writeFileSync(path.join(workspace, 'project.yaml'), `version: "3.0"
expectations:
  population_size: 1000
actions:
  generate:
    run: cohortextractor:latest generate_cohort
    outputs:
      moderately_sensitive:
        table: output/table.csv
        counts: output/counts.csv
        summary: output/summary.csv
        notes: output/notes.txt
`);
  // table.csv: two small counts (rows 3 and 6), the rest multiples of 5 above 10.
  const table = ['area,count'];  // keyed by pseudonymous practice ids it would also get the practice-level review
  const small = { 3: 3, 6: 5 };
  for (let i = 1; i <= 8; i++) table.push(`P${String(i).padStart(3, '0')},${small[i] ?? 10 + 5 * i}`);
  fs.writeFileSync(path.join(workspace, 'output/table.csv'), table.join('\n') + '\n');
  // counts.csv: 5,000 rows; a few small (row % 1000 == 17) and a few unrounded (row % 1250 == 600).
  const big = ['week,practice,count'];
  const flaggedBig = [];
  for (let r = 1; r <= BIG_ROWS; r++) {
    let count = 15 + 5 * (r % 40);
    if (r % 1000 === 17) { count = 2; flaggedBig.push(r); }
    else if (r % 1250 === 600) { count = 101 + (r % 3); flaggedBig.push(r); }
    big.push(`2024-W${String(1 + (r % 52)).padStart(2, '0')},P${String(r % 200).padStart(3, '0')},${count}`);
  }
  fs.writeFileSync(path.join(workspace, 'output/counts.csv'), big.join('\n') + '\n');
  // summary.csv: passes (every count rounded and large).
  fs.writeFileSync(path.join(workspace, 'output/summary.csv'), 'region,count\nNorth,1250\nSouth,2005\nEast,995\n');
  fs.writeFileSync(path.join(workspace, 'output/notes.txt'), 'Counts are of registered patients, rounded to 5.\n');
  return flaggedBig;
}

// ---------------------------------------------------------------------------------------------
// The server.

let server = null;
let serverStderr = '';
let baseURL = '';

function startServer() {
  return new Promise((resolve, reject) => {
    const env = cliEnv();
    delete env.OUTCHECK_HOME;
    server = spawn(BIN, ['serve', '--home', home, '--port', '0'], { env, cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`outcheck serve printed no listening line in 15 s; stdout: ${stdout}`)), 15000);
    server.stdout.setEncoding('utf8');
    server.stderr.setEncoding('utf8');
    server.stderr.on('data', (d) => { serverStderr += d; });
    server.stdout.on('data', (d) => {
      stdout += d;
      const m = stdout.match(/serving .* on (http:\/\/127\.0\.0\.1:(\d+)\/)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ''));
      }
    });
    server.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`outcheck serve exited early (code ${code}, signal ${signal})`));
    });
    server.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

// SIGTERM, then the exit code (or null and a SIGKILL after 10 s).
function stopServer() {
  return new Promise((resolve) => {
    if (!server || server.exitCode !== null || server.signalCode !== null) {
      resolve(server ? { code: server.exitCode, signal: server.signalCode } : null);
      return;
    }
    const timer = setTimeout(() => { server.kill('SIGKILL'); }, 10000);
    server.removeAllListeners('exit');
    server.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal }); });
    server.kill('SIGTERM');
  });
}

// ---------------------------------------------------------------------------------------------
// Page helpers.

async function signIn(page, token, name) {
  await page.goto(`${baseURL}/login`);
  await page.locator('#token').fill(token);
  await Promise.all([page.waitForURL(/\/requests$/), page.getByRole('button', { name: 'Sign in' }).click()]);
  assert.equal((await page.locator('#me').textContent()).trim(), name);
}

async function signOut(page) {
  await Promise.all([page.waitForURL(/\/login$/), page.getByRole('button', { name: 'Sign out' }).click()]);
  assert.equal(await page.locator('#me').count(), 0, 'still signed in after Sign out');
}

async function flash(page) {
  const f = page.locator('div.flash').first();
  await f.waitFor({ state: 'visible' });
  return { text: (await f.textContent()).trim(), error: (await f.getAttribute('class')).includes('error'),
           role: await f.getAttribute('role') };
}

function voteRow(page, file) {
  return page.locator(`tr[data-path="${file}"] + tr.vote-row`);
}

async function vote(page, file, choice, { comment, override } = {}) {
  const row = voteRow(page, file);
  await row.locator(`input[name="vote"][value="${choice}"]`).check();
  if (comment !== undefined) await row.locator('input[name="comment"]').fill(comment);
  if (override !== undefined) await row.locator('input[name="override"]').fill(override);
  await Promise.all([page.waitForNavigation(), row.getByRole('button', { name: 'Vote' }).click()]);
  return flash(page);
}

// ---------------------------------------------------------------------------------------------

let browser = null;
const T0 = Date.now();
// A hang anywhere (a browser that never starts, a server that never answers) ends the run.
const watchdog = setTimeout(() => {
  console.log('FAIL  watchdog: the test ran for 5 minutes; stopping');
  if (server) server.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log('0 passed, 1 failed');
  process.exit(1);
}, 300000);
watchdog.unref();
let requestId = '';
const tokens = {};
let flaggedBig = [];
const OUTPUTS = ['output/table.csv', 'output/counts.csv', 'output/summary.csv'];

try {
  await step('set-up: home, users, workspace and a submitted request (CLI)', async () => {
    tokens.admin = lastLine(outcheck(['user', 'add', 'admin', '--role', 'admin']));
    tokens.rita = lastLine(outcheck(['user', 'add', 'rita', '--role', 'researcher'], { token: tokens.admin }));
    tokens.olly = lastLine(outcheck(['user', 'add', 'olly', '--role', 'output-checker'], { token: tokens.admin }));
    tokens.chen = lastLine(outcheck(['user', 'add', 'chen', '--role', 'output-checker'], { token: tokens.admin }));
    for (const [who, t] of Object.entries(tokens)) assert.match(t, /^\S{16,}$/, `${who}'s token looks wrong: ${t}`);
    flaggedBig = writeWorkspace();
    requestId = lastLine(outcheck(['request', 'create', '--workspace', '.'], { token: tokens.rita, cwd: workspace }));
    assert.match(requestId, /^[\w-]+$/, `request id looks wrong: ${requestId}`);
    const rita = { token: tokens.rita, cwd: workspace };
    outcheck(['request', 'add', requestId, 'output/table.csv', 'output/summary.csv'], rita);
    outcheck(['request', 'add', requestId, 'output/counts.csv', '--group', 'weekly'], rita);
    outcheck(['request', 'add', requestId, 'output/notes.txt', '--type', 'supporting'], rita);
    outcheck(['request', 'group', requestId, 'default', '--context', 'Practice totals, whole population',
              '--controls', 'Counts rounded to 5'], rita);
    outcheck(['request', 'group', requestId, 'weekly', '--context', 'Weekly counts per practice',
              '--controls', 'Counts rounded to 5; small counts suppressed'], rita);
    outcheck(['request', 'submit', requestId], rita);
    note(`request ${requestId} in ${home}`);
  });

  await step('server: outcheck serve --port 0 prints its address', async () => {
    baseURL = await startServer();
    note(`server at ${baseURL}`);
  });

  await step('API: GET /api/requests without a token is 401 with no request data', async () => {
    for (const headers of [{}, { Authorization: 'Bearer not-a-real-token' }]) {
      const res = await fetch(`${baseURL}/api/requests`, { headers, redirect: 'manual' });
      const body = await res.text();
      assert.equal(res.status, 401, `status ${res.status}: ${body}`);
      assert.ok(!body.includes(requestId), `the 401 body names the request: ${body}`);
      assert.ok(!body.includes('workspace'), `the 401 body has request data: ${body}`);
      const j = JSON.parse(body);
      assert.ok(j.error && typeof j.error.message === 'string', `no error object: ${body}`);
    }
    // With the token it is there (so the 401 above was about the token, not the path).
    const ok = await fetch(`${baseURL}/api/requests`, { headers: { Authorization: `Bearer ${tokens.olly}` } });
    assert.equal(ok.status, 200);
    assert.ok((await ok.text()).includes(requestId));
  });

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60000,
    args: ['--no-sandbox', '--no-proxy-server', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--disable-default-apps', '--disable-extensions', '--metrics-recording-only', '--no-default-browser-check'],
  });
  note(`chromium ${browser.version()}`);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.setDefaultNavigationTimeout(WAIT_MS);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  // Script errors and CSP violations; not "Failed to load resource" (the 401 of the wrong-token
  // sign-in, the 404 of /favicon.ico), which are the HTTP answers the test asks for.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
  });
  fs.mkdirSync(ARTIFACTS, { recursive: true });

  await step('sign-in: a wrong token is refused', async () => {
    await page.goto(`${baseURL}/login`);
    await page.locator('#token').fill('not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState();
    const f = await flash(page);
    assert.ok(f.error && f.role === 'alert', `expected an error flash, got ${JSON.stringify(f)}`);
    assert.equal(await page.locator('#me').count(), 0);
  });

  await step('checker: sign in as olly and open the request from the list', async () => {
    await signIn(page, tokens.olly, 'olly');
    const link = page.locator(`#status-submitted + table a[href="/requests/${requestId}"]`);
    await link.waitFor();
    await Promise.all([page.waitForURL(new RegExp(`/requests/${requestId}$`)), link.click()]);
    assert.equal((await page.locator('#request-id').textContent()).trim(), requestId);
    assert.equal((await page.locator('#request-status').textContent()).trim(), 'submitted');
    assert.equal(await page.locator('section.group').count(), 2);
    for (const f of OUTPUTS) {
      assert.equal(await voteRow(page, f).locator('form.action').count(), 1, `no vote form for ${f}`);
    }
    // A supporting file is shown but not voted on.
    assert.equal(await page.locator('tr[data-path="output/notes.txt"]').count(), 1);
    assert.equal(await voteRow(page, 'output/notes.txt').count(), 0, 'a vote form for a supporting file');
    // Only failing files ask for an override reason.
    assert.equal(await voteRow(page, 'output/table.csv').locator('input[name="override"]').count(), 1);
    assert.equal(await voteRow(page, 'output/summary.csv').locator('input[name="override"]').count(), 0,
                 'summary.csv passes, yet its vote form asks for an override');
    // Not every file voted on yet: no "Submit my review".
    assert.equal(await page.getByRole('button', { name: 'Submit my review' }).count(), 0);
  });

  await step('file view: the small count in table.csv is highlighted', async () => {
    const link = page.locator('tr[data-path="output/table.csv"] a.file-link');
    await Promise.all([page.waitForURL(/\/file\?path=/), link.click()]);
    await page.locator('div.table-wrap table.csv').waitFor();
    const flags = page.locator('table.csv td.flag');
    assert.equal(await flags.count(), 2, 'expected the two small counts flagged');
    const cell = flags.first();
    assert.ok(await cell.isVisible(), 'the flagged cell is not visible');
    const cls = await cell.getAttribute('class');
    assert.ok(cls.split(/\s+/).includes('flag-fail'), `class is "${cls}"`);
    const title = await cell.getAttribute('title');
    assert.match(title, /small_count/);
    assert.match(title, /row 3/);
    assert.equal(await cell.getAttribute('data-rules'), 'small_count');
    assert.equal((await cell.locator('.rule').textContent()).trim(), 'small_count');
    assert.equal((await cell.locator('.value').textContent()).trim(), '3');
    assert.equal((await page.locator('tr#r3 th.rownum').textContent()).trim(), '3');
    // It looks different from a plain cell.
    const styles = await page.evaluate(() => {
      const pick = (el) => { const s = getComputedStyle(el); return { bg: s.backgroundColor, outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}` }; };
      return { flagged: pick(document.querySelector('table.csv td.flag')),
               plain: pick(document.querySelector('table.csv tbody td:not(.flag)')) };
    });
    assert.notEqual(styles.flagged.bg, styles.plain.bg, `same background: ${JSON.stringify(styles)}`);
    assert.notEqual(styles.flagged.outline, styles.plain.outline, `same outline: ${JSON.stringify(styles)}`);
    assert.ok(!styles.flagged.outline.startsWith('none'), `no outline: ${JSON.stringify(styles)}`);
    // The header row sticks.
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('table.csv thead th')).position), 'sticky');
  });

  await step('file view: "Next finding" focuses a flagged cell and says its rule', async () => {
    const next = page.locator('#next-finding');
    assert.ok(await next.isEnabled(), 'Next finding is disabled');
    await next.click();
    const focused = await page.evaluate(() => {
      const a = document.activeElement;
      return { tag: a.tagName, cls: a.className, title: a.getAttribute('title') };
    });
    assert.equal(focused.tag, 'TD', JSON.stringify(focused));
    assert.ok(focused.cls.includes('flag') && focused.cls.includes('current'), JSON.stringify(focused));
    const pos = (await page.locator('#finding-position').textContent()).trim();
    assert.match(pos, /^1 of 2: .*small_count/);
    assert.ok(pos.includes(focused.title.split('\n')[0]), `position "${pos}" vs title "${focused.title}"`);
    // Again: the second finding, then around to the first.
    await next.click();
    assert.match((await page.locator('#finding-position').textContent()).trim(), /^2 of 2: .*row 6/);
    await page.keyboard.press('n');
    assert.match((await page.locator('#finding-position').textContent()).trim(), /^1 of 2: .*row 3/);
    assert.equal(await page.locator('td.flag.current').count(), 1);
    const shot = path.join(ARTIFACTS, 'review-flagged-cell.png');
    await page.screenshot({ path: shot, fullPage: true });
    note(`screenshot ${shot}`);
  });

  await step(`file view: the ${BIG_ROWS}-row counts.csv renders with its findings`, async () => {
    const url = `${baseURL}/requests/${requestId}/file?path=${encodeURIComponent('output/counts.csv')}`;
    const t0 = Date.now();
    await page.goto(url, { waitUntil: 'load', timeout: BIG_LOAD_BOUND_MS });
    await page.locator('table.csv tbody tr').last().waitFor({ state: 'attached' });
    const loaded = Date.now() - t0;
    // A frame painted after load: the page is responsive, not frozen.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const painted = Date.now() - t0;
    const nav = await page.evaluate(() => {
      const n = performance.getEntriesByType('navigation')[0];
      return { ttfb: Math.round(n.responseStart), response: Math.round(n.responseEnd),
               dcl: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd), bytes: n.transferSize };
    });
    note(`counts.csv view: loaded in ${loaded} ms, painted by ${painted} ms (first byte ${nav.ttfb} ms, ` +
         `response ${nav.response} ms, DOMContentLoaded ${nav.dcl} ms, load ${nav.load} ms, ${nav.bytes} bytes)`);
    assert.ok(painted < BIG_LOAD_BOUND_MS, `took ${painted} ms`);
    assert.equal(await page.locator('table.csv tbody tr').count(), BIG_ROWS);
    assert.equal((await page.locator(`tr#r${BIG_ROWS} th.rownum`).textContent()).trim(), String(BIG_ROWS));
    const marked = await page.evaluate(() => Array.from(document.querySelectorAll('table.csv td.flag'),
      (td) => ({ row: Number(td.closest('tr').id.slice(1)), rules: td.dataset.rules, cls: td.className })));
    assert.deepEqual(marked.map((m) => m.row), flaggedBig, `flagged rows ${JSON.stringify(marked)}`);
    for (const m of marked) {
      assert.ok(m.cls.includes('flag-fail'), JSON.stringify(m));
      assert.match(m.rules, /small_count|unrounded/, JSON.stringify(m));
    }
    assert.ok(marked.some((m) => m.rules.includes('small_count')) && marked.some((m) => m.rules.includes('unrounded')));
    assert.match(await page.locator('.toolbar').textContent(), new RegExp(`${BIG_ROWS} rows`));
    // Jump to the last finding, far down the scroll box: it is scrolled into view and focused.
    const t1 = Date.now();
    for (let i = 0; i < marked.length; i++) await page.locator('#next-finding').click();
    const last = marked[marked.length - 1].row;
    const inView = await page.evaluate(() => {
      const a = document.activeElement, box = document.querySelector('.table-wrap').getBoundingClientRect();
      const r = a.getBoundingClientRect();
      return { row: a.closest('tr') && a.closest('tr').id, inside: r.top >= box.top && r.bottom <= box.bottom };
    });
    note(`${marked.length} "Next finding" clicks through the big table: ${Date.now() - t1} ms`);
    assert.equal(inView.row, `r${last}`);
    assert.ok(inView.inside, `the last finding is not scrolled into view: ${JSON.stringify(inView)}`);
    assert.match(await page.locator('#finding-position').textContent(), new RegExp(`^${marked.length} of ${marked.length}: `));
  });

  await step('file view: a supporting text file is shown as text', async () => {
    await page.goto(`${baseURL}/requests/${requestId}/file?path=${encodeURIComponent('output/notes.txt')}`);
    assert.match(await page.locator('pre.text').textContent(), /registered patients/);
  });

  await step('request page: an approve of a failing file without an override reason is refused', async () => {
    await page.goto(`${baseURL}/requests/${requestId}`);
    const f = await vote(page, 'output/table.csv', 'approve');
    assert.ok(f.error && f.role === 'alert', `expected a refusal, got ${JSON.stringify(f)}`);
    note(`refusal: "${f.text}"`);
    assert.equal((await page.locator('tr[data-path="output/table.csv"] td').last().textContent()).trim(), '',
                 'a refused vote was recorded');
  });

  await step('request page: vote on every output file, each with a flash', async () => {
    let f = await vote(page, 'output/table.csv', 'approve', { override: 'Practice totals are published elsewhere' });
    assert.ok(!f.error && f.role === 'status', JSON.stringify(f));
    assert.match(f.text, /voted approve on output\/table\.csv/);
    f = await vote(page, 'output/counts.csv', 'request-changes', { comment: 'Please suppress counts under 8' });
    assert.ok(!f.error, JSON.stringify(f));
    assert.match(f.text, /voted request-changes on output\/counts\.csv/);
    f = await vote(page, 'output/summary.csv', 'approve');
    assert.ok(!f.error, JSON.stringify(f));
    assert.match(f.text, /voted approve on output\/summary\.csv/);
    const votes = async (file) => (await page.locator(`tr[data-path="${file}"] td`).last().textContent()).trim();
    assert.match(await votes('output/table.csv'), /olly: approve.*override: Practice totals are published elsewhere/);
    assert.match(await votes('output/counts.csv'), /olly: (request-changes|changes_requested).*Please suppress counts under 8/);
    assert.match(await votes('output/summary.csv'), /olly: approve/);
  });

  await step('request page: a group comment', async () => {
    const form = page.locator('section.group').filter({ hasText: 'Group weekly' }).locator('form', { has: page.locator('textarea[name="text"]') });
    await form.locator('textarea[name="text"]').fill('Row 17 of counts.csv is a small count.');
    await Promise.all([page.waitForNavigation(), form.getByRole('button', { name: 'Add comment' }).click()]);
    const f = await flash(page);
    assert.ok(!f.error, JSON.stringify(f));
    assert.match(await page.locator('section.group').filter({ hasText: 'Group weekly' }).locator('p.comment').textContent(),
                 /olly.*Row 17 of counts\.csv is a small count\./);
  });

  await step('request page: "Submit my review" makes the request partially_reviewed', async () => {
    const submit = page.getByRole('button', { name: 'Submit my review' });
    assert.equal(await submit.count(), 1, 'no "Submit my review" after voting on every file');
    await Promise.all([page.waitForNavigation(), submit.click()]);
    const f = await flash(page);
    assert.ok(!f.error && f.role === 'status', JSON.stringify(f));
    assert.match(f.text, /review submitted/);
    assert.match(f.text, /partially_reviewed/);
    assert.equal((await page.locator('#request-status').textContent()).trim(), 'partially_reviewed');
    const shot = path.join(ARTIFACTS, 'review-request.png');
    await page.screenshot({ path: shot, fullPage: true });
    note(`screenshot ${shot}`);
  });

  await step('author: sign out, sign in as rita; no vote form and no review button', async () => {
    await signOut(page);
    // The old session is gone: a page now sends us to sign in.
    await page.goto(`${baseURL}/requests/${requestId}`);
    assert.match(page.url(), /\/login$/);
    await signIn(page, tokens.rita, 'rita');
    await page.goto(`${baseURL}/requests/${requestId}`);
    assert.equal((await page.locator('#request-status').textContent()).trim(), 'partially_reviewed');
    assert.equal(await page.locator('tr.vote-row').count(), 0);
    assert.equal(await page.locator('form[action$="/vote"]').count(), 0);
    assert.equal(await page.locator('input[name="vote"]').count(), 0);
    for (const label of ['Submit my review', 'Vote', 'Return to author', 'Reject']) {
      assert.equal(await page.getByRole('button', { name: label, exact: true }).count(), 0, `rita sees "${label}"`);
    }
  });

  await step('browser: no script errors on any page', async () => {
    assert.deepEqual(pageErrors, []);
  });
  await step('CSRF: a vote post without the csrf field (or with a wrong one) is refused (403)', async () => {
    // The pages' CSP (connect-src 'none') stops a fetch from the page itself, so post through the
    // browser context's request client: it sends the session cookie as the browser would.
    const post = async (form) => {
      const r = await page.request.post(`${baseURL}/requests/${requestId}/vote`, { form, maxRedirects: 0 });
      return { status: r.status(), text: await r.text() };
    };
    const none = await post({ path: 'output/table.csv', vote: 'approve' });
    const wrong = await post({ path: 'output/table.csv', vote: 'approve', csrf: 'forged' });
    assert.equal(none.status, 403, none.text.slice(0, 300));
    assert.equal(wrong.status, 403, wrong.text.slice(0, 300));
    assert.match(none.text, /CSRF/);
    // The same post with the page's own csrf field gets past the CSRF check (and is refused by
    // the service instead, as rita wrote the request): so the 403s above were the CSRF check's.
    const csrf = await page.locator('input[name="csrf"]').first().inputValue();
    const real = await post({ path: 'output/table.csv', vote: 'approve', csrf });
    assert.equal(real.status, 303, real.text.slice(0, 300));
    await page.reload();
    const f = await flash(page);
    assert.ok(f.error, `rita's vote was not refused: ${JSON.stringify(f)}`);
    note(`author's vote refused: "${f.text}"`);
    assert.ok(!(await page.locator('tr[data-path="output/table.csv"] td').last().textContent()).includes('rita'));
  });
} catch (e) {
  failed = true;
  results.push({ name: 'harness', outcome: 'fail' });
  console.log(`FAIL  harness: ${e && e.stack ? e.stack : e}`);
} finally {
  if (browser) await browser.close().catch((e) => console.log(`closing chromium: ${e}`));
  const stopped = await stopServer();
  if (stopped) {
    const ok = stopped.code === 0;
    results.push({ name: 'server: SIGTERM stops it with exit 0', outcome: ok ? 'pass' : 'fail' });
    console.log(`${ok ? 'PASS' : 'FAIL'}  server: SIGTERM stops it with exit 0 (code ${stopped.code}, signal ${stopped.signal})`);
    if (!ok) failed = true;
  }
  if (failed && serverStderr) {
    const lines = serverStderr.trimEnd().split('\n');
    console.log(`--- outcheck serve stderr (last ${Math.min(lines.length, 60)} of ${lines.length} lines)`);
    console.log(lines.slice(-60).join('\n'));
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}

const n = (o) => results.filter((r) => r.outcome === o).length;
console.log(`\nbrowser e2e: ${((Date.now() - T0) / 1000).toFixed(1)} s`);
for (const s of notes) console.log(`  ${s}`);
console.log(`${n('pass')} passed, ${n('fail')} failed${n('skip') ? `, ${n('skip')} skipped` : ''}`);
process.exit(n('fail') || n('pass') === 0 ? 1 : 0);
