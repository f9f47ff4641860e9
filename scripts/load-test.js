#!/usr/bin/env node
/* Load test of `regenquote serve`: C concurrent clients issue quotes for S
 * seconds against a server this script starts on 127.0.0.1 (free port,
 * temporary register, no rate limit), then every issued quote is
 * accounted for: 2xx answers == register entries, numbers distinct, every
 * PDF copy present and the right size.  Bounded in time and in count; it
 * stops by itself.  Node's standard library only.
 *
 *   node scripts/load-test.js [--clients 50] [--seconds 60] [--max 200000]
 *
 * Environment: REGENQUOTE_BIN (default ./regenquote), KEEP_TMP=1.
 * Exit status 0 when everything is accounted for, 1 otherwise. */
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.resolve(ROOT, process.env.REGENQUOTE_BIN || 'regenquote');
const args = process.argv.slice(2);
function opt(name, def) {
  const i = args.indexOf('--' + name);
  if (i < 0) return def;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 1) { console.error(`load-test: --${name} needs a positive whole number`); process.exit(2); }
  return v;
}
const CLIENTS = opt('clients', 50), SECONDS = opt('seconds', 60), MAX = opt('max', 200000);
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-load-'));
const REG = path.join(TMP, 'register.db'), OUT = path.join(TMP, 'out');

const AREAS = ['left-knee', 'right-knee', 'left-ankle', 'right-ankle', 'left-achilles', 'right-plantar-fascia'];
const SOURCES = [['bone-marrow', 'bmac'], ['adipose', 'adipose-concentrate'], ['umbilical-cord', 'allograft-thaw']];

function plan(i) {
  const [source, method] = SOURCES[i % SOURCES.length];
  const req = {
    patient: { name: `Load Patient ${i}`, id: `L-${i}` },
    areas: [AREAS[i % AREAS.length]], cell_source: source, processing_method: method,
    sessions: 1 + (i % 2), language: i % 3 === 0 ? 'es' : 'en',
  };
  if (i % 4 === 0) req.adjuncts = ['prp-booster'];
  return JSON.stringify(req);
}

