#!/usr/bin/env node
/* Load test of `regenquote serve`: C concurrent clients issue quotes for S
 * seconds against a server this script starts on 127.0.0.1 (free port,
 * temporary register, no rate limit), each signed in as one of several
 * staff accounts (made first with `regenquote user add`), then every
 * issued quote is accounted for: 2xx answers == register entries, numbers
 * distinct, every PDF copy present and the right size, and each quote's
 * `issued` event in the audit trail attributed to the account whose
 * client issued it (the chain verified).  Bounded in time and in count;
 * it stops by itself.  Node's standard library only.
 *
 *   node scripts/load-test.js [--clients 50] [--seconds 60] [--max 200000] [--servers 1]
 *
 * With --servers N, N servers run at once, one per simulated location (each
 * its own port, --desk desk-K and output folder, its plans for alternate
 * clinic locations), all issuing into one register, and the clients are
 * shared among them: then the numbers must also run 1..N without a gap
 * across locations, and each desk's quotes be the ones it answered.
 *
 * Environment: REGENQUOTE_BIN (default ./regenquote), KEEP_TMP=1,
 * LOAD_REGISTER (a register locator, e.g. a postgresql:// database; default
 * an SQLite file in the temporary folder).
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
const SERVERS = opt('servers', 1);
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-load-'));
const REG = process.env.LOAD_REGISTER || path.join(TMP, 'register.db');
const outOf = (k) => path.join(TMP, SERVERS > 1 ? `out-${k}` : 'out');
const LOCATIONS = ['westlake', 'round-rock'];
/* The desks' accounts: clients take them in turn. */
const ACCOUNTS = Array.from({ length: 5 }, (_, i) => ({ name: `desk${i + 1}`, password: `load-test-password-${i + 1}` }));

