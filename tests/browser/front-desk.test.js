#!/usr/bin/env node
/* The front-desk page in a real browser (Debian's chromium, headless)
 * against `regenquote serve` on 127.0.0.1 with a temporary register and
 * two staff accounts (ana, front desk; max, manager): signing in and out,
 * a new session at each sign-in, a role refusal, the idle timeout, then
 * the front desk's work.
 *
 *   node tests/browser/front-desk.test.js      (make test-browser does this)
 *
 * Environment: REGENQUOTE_BIN (default ./regenquote), CHROMIUM (default
 * /usr/bin/chromium), KEEP_TMP=1 keeps the temporary folder (the README's
 * pictures: screenshots.js, make screenshots).  Prints one line per test and a
 * closing "N passed, N failed"; exits 1 when any test fails. */
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.resolve(ROOT, process.env.REGENQUOTE_BIN || 'regenquote');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-browser-'));
const REG = path.join(TMP, 'register.db');
const OUT = path.join(TMP, 'out');
const PATIENT = 'José Müller-Ñúñez';
const PATIENT_ID = 'P-20001';
const HOSTILE = '<img src=x onerror="window.__xss=1">Ann O\'Hara';

const ACCOUNTS = { ana: ['front-desk', 'ana-password-1'], max: ['manager', 'max-password-1'] };

let server, serverLog = '', base, context, page;
const results = [];

function fail(msg) { throw new Error(msg); }
function check(cond, msg) { if (!cond) fail(msg); }

async function test(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push(true);
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push(false);
    console.log(`FAIL ${name}: ${e && e.message ? e.message.split('\n')[0] : e}`);
    if (process.env.VERBOSE) console.log(e);
  }
}

/* The staff accounts, made with the command line (the password on standard input). */
function addAccounts() {
  for (const [name, [role, password]] of Object.entries(ACCOUNTS)) {
    const r = spawnSync(BIN, ['user', 'add', name, '--role', role, '--register', REG],
      { cwd: ROOT, input: password + '\n', encoding: 'utf8' });
    if (r.status !== 0) fail(`regenquote user add ${name} failed: ${r.stderr}`);
    if ((r.stdout + r.stderr).includes(password)) fail('regenquote user add repeated the password');
  }
}

/* Start `regenquote serve` (extra: more options); resolves with its base URL. */
function startServer(extra) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.SOURCE_DATE_EPOCH;
    let url = null;
    server = spawn(BIN, ['serve', '--port', '0', '--register', REG, '--out-dir', OUT,
      '--prices', path.join(ROOT, 'pricing'), '--templates', path.join(ROOT, 'templates'),
      '--web', path.join(ROOT, 'web'), ...(extra || [])], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    const timer = setTimeout(() => reject(new Error('the server did not start in 10 s:\n' + serverLog)), 10000);
    server.on('error', (e) => { clearTimeout(timer); reject(e); });
    server.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the server exited (${code}):\n${serverLog}`)); });
    let mine = '';
    server.stderr.on('data', (d) => {
      serverLog += d.toString();
      mine += d.toString();
      const m = /front desk at (http:\/\/127\.0\.0\.1:\d+)\//.exec(mine);
      if (m && !url) { url = m[1]; clearTimeout(timer); resolve(url); }
    });
  });
}

function stopServer() {
  return new Promise((resolve) => {
    if (!server || server.exitCode !== null) return resolve(server ? server.exitCode : 0);
    server.removeAllListeners('exit');
    const timer = setTimeout(() => { server.kill('SIGKILL'); }, 10000);
    server.on('exit', (code, sig) => { clearTimeout(timer); resolve(sig ? -1 : code); });
    server.kill('SIGTERM');
  });
}

function cli(args) {
  const r = spawnSync(BIN, args, { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) fail(`regenquote ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function registerList() {
  return JSON.parse(cli(['list', '--register', REG, '--out-dir', OUT, '--format', 'json']));
}

/* Sign in through the page's form as name; the session cookie's value. */
async function signIn(name, password) {
  await page.waitForSelector('#view-login:not([hidden])', { timeout: 10000 });
  await page.fill('#login-user', name);
  await page.fill('#login-password', password || ACCOUNTS[name][1]);
  await page.click('#login-form button[type="submit"]');
  await page.waitForSelector('#who:not([hidden])', { timeout: 10000 });
  check((await page.textContent('#who-name')) === name, 'the page does not show who is signed in');
  const c = (await context.cookies(base)).find((x) => x.name === 'rq_session');
  check(c, 'no session cookie after signing in');
  return c.value;
}

/* A sign-in from outside the page (another computer); its session id. */
async function signIn2() {
  const r = await fetch(base + '/api/login', { method: 'POST', headers: { 'X-Regenquote': '1', 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'ana', password: ACCOUNTS.ana[1] }) });
  check(r.status === 200, 'signing in from outside answered ' + r.status);
  const m = /rq_session=([0-9a-f]+)/.exec(r.headers.get('set-cookie') || '');
  check(m, 'no session cookie from outside');
  return m[1];
}

