#!/usr/bin/env node
/* The HTML estimate (`regenquote price --format html`) in a real browser
 * (Debian's chromium, headless), checked with axe-core at WCAG 2.1 AA:
 * every example in examples/, in English and Spanish, standard and large
 * print, must have ZERO violations.  Also: nothing is fetched from outside
 * the page, it reflows at 200 % zoom (no sideways scrolling in a 640 px
 * wide window, which is 1280 px at 200 %), headings start at h1 and skip no
 * level, and large print sets the body text at 24 px (18 pt) or more.
 *
 *   node tests/browser/html-estimate.test.js   (make test-browser does this)
 *
 * Environment: REGENQUOTE_BIN (default ./regenquote), CHROMIUM (default
 * /usr/bin/chromium), SCREENSHOTS=1 also writes docs/html-estimate.png.
 * Prints one line per page and "N passed, N failed"; exits 1 on a failure. */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');
const { AxeBuilder } = require('@axe-core/playwright');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.resolve(ROOT, process.env.REGENQUOTE_BIN || 'regenquote');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-html-'));

function render(example, lang, large) {
  const out = path.join(TMP, `${path.basename(example, '.json')}.${lang}${large ? '.large' : ''}.html`);
  const args = ['price', example, '--lang', lang, '--format', 'html', '-o', out];
  if (large) args.push('--large-print');
  const r = spawnSync(BIN, args, { cwd: ROOT, encoding: 'utf8',
    env: { ...process.env, SOURCE_DATE_EPOCH: '1796083200' } });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return out;
}

async function main() {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 640, height: 900 } });
  let passed = 0, failed = 0;
  const examples = fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.json')).sort();
  for (const ex of examples) {
    for (const lang of ['en', 'es']) {
      for (const large of [false, true]) {
        const name = `${ex} ${lang}${large ? ' large print' : ''}`;
        try {
          const file = render(path.join('examples', ex), lang, large);
          const page = await context.newPage();
          const outside = [];
          await page.route('**/*', (route) => {
            const url = route.request().url();
            if (url.startsWith('file:')) return route.continue();
            outside.push(url);
            return route.abort();
          });
          await page.goto('file://' + file);
          if (outside.length) throw new Error('fetches from outside the page: ' + outside.join(', '));
          const res = await new AxeBuilder({ page })
            .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
            .analyze();
          if (res.violations.length) {
            throw new Error(res.violations.map((v) =>
              `${v.id} (${v.nodes.length}): ${v.help} at ${v.nodes[0].target.join(' ')}`).join('; '));
          }
          const facts = await page.evaluate(() => ({
            lang: document.documentElement.lang,
            wide: document.scrollingElement.scrollWidth > window.innerWidth,
            levels: [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map((h) => +h.tagName[1]),
            body: parseFloat(getComputedStyle(document.body).fontSize),
            cells: parseFloat(getComputedStyle(document.querySelector('tbody td')).fontSize),
            scopes: [...document.querySelectorAll('th')].every((th) => th.hasAttribute('scope')),
          }));
          if (facts.lang !== lang) throw new Error(`<html lang="${facts.lang}">`);
          if (facts.wide) throw new Error('scrolls sideways at 200 % zoom (640 px window)');
          if (facts.levels[0] !== 1) throw new Error('the first heading is not h1');
          for (let i = 1; i < facts.levels.length; i++)
            if (facts.levels[i] > facts.levels[i - 1] + 1) throw new Error('a heading level is skipped');
          if (!facts.scopes) throw new Error('a header cell without scope');
          if (large && (facts.body < 24 || facts.cells < 24))
            throw new Error(`large print text is ${facts.body}px / ${facts.cells}px, not 24px (18pt)`);
          if (process.env.SCREENSHOTS && ex === 'three-providers.json' && lang === 'en' && !large)
            await page.screenshot({ path: path.join(ROOT, 'docs', 'html-estimate.png'), fullPage: false });
          await page.close();
          passed++;
          console.log(`ok   ${name}`);
        } catch (e) {
          failed++;
          console.log(`FAIL ${name}: ${e.message.split('\n')[0]}`);
        }
      }
    }
  }
  await browser.close();
  fs.rmSync(TMP, { recursive: true, force: true });
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(1); });