function addAccounts() {
  for (const a of ACCOUNTS) {
    const r = spawnSync(BIN, ['user', 'add', a.name, '--role', 'front-desk', '--register', REG],
      { cwd: ROOT, input: a.password + '\n', encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`regenquote user add ${a.name} failed: ${r.stderr}`);
  }
}

const AREAS = ['left-knee', 'right-knee', 'left-ankle', 'right-ankle', 'left-achilles', 'right-plantar-fascia'];
const SOURCES = [['bone-marrow', 'bmac'], ['adipose', 'adipose-concentrate'], ['umbilical-cord', 'allograft-thaw']];

function plan(i, k) {
  const [source, method] = SOURCES[i % SOURCES.length];
  const req = {
    location: LOCATIONS[k % LOCATIONS.length],
    patient: { name: `Load Patient ${i}`, id: `L-${i}` },
    areas: [AREAS[i % AREAS.length]], cell_source: source, processing_method: method,
    sessions: 1 + (i % 2), language: i % 3 === 0 ? 'es' : 'en',
  };
  if (i % 4 === 0) req.adjuncts = ['prp-booster'];
  return JSON.stringify(req);
}

/* The register the server issues into: it never makes one itself. */
function initRegister() {
  const r = spawnSync(BIN, ['init', '--register', REG], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error('regenquote init failed: ' + r.stderr);
}

function startServer(k) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    const srv = spawn(BIN, ['serve', '--port', '0', '--rate-limit', '0', '--register', REG, '--out-dir', outOf(k),
      '--prices', path.join(ROOT, 'pricing'), '--templates', path.join(ROOT, 'templates'),
      ...(SERVERS > 1 ? ['--desk', `desk-${k}`] : [])],
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

function post(agent, port, body, cookie, where) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const headers = { 'Content-Type': 'application/json', 'X-Regenquote': '1', 'Content-Length': Buffer.byteLength(body) };
    if (cookie) headers.Cookie = cookie;
    const req = http.request({ host: '127.0.0.1', port, path: where || '/api/quotes', method: 'POST', agent, headers },
    (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString(),
        cookie: ((res.headers['set-cookie'] || [])[0] || '').split(';')[0],
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
  addAccounts();
  const servers = [];
  for (let k = 0; k < SERVERS; k++) servers.push(await startServer(k));
  const log = () => servers.map((s) => s.log()).join('');
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  let deadline = 0;
  let next = 0;
  const ok = [], failures = {}, lat = [], issuedBy = new Map(), loginMs = [];
  const byDesk = servers.map(() => []);
  /* each client is a desk: it signs in as its account first (Argon2id:
   * timed apart from the issuing) */
  const sessions = await Promise.all(Array.from({ length: CLIENTS }, async (_, k) => {
    const account = ACCOUNTS[k % ACCOUNTS.length];
    const li = await post(agent, servers[k % SERVERS].port, JSON.stringify({ username: account.name, password: account.password }), null,
      '/api/login');
    loginMs.push(li.ms);
    if (li.status === 200 && li.cookie) return { account, cookie: li.cookie };
    const key = 'sign-in ' + li.status + ' ' + li.body.slice(0, 160);
    failures[key] = (failures[key] || 0) + 1;
    return null;
  }));
  const t0 = Date.now();
  deadline = t0 + SECONDS * 1000;
  async function client(k) {
    if (!sessions[k]) return;
    const { account, cookie } = sessions[k];
    const d = k % SERVERS;
    while (Date.now() < deadline && next < MAX) {
      const i = next++;
      const r = await post(agent, servers[d].port, plan(i, d), cookie);
      lat.push(r.ms);
      if (r.status >= 200 && r.status < 300) {
        let n = null;
        try { n = JSON.parse(r.body).number; } catch (e) { n = null; }
        ok.push(n);
        byDesk[d].push(n);
        issuedBy.set(n, account.name);
      } else {
        const key = r.status + ' ' + r.body.slice(0, 160);
        failures[key] = (failures[key] || 0) + 1;
      }
    }
  }
  await Promise.all(Array.from({ length: CLIENTS }, (_, k) => client(k)));
  const secs = (Date.now() - t0) / 1000;
  agent.destroy();
  const codes = await Promise.all(servers.map(({ srv }) => {
    srv.kill('SIGTERM');
    return new Promise((r) => srv.on('exit', (c, s) => r(s ? s : c)));
  }));
  const code = codes.find((c) => c !== 0) || 0;

  lat.sort((a, b) => a - b);
  console.log(`load-test: ${SERVERS > 1 ? `${SERVERS} servers (one per location), ` : ''}` +
    `${CLIENTS} clients, ${secs.toFixed(1)} s, ${next} requests, ${ok.length} issued ` +
    `(${(ok.length / secs).toFixed(1)} quotes/s); latency ms p50 ${pct(lat, 50).toFixed(1)}, ` +
    `p95 ${pct(lat, 95).toFixed(1)}, p99 ${pct(lat, 99).toFixed(1)}, max ${(lat[lat.length - 1] || 0).toFixed(1)}`);
  loginMs.sort((a, b) => a - b);
  console.log(`load-test: ${loginMs.length} sign-ins as ${ACCOUNTS.length} accounts; ms p50 ${pct(loginMs, 50).toFixed(1)}, ` +
    `max ${(loginMs[loginMs.length - 1] || 0).toFixed(1)}`);
  const problems = [];
  for (const [k, n] of Object.entries(failures)) problems.push(`${n} × HTTP ${k}`);
  if (code !== 0) problems.push(`the server exited with ${code} on SIGTERM`);

  /* Account for every quote. */
  const ls = spawnSync(BIN, ['list', '--register', REG, '--format', 'json'],
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
  const deskOf = new Map(entries.map((e) => [e.number, e.desk]));
  for (let k = 0; k < SERVERS; k++) {
    for (const n of byDesk[k]) {
      const f = path.join(outOf(k), n + '.pdf');
      let st = null;
      try { st = fs.statSync(f); } catch (e) { st = null; }
      if (!st || st.size < 1000) missing++;
      if (SERVERS > 1 && deskOf.get(n) !== `desk-${k}`) { problems.push(`${n} answered by desk-${k} is kept as ${deskOf.get(n)}'s`); break; }
    }
  }
  if (missing) problems.push(`${missing} PDF copies missing`);
  if (SERVERS > 1) {
    /* one series across all locations: 1..N without a gap */
    const seqs = entries.map((e) => Number(e.number.slice(-6))).sort((a, b) => a - b);
    if (seqs.length && (seqs[0] !== 1 || seqs[seqs.length - 1] !== seqs.length)) {
      problems.push(`numbers are not 1..${seqs.length} without a gap (from ${seqs[0]} to ${seqs[seqs.length - 1]})`);
    }
  }
  const rep = spawnSync(BIN, ['repair', '--verify', '--register', REG, '--out-dir', outOf(0)], { cwd: ROOT, encoding: 'utf8' });
  if (rep.status !== 0 || (SERVERS === 1 && /rewrote/.test(rep.stderr))) {
    problems.push('repair --verify found damage: ' + rep.stderr.trim());
  }
  console.log(`load-test: register ${entries.length} entries, ${numbers.size} distinct numbers, ` +
    `${numbers.size - missing} PDFs present and verified`);
  /* Each quote's issued event names the account that issued it; the chain holds. */
  const au = spawnSync(BIN, ['audit', 'list', '--kind', 'issued', '--format', 'json', '--register', REG],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (au.status !== 0) problems.push('regenquote audit list failed: ' + au.stderr);
  const events = au.status === 0 ? JSON.parse(au.stdout) : [];
  const actorOf = new Map(events.map((e) => [e.quote, e.actor]));
  let wrongActor = 0;
  for (const [n, who] of issuedBy) if (actorOf.get(n) !== who) wrongActor++;
  if (wrongActor) problems.push(`${wrongActor} quotes whose issued event names another account than the one that issued it`);
  if (events.length !== entries.length) problems.push(`${entries.length} quotes but ${events.length} issued events`);
  const logins = spawnSync(BIN, ['audit', 'list', '--kind', 'login', '--format', 'json', '--register', REG],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
  const nLogins = logins.status === 0 ? JSON.parse(logins.stdout).length : -1;
  if (nLogins !== CLIENTS) problems.push(`${CLIENTS} clients signed in but ${nLogins} login events`);
  const ver = spawnSync(BIN, ['audit', 'verify', '--register', REG], { cwd: ROOT, encoding: 'utf8' });
  if (ver.status !== 0) problems.push('regenquote audit verify: ' + ver.stderr.trim());
  console.log(`load-test: audit trail: ${events.length} issued events, each by the account that issued it` +
    (wrongActor ? ` except ${wrongActor}` : '') + `; ${ver.stdout.trim()}`);
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
