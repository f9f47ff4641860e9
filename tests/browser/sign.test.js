#!/usr/bin/env node
/* The patient signs at the front desk (Debian's chromium, headless) for the
 * sample California clinic: the notice shows verbatim, a signature is drawn
 * with mouse moves, the accepted copy holds it and the issued PDF unchanged.
 *
 *   node tests/browser/sign.test.js      (make test-browser runs it)
 *
 * Environment: REGENQUOTE_BIN (default ./regenquote), CHROMIUM (default
 * /usr/bin/chromium), KEEP_TMP=1 keeps the temporary folder. */
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.resolve(ROOT, process.env.REGENQUOTE_BIN || 'regenquote');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-sign-'));
const REG = path.join(TMP, 'register.db');
const OUT = path.join(TMP, 'out');
const CA_SRC = path.join(ROOT, 'examples', 'clinics', 'california');
const CA = path.join(TMP, 'prices');   /* the California tables and a mail.json for the test relay */
const MAIL = path.join(TMP, 'mail');
const CA_TEXT = 'THIS NOTICE MUST BE PROVIDED TO YOU UNDER CALIFORNIA LAW. This health care practitioner performs ' +
  'one or more stem cell therapies that have not been approved by the United States Food and Drug Administration. ' +
  'You are encouraged to consult with your primary care physician prior to undergoing a stem cell therapy.';

const DESK = 'desk', DESK_PASSWORD = 'sign-test-password-1';
let server, smtpd, failed = 0, passed = 0;
function check(cond, msg) { if (!cond) throw new Error(msg); }
async function test(name, fn) {
  const t0 = Date.now();
  try { await fn(); passed++; console.log(`ok   ${name} (${Date.now() - t0} ms)`); } catch (e) {
    failed++; console.log(`FAIL ${name}: ${e && e.message ? e.message.split('\n')[0] : e}`);
  }
}