async function signOut() {
  await page.click('#sign-out');
  await page.waitForSelector('#view-login:not([hidden])', { timeout: 10000 });
}

/* The status of GET path from outside the browser with the cookie value v. */
async function statusWith(urlPath, v) {
  return (await fetch(base + urlPath, { headers: { Cookie: 'rq_session=' + v } })).status;
}

async function totalCents() {
  const v = await page.getAttribute('#total', 'data-cents');
  return v ? Number(v) : null;
}

/* Wait until the total shown differs from prev (and is a number). */
async function totalChangedFrom(prev) {
  await page.waitForFunction((p) => {
    const c = document.getElementById('total').dataset.cents;
    return c !== '' && c !== undefined && c !== String(p);
  }, prev, { timeout: 10000 });
  return totalCents();
}

function usd(cents) {
  const s = (Math.abs(cents) / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (cents < 0 ? '-$' : '$') + s;
}

async function pdfText(url) {
  const res = await page.request.get(base + url);
  check(res.status() === 200, `GET ${url} answered ${res.status()}`);
  check((res.headers()['content-type'] || '').startsWith('application/pdf'), 'the PDF is not served as application/pdf');
  const buf = await res.body();
  check(buf.subarray(0, 5).toString('latin1') === '%PDF-', 'the PDF does not start with %PDF');
  const file = path.join(TMP, 'check.pdf');
  fs.writeFileSync(file, buf);
  const r = spawnSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  check(r.status === 0, 'pdftotext failed: ' + r.stderr);
  return r.stdout;
}

async function main() {
  const overall = setTimeout(() => {
    console.log('FAIL the browser tests took longer than 180 s');
    console.log(`${results.filter(Boolean).length} passed, ${results.filter((x) => !x).length + 1} failed`);
    process.exit(1);
  }, 180000);
  overall.unref();

  check(fs.existsSync(BIN), `${BIN} is missing; run make`);
  check(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing; run ./scripts/setup-deps.sh chromium`);
  cli(['init', '--register', REG]);   /* the server never makes a register */
  addAccounts();
  base = await startServer();
  context = await chromium.launchPersistentContext(path.join(TMP, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    viewport: { width: 1200, height: 900 },
    locale: 'en-US',
  });
  page = context.pages()[0] || await context.newPage();
  const consoleErrors = [];
  /* 4xx answers the tests provoke on purpose show as "Failed to load resource". */
  page.on('console', (m) => { if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('dialog', (d) => { consoleErrors.push('unexpected dialog: ' + d.message()); d.dismiss(); });

  let firstNumber, firstTotal, revisedNumber;

  let firstSession;

  await test('sign in: the page asks first, a wrong password is refused, then the front desk opens', async () => {
    const res = await page.goto(base + '/');
    check(res.status() === 200, 'GET / answered ' + res.status());
    const csp = res.headers()['content-security-policy'] || '';
    check(csp.includes("default-src 'self'") && csp.includes("frame-ancestors 'none'"), 'no CSP header: ' + csp);
    check(res.headers()['x-content-type-options'] === 'nosniff', 'no nosniff header');
    await page.waitForSelector('#view-login:not([hidden])', { timeout: 10000 });
    check(await page.isHidden('#view-quote'), 'the form shows before signing in');
    check((await fetch(base + '/api/quotes')).status === 401, 'the API answers without a session');
    await page.click('.lang-btn[data-lang="es"]');
    check((await page.textContent('label:has(#login-password) span')) === 'Contraseña', 'the sign-in page is not in Spanish');
    await page.click('.lang-btn[data-lang="en"]');
    await page.fill('#login-user', 'ana');
    await page.fill('#login-password', 'not-her-password');
    await page.click('#login-form button[type="submit"]');
    await page.waitForFunction(() => document.getElementById('login-error').textContent.length > 0, null, { timeout: 5000 });
    check(await page.isHidden('#view-quote'), 'a wrong password opened the front desk');
    firstSession = await signIn('ana');
    const cookies = await context.cookies(base);
    const c = cookies.find((x) => x.name === 'rq_session');
    check(c.httpOnly && c.sameSite === 'Strict', 'the session cookie is not HttpOnly and SameSite=Strict: ' + JSON.stringify(c));
    check(/^[0-9a-f]{64}$/.test(c.value), 'the session id is not 256 random bits in hex');
    check(await page.evaluate(() => document.cookie.includes('rq_session')) === false, 'scripts can read the session cookie');
    check((await page.textContent('#who-role')).includes('front desk'), 'the role is not shown');
  });

  await test('signing out ends the session; each sign-in gets a new session id', async () => {
    check(await statusWith('/api/quotes', firstSession) === 200, 'the session does not work');
    await signOut();
    check(await statusWith('/api/quotes', firstSession) === 401, 'the session still works after signing out');
    const second = await signIn('ana');
    check(second !== firstSession, 'the second sign-in got the same session id');
    const third = await signIn2();
    check(third !== second && third !== firstSession, 'a third sign-in got an old session id');
    check(await statusWith('/api/quotes', second) === 200, 'a sign-in in another browser ended this one');
    check(await statusWith('/api/quotes', third) === 200, 'the newest session does not work');
  });

  await test('the page loads with the clinic and its choices from the price tables', async () => {
    await page.waitForSelector('input[name="area"][value="left-ankle"]');
    check((await page.textContent('#clinic-name')).includes('Lone Star'), 'the clinic name is not shown');
    check(await page.isDisabled('#source-embryonic'), 'a research-only source can be chosen');
    const note = await page.textContent('label[for="source-embryonic"]');
    check(/research/i.test(note), 'the research-only reason is not shown: ' + note);
    check(await page.isDisabled('#issue'), 'Issue is enabled before anything is chosen');
  });

  await test('methods that do not fit the chosen source are disabled, with the reason', async () => {
    await page.check('#source-adipose');
    check(await page.isDisabled('#method-bmac'), 'BMAC is offered for adipose');
    check(await page.isChecked('#method-adipose-concentrate'), 'the only fitting method is not chosen');
    const note = await page.textContent('label[for="method-bmac"]');
    check(/does not fit/i.test(note), 'no reason shown for the disabled method: ' + note);
    await page.check('#source-bone-marrow');
    check(await page.isChecked('#method-bmac'), 'BMAC is not chosen for bone marrow');
    check(await page.isDisabled('#method-adipose-concentrate'), 'adipose concentrate is offered for bone marrow');
  });

  await test('the itemised total updates as choices change, equal to the command line', async () => {
    await page.fill('#patient-name', PATIENT);
    await page.fill('#patient-id', PATIENT_ID);
    await page.fill('#patient-dob', '1968-04-12');
    await page.fill('#condition', 'Osteoarthritis of the left ankle');
    await page.check('#area-left-ankle');
    const t1 = await totalChangedFrom('');
    check(t1 > 0, 'no total after choosing an area and a source');
    await page.check('#adj-prp-booster');
    const t2 = await totalChangedFrom(t1);
    check(t2 > t1, `adding a PRP booster did not raise the total (${t1} -> ${t2})`);
    check((await page.textContent('#lines')).includes('Platelet-rich plasma'), 'the PRP line is not listed');
    const q = JSON.parse(cli(['price', '--source', 'bone-marrow', '--method', 'bmac', '--area', 'left-ankle',
      '--add', 'prp-booster', '--patient-name', PATIENT, '--format', 'json']));
    check(q.total_cents === t2, `the page shows ${t2} but the command line computes ${q.total_cents}`);
    check((await page.textContent('#total')).includes(usd(t2).replace('$', '')), 'the total is not shown in dollars');
    /* each visit shows what the API says is due at it (issue #15) */
    const dues = await page.$$eval('.visit-due span:last-child', (els) => els.map((e) => e.textContent));
    const want = q.visits.filter((v) => v.charges_cents || v.due_cents).map((v) => usd(v.due_cents).replace('$', ''));
    check(dues.length === want.length && dues.every((d, i) => d.includes(want[i])),
      `the visits' amounts due ${JSON.stringify(dues)} are not the API's ${JSON.stringify(want)}`);
    firstTotal = t2;
  });

  await test('a bad request shows a helpful message and cannot be issued', async () => {
    await page.fill('#sessions', '99');
    await page.waitForSelector('#errors:not([hidden])', { timeout: 10000 });
    const text = await page.textContent('#error-list');
    check(/sessions/i.test(text) && /1 to \d+/.test(text), 'the message does not say what is allowed: ' + text);
    check(await page.isDisabled('#issue'), 'Issue is enabled with an error');
    await page.fill('#sessions', '1');
    await page.waitForSelector('#errors', { state: 'hidden', timeout: 10000 });
    await page.check('#disc-courtesy');
    await page.fill('#disc-value-courtesy', '100');
    await page.waitForSelector('#errors:not([hidden])', { timeout: 10000 });
    const t2 = await page.textContent('#error-list');
    check(/reason/i.test(t2), 'a discount without its reason is not explained: ' + t2);
    await page.uncheck('#disc-courtesy');
    await page.waitForSelector('#errors', { state: 'hidden', timeout: 10000 });
    check(await totalCents() === firstTotal, 'the total did not come back after fixing the plan');
  });

  await test('issuing opens the PDF, with the patient and the total', async () => {
    await page.waitForFunction(() => !document.getElementById('issue').disabled, null, { timeout: 10000 });
    const popup = context.waitForEvent('page', { timeout: 10000 });
    await page.click('#issue');
    await page.waitForSelector('#issued:not([hidden])', { timeout: 15000 });
    firstNumber = (await page.textContent('#issued-number')).trim();
    check(/^Q-\d{4}-\d{6}$/.test(firstNumber), 'no quote number shown: ' + firstNumber);
    const tab = await popup;
    await tab.waitForURL(/\/pdf$/, { timeout: 10000 }).catch(() => {});
    check(tab.url().endsWith(`/api/quotes/${firstNumber}/pdf`), 'the PDF did not open: ' + tab.url());
    await tab.close();
    const href = await page.getAttribute('#issued-pdf', 'href');
    const text = await pdfText(href);
    check(text.includes(PATIENT), 'the PDF does not show the patient name');
    check(text.includes(usd(firstTotal)), `the PDF does not show the total ${usd(firstTotal)}`);
    check(text.includes(firstNumber), 'the PDF does not show its number');
    check(await page.isDisabled('#issue'), 'the same plan can be issued twice by a second click');
  });

  await test('the register has the quote the page issued', async () => {
    const list = registerList();
    const e = list.find((x) => x.number === firstNumber);
    check(e, 'the quote is not in the register');
    check(e.total_cents === firstTotal, `register total ${e.total_cents} != ${firstTotal}`);
    check(e.status === 'issued' && e.patient_id === PATIENT_ID && e.patient_name === PATIENT, 'wrong entry: ' + JSON.stringify(e));
    check(fs.existsSync(path.join(OUT, firstNumber + '.pdf')), 'the PDF copy is missing from the output folder');
  });

  await test('find the quote, revise it from its stored plan, and the old one is superseded', async () => {
    await page.click('#tab-search');
    await page.fill('#s-name', 'müller');
    await page.click('#search-form button[type="submit"]');
    const row = `#results-body tr[data-number="${firstNumber}"]`;
    await page.waitForSelector(row, { timeout: 10000 });
    await page.click(`${row} button[data-action="revise"]`);
    await page.waitForSelector('#revising:not([hidden])');
    check(await page.inputValue('#patient-name') === PATIENT, 'the stored plan was not loaded into the form');
    check(await page.isChecked('#adj-prp-booster'), 'the stored adjunct was not loaded');
    await page.waitForFunction((v) => document.getElementById('total').dataset.cents === String(v), firstTotal, { timeout: 10000 });
    await page.fill('#sessions', '2');
    const t = await totalChangedFrom(firstTotal);
    check(t > firstTotal, 'a second session did not raise the total');
    check((await page.textContent('#issue')).includes('revision'), 'the button does not say it issues a revision');
    const popup = context.waitForEvent('page', { timeout: 10000 });
    await page.click('#issue');
    await page.waitForSelector('#issued:not([hidden])', { timeout: 15000 });
    await (await popup).close();
    revisedNumber = (await page.textContent('#issued-number')).trim();
    check(revisedNumber !== firstNumber, 'the revision has the old number');
    check((await page.textContent('#issued-total')).includes(firstNumber), 'the page does not say what it replaces');
    const list = registerList();
    const old = list.find((x) => x.number === firstNumber), neu = list.find((x) => x.number === revisedNumber);
    check(old && old.status === 'superseded' && old.superseded_by === revisedNumber, 'the old quote is not superseded');
    check(neu && neu.supersedes === firstNumber && neu.total_cents === t, 'the revision is not in the register as shown');
    const text = await pdfText(`/api/quotes/${revisedNumber}/pdf`);
    check(text.includes(firstNumber), 'the revised PDF does not say which quote it replaces');
  });

  await test('the front desk cannot void: no Void button, and the API names the manager role', async () => {
    await page.click('#tab-search');
    await page.fill('#s-name', '');
    await page.click('#search-form button[type="submit"]');
    const row = `#results-body tr[data-number="${revisedNumber}"]`;
    await page.waitForSelector(row, { timeout: 10000 });
    check(await page.locator(`${row} button[data-action="revise"]`).count() === 1, 'no Revise button for the front desk');
    check(await page.locator(`${row} button[data-action="void"]`).count() === 0, 'a Void button for the front desk');
    check(await page.isHidden('#tab-audit'), 'the audit trail tab shows for the front desk');
    const r = await page.evaluate(async (n) => {
      const res = await fetch('/api/quotes/' + n + '/void', { method: 'POST',
        headers: { 'X-Regenquote': '1', 'Content-Type': 'application/json' }, body: JSON.stringify({ reason: 'Trying' }) });
      return { status: res.status, body: await res.json() };
    }, revisedNumber);
    check(r.status === 403, 'voiding as the front desk answered ' + r.status);
    check(/manager role/.test(r.body.errors[0].message) && r.body.needs_role[0] === 'manager',
      'the refusal does not name the role: ' + JSON.stringify(r.body));
    check(registerList().find((x) => x.number === revisedNumber).status === 'issued', 'the quote changed');
  });

  await test('void needs a reason, then the quote shows as void (signed in as the manager)', async () => {
    await signOut();
    await signIn('max');
    await page.click('#tab-search');
    await page.fill('#s-name', '');
    await page.click('#search-form button[type="submit"]');
    const row = `#results-body tr[data-number="${revisedNumber}"]`;
    await page.waitForSelector(row, { timeout: 10000 });
    await page.click(`${row} button[data-action="void"]`);
    await page.click('#void-form button[type="submit"]');
    check((await page.textContent('#void-error')).length > 0, 'voiding without a reason gave no message');
    await page.fill('#void-reason', 'Patient chose another clinic');
    await page.click('#void-form button[type="submit"]');
    await page.waitForSelector(`${row} .status-void`, { timeout: 10000 });
    const e = registerList().find((x) => x.number === revisedNumber);
    check(e.status === 'void', 'the register does not show it void');
  });

  await test('the manager sees the audit trail: who did what, and that the chain is intact', async () => {
    await page.click('#tab-audit');
    await page.waitForSelector('#audit-body tr', { timeout: 10000 });
    const rows = await page.$$eval('#audit-body tr', (trs) => trs.map((tr) => Array.from(tr.cells).map((c) => c.textContent)));
    const has = (actor, kind, quote) => rows.some((c) => c[2] === actor && c[3] === kind && (!quote || c[4] === quote));
    check(has('ana', 'issued', firstNumber), 'the issue by ana is not in the trail');
    check(has('max', 'voided', revisedNumber), 'the void by max is not in the trail');
    check(has('ana', 'login failed'), 'the failed sign-in is not in the trail');
    check(has('ana', 'logout'), 'the sign-out is not in the trail');
    await page.fill('#a-actor', 'max');
    await page.click('#audit-form button[type="submit"]');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('#audit-body tr'))
      .every((tr) => tr.cells[2].textContent === 'max'), null, { timeout: 10000 });
    await page.click('#audit-verify');
    await page.waitForFunction(() => /intact/.test(document.getElementById('audit-status').textContent), null, { timeout: 10000 });
    const v = spawnSync(BIN, ['audit', 'verify', '--register', REG], { encoding: 'utf8' });
    check(v.status === 0, 'regenquote audit verify: ' + v.stderr);
  });

  await test('the manager explains a bill line in the front desk: the same record as bill explain', async () => {
    const plan = { patient: { name: 'Bill Tester', id: 'P-BILL-1' }, areas: ['left-ankle'], cell_source: 'bone-marrow' };
    const issued = await page.evaluate(async (body) => {
      const res = await fetch('/api/quotes', { method: 'POST', headers: { 'X-Regenquote': '1', 'Content-Type': 'application/json' },
        body: JSON.stringify(body) });
      return { status: res.status, body: await res.json() };
    }, plan);
    check(issued.status === 201, 'issuing answered ' + issued.status);
    const number = issued.body.number, today = new Date().toISOString().slice(0, 10);
    const bill = path.join(TMP, 'bill.csv');
    fs.writeFileSync(bill, 'bill_date,date_of_service,provider,code,description,quantity,amount\n' +
      `${today},${today},clinic,20611,Joint injection,1,450.00\n`);
    const added = spawnSync(BIN, ['bill', 'add', number, bill, '--register', REG], { encoding: 'utf8' });
    check(added.status === 0, 'bill add: ' + added.stderr);
    await page.click('#tab-search');
    await page.fill('#s-name', 'Bill Tester');
    await page.click('#search-form button[type="submit"]');
    const row = `#results-body tr[data-number="${number}"]`;
    await page.waitForSelector(`${row} button[data-action="bill"]`, { timeout: 10000 });
    await page.click(`${row} button[data-action="bill"]`);
    await page.waitForSelector('#bill-box:not([hidden]) #bill-providers tr[data-line="1"]', { timeout: 10000 });
    await page.click('#bill-providers tr[data-line="2"] button[data-action="explain"]');
    check(await page.inputValue('#bill-line') === '2', 'Explain did not choose line 2');
    check(await page.evaluate(() => document.activeElement.id) === 'bill-text', 'the text box has no focus');
    await page.click('#bill-explain-form button[type="submit"]');
    check((await page.textContent('#bill-explain-error')).length > 0, 'an empty explanation gave no message');
    const TEXT = 'The injection was added on the day at the patient\'s request';
    await page.fill('#bill-text', TEXT);
    await page.click('#bill-explain-form button[type="submit"]');
    await page.waitForSelector('#bill-providers tr[data-line="2"] .bill-note', { timeout: 10000 });
    const note = await page.textContent('#bill-providers tr[data-line="2"] .bill-note');
    check(note.startsWith('max, ') && note.endsWith(': ' + TEXT), 'the line shows: ' + note);
    check(await page.inputValue('#bill-text') === '', 'the text box was not emptied');
    const c = spawnSync(BIN, ['bill', 'check', number, '--format', 'json', '--register', REG], { encoding: 'utf8' });
    const rows = JSON.parse(c.stdout).providers.flatMap((p) => p.rows);
    const ex = rows.find((x) => x.line === 2).explanations;
    check(ex.length === 1 && ex[0].text === TEXT && ex[0].written_by === 'max', 'bill check shows: ' + JSON.stringify(ex));
    check(rows.filter((x) => x.line !== 2).every((x) => x.explanations.length === 0), 'another line got it');
    await page.click('#bill-close');
    await page.fill('#s-name', '');
  });

  await test('patient text is shown as text, never run as markup', async () => {
    await page.click('#tab-new');
    await page.click('#reset');
    await page.fill('#patient-name', HOSTILE);
    await page.check('#area-right-knee');
    await page.check('#source-umbilical-cord');
    await totalChangedFrom('');
    await page.waitForFunction(() => !document.getElementById('issue').disabled, null, { timeout: 10000 });
    const popup = context.waitForEvent('page', { timeout: 10000 });
    await page.click('#issue');
    await page.waitForSelector('#issued:not([hidden])', { timeout: 15000 });
    await (await popup).close();
    const number = (await page.textContent('#issued-number')).trim();
    await page.click('#tab-search');
    await page.click('#search-form button[type="submit"]');
    const cell = `#results-body tr[data-number="${number}"] td:nth-child(3) div`;
    await page.waitForSelector(cell, { timeout: 10000 });
    check((await page.textContent(cell)) === HOSTILE, 'the name is not shown exactly as typed');
    check(await page.evaluate(() => window.__xss === undefined), 'markup in a patient name ran');
    check(await page.locator('#results-body img').count() === 0, 'markup in a patient name became an element');
  });

  await test('the API refuses cross-site style requests and malformed JSON', async () => {
    const r = await page.evaluate(async () => {
      const a = await fetch('/api/price', { method: 'POST', body: '{}' });
      const b = await fetch('/api/price', { method: 'POST', headers: { 'X-Regenquote': '1' }, body: '{"areas": [' });
      return { a: a.status, b: b.status, bBody: await b.json() };
    });
    check(r.a === 403, 'a POST without the CSRF header answered ' + r.a);
    check(r.b === 400, 'malformed JSON answered ' + r.b);
    check(/line 1, column \d+/.test(r.bBody.errors[0].message), 'no position in: ' + r.bBody.errors[0].message);
  });

  await test('English and Spanish labels, and the quote language', async () => {
    await page.click('#tab-new');
    await page.click('#reset');
    await page.fill('#patient-name', 'Ana Ruiz');
    await page.fill('#patient-id', 'P-10458');
    await page.fill('#patient-dob', '1979-03-02');
    await page.fill('#condition', 'Chronic plantar fasciitis, both feet');
    await page.fill('#icd10', 'M72.2');
    await page.check('#area-left-plantar-fascia');
    await page.check('#area-right-plantar-fascia');
    await page.check('#source-bone-marrow');
    await page.check('#adj-prolotherapy-primer');
    await page.check('#disc-military');
    await page.fill('#disc-reason-military', 'Veteran ID checked');
    await totalChangedFrom('');
    await page.waitForSelector('#errors', { state: 'hidden' });
    await page.click('.lang-btn[data-lang="es"]');
    check((await page.textContent('#tab-new')) === 'Nuevo presupuesto', 'the labels did not change to Spanish');
    check(await page.inputValue('#quote-lang') === 'es', 'the quote language did not follow the page');
    check((await page.textContent('#total')).includes('$'), 'the total disappeared');
    /* the summary's lines follow: priced again in the quote's new language */
    await page.waitForFunction(() => /Proloterapia preparatoria/.test(document.getElementById('lines').textContent),
      null, { timeout: 5000 }).catch(() => {});
    check(/Proloterapia preparatoria/.test(await page.textContent('#lines')),
      'the summary still lists the lines in English after switching to Spanish');
    await page.click('.lang-btn[data-lang="en"]');
    check((await page.textContent('#tab-new')) === 'New quote', 'the labels did not change back to English');
  });

  await test('no browser errors, and no patient data in the access log', async () => {
    check(consoleErrors.length === 0, 'browser errors: ' + consoleErrors.join(' | '));
    check(/"POST \/api\/quotes" 201/.test(serverLog), 'the access log lacks the issue requests');
    for (const secret of [PATIENT, 'Müller', 'müller', 'm%C3%BCller', PATIENT_ID, 'Ana Ruiz', 'Ruiz'])
      check(!serverLog.includes(secret), `the access log contains patient data (${secret})`);
    for (const secret of [ACCOUNTS.ana[1], ACCOUNTS.max[1], 'not-her-password', firstSession])
      check(!serverLog.includes(secret), 'the access log contains a password or a session id');
  });

  const code = await stopServer();
  await test('the server stops cleanly on SIGTERM', async () => {
    check(code === 0, 'the server exited with ' + code);
    check(/stopped/.test(serverLog), 'the server did not say it stopped');
  });

  await test('an idle session ends: the page asks to sign in again', async () => {
    base = await startServer(['--session-idle', '2']);
    await page.goto(base + '/');
    const v = await signIn('ana');
    await page.waitForSelector('input[name="area"][value="left-knee"]', { timeout: 10000 });
    await page.waitForTimeout(3500);
    await page.click('#tab-search');
    await page.waitForSelector('#view-login:not([hidden])', { timeout: 10000 });
    check(await page.isVisible('#login-ended'), 'the page does not say the session ended');
    check(await statusWith('/api/quotes', v) === 401, 'the idle session still works');
    await signIn('ana');
    await context.close();
    check(await stopServer() === 0, 'the server did not stop cleanly');
  });
}

main().catch((e) => {
  results.push(false);
  console.log('FAIL the test run stopped: ' + (e && e.stack ? e.stack : e));
}).finally(async () => {
  try { if (context) await context.close(); } catch (e) { /* already closed */ }
  await stopServer();
  const passed = results.filter(Boolean).length, failed = results.length - passed;
  if (failed && process.env.VERBOSE) console.log(serverLog);
  if (!process.env.KEEP_TMP) fs.rmSync(TMP, { recursive: true, force: true });
  else console.log('kept ' + TMP);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
});