/* The register the server issues into: it never makes one itself. */
function initRegister() {
  const r = spawnSync(BIN, ['init', '--register', REG, '--by', 'load-test'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error('regenquote init failed: ' + r.stderr);
}

function startServer() {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.REGENQUOTE_TOKEN;
    const srv = spawn(BIN, ['serve', '--port', '0', '--rate-limit', '0', '--register', REG, '--out-dir', OUT,
      '--prices', path.join(ROOT, 'pricing'), '--templates', path.join(ROOT, 'templates'), '--by', 'load-test'],
    { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '', early = '', done = false;
    srv.stderr.on('data', (d) => {
      if (!done) early += d.toString();
      /* Keep only what is needed: the start line and problems, not 1000s of access lines. */
      for (const line of d.toString().split('\n')) {
        if (/front desk at|regenquote:|http:/.test(line) && !/"(GET|POST) /.test(line)) log += line + '\n';
        const m = /front desk at http:\/\/127\.0\.0\.1:(\d+)\//.exec(line);
        if (m && !done) { done = true; resolve({ srv, port: Number(m[1]), log: () => log }); }
      }
    });
    srv.on('exit', (code) => { if (!done) reject(new Error(`the server exited (${code}): ${early.trim()}`)); });
    setTimeout(() => { if (!done) reject(new Error('the server did not start in 10 s')); }, 10000);
  });
}

function post(agent, port, body) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = http.request({ host: '127.0.0.1', port, path: '/api/quotes', method: 'POST', agent,
      headers: { 'Content-Type': 'application/json', 'X-Regenquote': '1', 'Content-Length': Buffer.byteLength(body) } },
    (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString(),
        ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    });
    req.setTimeout(120000, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: String(e), ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    req.end(body);
  });
}

function pct(sorted, p) {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing; run make`);
  initRegister();
  const { srv, port, log } = await startServer();
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const deadline = Date.now() + SECONDS * 1000;
  let next = 0;
  const ok = [], failures = {}, lat = [];
  const t0 = Date.now();
  async function client() {
    while (Date.now() < deadline && next < MAX) {
      const i = next++;
      const r = await post(agent, port, plan(i));
      lat.push(r.ms);
      if (r.status >= 200 && r.status < 300) {
        try { ok.push(JSON.parse(r.body).number); } catch (e) { ok.push(null); }
      } else {
        const key = r.status + ' ' + r.body.slice(0, 160);
        failures[key] = (failures[key] || 0) + 1;
      }
    }
  }
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const secs = (Date.now() - t0) / 1000;
  agent.destroy();
  srv.kill('SIGTERM');
  const code = await new Promise((r) => srv.on('exit', (c, s) => r(s ? s : c)));

  lat.sort((a, b) => a - b);
  console.log(`load-test: ${CLIENTS} clients, ${secs.toFixed(1)} s, ${next} requests, ${ok.length} issued ` +
    `(${(ok.length / secs).toFixed(1)} quotes/s); latency ms p50 ${pct(lat, 50).toFixed(1)}, ` +
    `p95 ${pct(lat, 95).toFixed(1)}, p99 ${pct(lat, 99).toFixed(1)}, max ${(lat[lat.length - 1] || 0).toFixed(1)}`);
  const problems = [];
  for (const [k, n] of Object.entries(failures)) problems.push(`${n} × HTTP ${k}`);
  if (code !== 0) problems.push(`the server exited with ${code} on SIGTERM`);

  /* Account for every quote. */
  const ls = spawnSync(BIN, ['list', '--register', REG, '--out-dir', OUT, '--format', 'json'],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (ls.status !== 0) problems.push('regenquote list failed: ' + ls.stderr);
  const entries = ls.status === 0 ? JSON.parse(ls.stdout) : [];
  const numbers = new Set(entries.map((e) => e.number));
  const answered = new Set(ok);
  if (entries.length !== ok.length) problems.push(`${ok.length} 2xx answers but ${entries.length} register entries`);
  if (numbers.size !== entries.length) problems.push(`${entries.length - numbers.size} duplicate numbers in the register`);
  if (answered.size !== ok.length) problems.push(`${ok.length - answered.size} numbers answered twice`);
  for (const n of answered) if (!numbers.has(n)) { problems.push(`answered ${n} is not in the register`); break; }
  let missing = 0;
  for (const n of numbers) {
    const f = path.join(OUT, n + '.pdf');
    let st = null;
    try { st = fs.statSync(f); } catch (e) { st = null; }
    if (!st || st.size < 1000) missing++;
  }
  if (missing) problems.push(`${missing} PDF copies missing`);
  const rep = spawnSync(BIN, ['repair', '--verify', '--register', REG, '--out-dir', OUT], { cwd: ROOT, encoding: 'utf8' });
  if (rep.status !== 0 || /rewrote/.test(rep.stderr)) problems.push('repair --verify found damage: ' + rep.stderr.trim());
  console.log(`load-test: register ${entries.length} entries, ${numbers.size} distinct numbers, ` +
    `${numbers.size - missing} PDFs present and verified`);
  const extra = log().split('\n').filter((l) => /\bhttp: |warning|problem/i.test(l));
  if (extra.length) console.log('load-test: server said:\n  ' + extra.slice(0, 10).join('\n  '));
  if (!process.env.KEEP_TMP) fs.rmSync(TMP, { recursive: true, force: true });
  else console.log('load-test: kept ' + TMP);
  if (problems.length) {
    for (const p of problems) console.log('load-test: FAIL ' + p);
    process.exit(1);
  }
  console.log('load-test: every issued quote is accounted for');
}

const guard = setTimeout(() => { console.log('load-test: FAIL took too long'); process.exit(1); }, (SECONDS + 240) * 1000);
guard.unref();
main().catch((e) => {
  console.log('load-test: FAIL ' + (e.stack || e));
  if (!process.env.KEEP_TMP) fs.rmSync(TMP, { recursive: true, force: true });
  process.exit(1);
});