function startServer() {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.REGENQUOTE_TOKEN;
    delete env.SOURCE_DATE_EPOCH;
    server = spawn(BIN, ['serve', '--port', '0', '--register', REG, '--out-dir', OUT, '--prices', CA,
      '--templates', path.join(ROOT, 'templates'), '--web', path.join(ROOT, 'web')],
    { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    const timer = setTimeout(() => reject(new Error('the server did not start:\n' + log)), 10000);
    server.stderr.on('data', (d) => {
      log += d.toString();
      const m = /front desk at (http:\/\/127\.0\.0\.1:\d+)\//.exec(log);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
  });
}

(async () => {
  const overall = setTimeout(() => { console.log('FAIL the signing test took longer than 120 s'); process.exit(1); }, 120000);
  overall.unref();
  spawnSync(BIN, ['init', '--register', REG], { cwd: ROOT });
  /* the front desk knows nobody without an account: one front-desk clerk */
  const added = spawnSync(BIN, ['user', 'add', DESK, '--role', 'front-desk', '--register', REG],
    { cwd: ROOT, input: DESK_PASSWORD + '\n', encoding: 'utf8' });
  if (added.status !== 0) { console.log('FAIL user add: ' + added.stderr); process.exit(1); }
  /* a local SMTP server (aiosmtpd) on a free loopback port, stopped at the end */
  fs.mkdirSync(CA);
  fs.mkdirSync(MAIL);
  for (const f of fs.readdirSync(CA_SRC)) fs.copyFileSync(path.join(CA_SRC, f), path.join(CA, f));
  smtpd = spawn('/usr/bin/python3', [path.join(ROOT, 'tests', 'smtp_server.py'), 'ok', MAIL], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve) => smtpd.stdout.once('data', (d) => resolve(parseInt(d.toString(), 10))));
  fs.writeFileSync(path.join(CA, 'mail.json'), JSON.stringify({ server: '127.0.0.1', port, security: 'none',
    from: 'billing@pacificcoast.example', timeout_seconds: 5 }));
  const base = await startServer();
  /* signed in: the API from here with the session cookie, the page with the same cookie */
  const login = await fetch(base + '/api/login', { method: 'POST',
    headers: { 'X-Regenquote': '1', 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: DESK, password: DESK_PASSWORD }) });
  const sid = (/rq_session=([0-9a-f]+)/.exec(login.headers.get('set-cookie') || '') || [])[1];
  if (!sid) { console.log('FAIL signing in answered ' + login.status); process.exit(1); }
  const authFetch = (url, opts) => fetch(url, { ...(opts || {}),
    headers: { ...((opts && opts.headers) || {}), Cookie: 'rq_session=' + sid } });
  const context = await chromium.launchPersistentContext(path.join(TMP, 'profile'), {
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage'],
    viewport: { width: 1200, height: 1000 }, locale: 'en-US',
  });
  await context.addCookies([{ name: 'rq_session', value: sid, url: base }]);
  const page = context.pages()[0] || await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  let number;

  await test('a California quote is issued through the API', async () => {
    const req = JSON.parse(fs.readFileSync(path.join(CA_SRC, 'request-adipose-knee.json'), 'utf8'));
    const res = await authFetch(base + '/api/quotes', { method: 'POST', body: JSON.stringify(req),
      headers: { 'Content-Type': 'application/json', 'X-Regenquote': '1' } });
    const data = await res.json();
    check(res.status === 201, 'status ' + res.status + ' ' + JSON.stringify(data));
    number = data.number;
  });

  await test('the sign panel shows the California notice verbatim', async () => {
    await page.goto(base + '/#sign=' + number);
    await page.waitForSelector('#sign-panel:not([hidden]) .notice-text', { timeout: 10000 });
    const text = await page.textContent('#sign-notice .notice-text');
    check(text === CA_TEXT, 'notice on screen: ' + text);
  });

  await test('on a Spanish quote the sign panel shows the Spanish companion beside the English notice', async () => {
    /* an English page: the companion follows the quote's language, as on the PDF */
    const notice = JSON.parse(fs.readFileSync(path.join(CA_SRC, 'notices.json'), 'utf8')).notices.find((n) => n.state === 'CA');
    const req = JSON.parse(fs.readFileSync(path.join(CA_SRC, 'request-adipose-knee.json'), 'utf8'));
    req.language = 'es';
    const res = await authFetch(base + '/api/quotes', { method: 'POST', body: JSON.stringify(req),
      headers: { 'Content-Type': 'application/json', 'X-Regenquote': '1' } });
    const data = await res.json();
    check(res.status === 201, 'status ' + res.status + ' ' + JSON.stringify(data));
    await page.goto(base + '/#sign=' + data.number);
    await page.waitForSelector('#sign-panel:not([hidden]) .notice-translation', { timeout: 10000 });
    check(await page.evaluate(() => document.documentElement.lang) === 'en', 'the page is not in English');
    check(await page.textContent('#sign-notice .notice-text') === CA_TEXT, 'the English text is not shown verbatim');
    const es = await page.textContent('#sign-notice .notice-translation .notice-text-es');
    check(es === notice.text_es, 'the Spanish companion on screen: ' + es);
    check(await page.getAttribute('#sign-notice .notice-translation', 'lang') === 'es', 'the companion is not marked lang=es');
    const note = await page.textContent('#sign-notice .notice-translation .translation-note');
    check(note === notice.translation_note_es && /Traducción/.test(note), 'not marked as a translation: ' + note);
    /* the English text comes first, as on the PDF */
    check(await page.evaluate(() => {
      const en = document.querySelector('#sign-notice .notice-text'), tr = document.querySelector('#sign-notice .notice-translation');
      return !!(en.compareDocumentPosition(tr) & Node.DOCUMENT_POSITION_FOLLOWING);
    }), 'the translation comes before the English text');
    /* and the PDF the patient reads says the same on page 1 */
    const pdf = path.join(TMP, 'es.pdf');
    fs.writeFileSync(pdf, Buffer.from(await (await authFetch(base + data.pdf_url)).arrayBuffer()));
    const p1 = spawnSync('pdftotext', ['-q', '-f', '1', '-l', '1', pdf, '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
    check(p1.includes('Traducción al español') && p1.includes('ESTE AVISO DEBE ENTREGÁRSELE'), 'page 1 of the PDF: ' + p1.slice(0, 300));
  });

  await test('on an English quote the sign panel shows the English notice alone', async () => {
    await page.goto(base + '/#sign=' + number);
    await page.waitForSelector('#sign-panel:not([hidden]) .notice-text', { timeout: 10000 });
    await page.waitForFunction((n) => document.getElementById('sign-number').textContent === n, number, { timeout: 10000 });
    check(await page.locator('#sign-notice .notice-translation').count() === 0, 'a translation on an English quote');
  });

  await test('signing with the mouse accepts the quote and makes the accepted copy', async () => {
    await page.locator('#sign-pad').scrollIntoViewIfNeeded();
    const box = await page.locator('#sign-pad').boundingBox();
    await page.mouse.move(box.x + 30, box.y + 120);
    await page.mouse.down();
    for (let i = 0; i <= 40; i++)
      await page.mouse.move(box.x + 30 + i * 12, box.y + 90 + 40 * Math.sin(i / 4), { steps: 2 });
    await page.mouse.up();
    await page.fill('#sign-name', 'Ana Lucía Rivera');
    await page.fill('#sign-email', 'ana@example.org');
    await page.click('#sign-submit');
    try {
      await page.waitForSelector('#sign-accepted', { timeout: 10000 });
    } catch (e) {
      throw new Error('not accepted: ' + await page.textContent('#sign-error'));
    }
    const show = await (await authFetch(base + '/api/quotes/' + number)).json();
    check(show.status === 'accepted', 'status ' + show.status);
    const acc = Buffer.from(await (await authFetch(base + '/api/quotes/' + number + '/accepted')).arrayBuffer());
    const issued = Buffer.from(await (await authFetch(base + '/api/quotes/' + number + '/pdf')).arrayBuffer());
    check(acc.length > issued.length && acc.subarray(0, issued.length).equals(issued), 'issued PDF is not a prefix');
    const f = path.join(TMP, 'accepted.pdf');
    fs.writeFileSync(f, acc);
    check(spawnSync('qpdf', ['--check', f]).status === 0, 'qpdf --check failed');
    const txt = spawnSync('pdftotext', ['-q', '-f', '4', '-l', '4', f, '-'], { encoding: 'utf8' }).stdout;
    check(/Ana Lucía Rivera/.test(txt) && new RegExp(DESK).test(txt) && /on screen at the front desk/.test(txt),
      'acceptance page: ' + txt.slice(0, 300));
    /* the drawn signature is an image on that page */
    const img = spawnSync('pdfimages', ['-list', '-f', '4', '-l', '4', f], { encoding: 'utf8' }).stdout;
    check(/image/.test(img), 'no signature image: ' + img);
  });

  await test('the patient who gave an e-mail address at signing gets the PDF by e-mail', async () => {
    await page.click('#sign-send');
    await page.waitForFunction(() => document.getElementById('sign-sent').textContent !== '', null, { timeout: 15000 });
    const eml = fs.readFileSync(path.join(MAIL, '1.eml'), 'latin1');
    check(/Subject: Your estimate Q-\d{4}-\d+ from Pacific Coast/.test(eml), 'subject');
    const issued = Buffer.from(await (await authFetch(base + '/api/quotes/' + number + '/pdf')).arrayBuffer());
    const m = /filename="[^"]+\.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n([A-Za-z0-9+\/=\r\n]+?)\r\n--/.exec(eml);
    check(m && Buffer.from(m[1].replace(/\r\n/g, ''), 'base64').equals(issued), 'the attachment is not the issued PDF');
    const show = await (await authFetch(base + '/api/quotes/' + number)).json();
    check(JSON.stringify(show).includes('delivered'), 'no delivery in the history');
  });

  await test('where the notice requires signed consent (Utah), the panel says the signature is that consent', async () => {
    /* the same tables moved to Utah: the server reloads them when the file changes */
    const clinic = path.join(CA, 'clinic.json');
    fs.writeFileSync(clinic, fs.readFileSync(clinic, 'utf8').replace('"state": "CA"', '"state": "UT"'));
    const req = JSON.parse(fs.readFileSync(path.join(CA_SRC, 'request-adipose-knee.json'), 'utf8'));
    const res = await authFetch(base + '/api/quotes', { method: 'POST', body: JSON.stringify(req),
      headers: { 'Content-Type': 'application/json', 'X-Regenquote': '1' } });
    const data = await res.json();
    check(res.status === 201, 'status ' + res.status + ' ' + JSON.stringify(data));
    await page.goto(base + '/#sign=' + data.number);
    await page.waitForSelector('#sign-panel:not([hidden]) .notice-consent', { timeout: 10000 });
    check(/UNDER UTAH LAW/.test(await page.textContent('#sign-notice .notice-text')), 'not the Utah notice');
    const consent = await page.textContent('#sign-notice .notice-consent');
    check(consent === 'Your signature below is also your signed consent to the stem cell therapy in this estimate, ' +
      'after reading the notice above, as Utah Code § 58-1-512 requires.', 'the consent sentence: ' + consent);
    const box = await page.locator('#sign-pad').boundingBox();
    await page.mouse.move(box.x + 40, box.y + 100);
    await page.mouse.down();
    for (let i = 0; i <= 30; i++) await page.mouse.move(box.x + 40 + i * 10, box.y + 80 + 30 * Math.cos(i / 3), { steps: 2 });
    await page.mouse.up();
    await page.fill('#sign-name', 'Ana Lucía Rivera');
    await page.fill('#sign-email', '');
    await page.click('#sign-submit');
    await page.waitForSelector('#sign-accepted', { timeout: 10000 });
    const f = path.join(TMP, 'ut-accepted.pdf');
    fs.writeFileSync(f, Buffer.from(await (await authFetch(base + '/api/quotes/' + data.number + '/accepted')).arrayBuffer()));
    const pages = spawnSync('qpdf', ['--show-npages', f], { encoding: 'utf8' }).stdout.trim();
    const txt = spawnSync('pdftotext', ['-q', '-f', pages, '-l', pages, f, '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
    check(txt.includes("This signature is also the patient's signed consent") && txt.includes('Utah Code § 58-1-512 requires'),
      'the acceptance page: ' + txt.slice(0, 400));
    const show = await (await authFetch(base + '/api/quotes/' + data.number)).json();
    check(show.history.some((h) => h.action === 'accepted' && h.actor === DESK && /signed consent the notice requires/.test(h.detail)),
      'the history: ' + JSON.stringify(show.history));
  });

  await test('the page raised no script errors', async () => { check(errors.length === 0, errors.join('; ')); });

  await context.close();
  server.kill('SIGTERM');
  smtpd.kill('SIGTERM');
  if (!process.env.KEEP_TMP) fs.rmSync(TMP, { recursive: true, force: true });
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})().catch((e) => {
  console.log('FAIL ' + e);
  if (server) server.kill('SIGTERM');
  if (smtpd) smtpd.kill('SIGTERM');
  process.exit(1);
});
