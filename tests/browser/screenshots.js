#!/usr/bin/env node
/* The README's pictures of the front desk, taken from the running server
 * after signing in: docs/front-desk-en.png and docs/front-desk-es.png,
 * 1000 × 750 pixels (PNG): the page laid out for a 1200 × 900 window (a
 * desk's screen) and drawn at 1000/1200 scale, so the files stay small
 * and readable.  A fictional patient and plan on the
 * default (Texas) tables; nothing is issued.
 *
 *   make screenshots                 (or: node tests/browser/screenshots.js)
 *
 * Environment: REGENQUOTE_BIN (default ./regenquote), CHROMIUM (default
 * /usr/bin/chromium), OUT_DIR (default docs), KEEP_TMP=1 keeps the
 * temporary folder.  Exits 1 when a step fails. */
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.resolve(ROOT, process.env.REGENQUOTE_BIN || 'regenquote');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OUT_DIR = path.resolve(ROOT, process.env.OUT_DIR || 'docs');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-shots-'));
const REG = path.join(TMP, 'register.db');
const WIDTH = 1200, HEIGHT = 900, PIXELS_WIDE = 1000;
const USER = 'maria', PASSWORD = 'screenshot-password-1';

let server;

function startServer() {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.SOURCE_DATE_EPOCH;
    server = spawn(BIN, ['serve', '--port', '0', '--register', REG, '--out-dir', path.join(TMP, 'out'),
      '--prices', path.join(ROOT, 'pricing'), '--templates', path.join(ROOT, 'templates'), '--web', path.join(ROOT, 'web')],
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

async function main() {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing; run make`);
  let r = spawnSync(BIN, ['init', '--register', REG], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error('regenquote init: ' + r.stderr);
  r = spawnSync(BIN, ['user', 'add', USER, '--role', 'front-desk', '--register', REG],
    { cwd: ROOT, input: PASSWORD + '\n', encoding: 'utf8' });
  if (r.status !== 0) throw new Error('regenquote user add: ' + r.stderr);
  const base = await startServer();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage', '--font-render-hinting=none'] });
  const page = await browser.newPage({ viewport: { width: WIDTH, height: HEIGHT }, deviceScaleFactor: PIXELS_WIDE / WIDTH, locale: 'en-US' });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  /* signed in through the page's own form, as a clerk would */
  await page.goto(base + '/');
  await page.waitForSelector('#view-login:not([hidden])', { timeout: 10000 });
  await page.click('.lang-btn[data-lang="en"]');
  await page.fill('#login-user', USER);
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-form button[type="submit"]');
  await page.waitForSelector('#who:not([hidden])', { timeout: 10000 });
  await page.waitForSelector('input[name="area"][value="left-plantar-fascia"]', { timeout: 10000 });

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
  await page.waitForFunction(() => (document.getElementById('total').dataset.cents || '') !== '', null, { timeout: 10000 });
  await page.waitForSelector('#errors', { state: 'hidden' });

  const shots = [];
  for (const lang of ['en', 'es']) {
    await page.click(`.lang-btn[data-lang="${lang}"]`);
    await page.waitForFunction((l) => document.documentElement.lang === l, lang, { timeout: 10000 });
    /* the quote in the page's language: choosing it prices the plan again,
     * so the summary's lines are in that language too */
    const priced = page.waitForResponse((res) => res.url().endsWith('/api/price') && res.status() === 200, { timeout: 10000 });
    await page.selectOption('#quote-lang', lang);
    await priced;
    await page.waitForTimeout(200);
    await page.evaluate(() => { document.activeElement.blur(); window.scrollTo(0, 0); });
    const file = path.join(OUT_DIR, `front-desk-${lang}.png`);
    await page.screenshot({ path: file });
    shots.push(file);
  }
  await browser.close();
  server.kill('SIGTERM');
  if (errors.length) throw new Error('the page raised script errors: ' + errors.join('; '));
  for (const f of shots) console.log(`${path.relative(ROOT, f)}  ${fs.statSync(f).size} bytes`);
}

main().then(() => {
  if (!process.env.KEEP_TMP) fs.rmSync(TMP, { recursive: true, force: true });
}).catch((e) => {
  console.error('screenshots: ' + (e && e.message ? e.message : e));
  if (server) server.kill('SIGTERM');
  process.exit(1);
});
