// The web app's text rendering and time modules, run in Chromium as the app
// loads them (same-origin ES modules, allowed by the CSP). The real static/
// never serves sources, so this suite's chirpd serves a temporary folder: the
// built app (index.html, assets/, favicon.svg) plus web/src/ as /src/.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  STATIC_DIR, assertNoProblems, cleanupAll, launchBrowser, onCleanup, startChirpd, watchedContext,
} from './harness.mjs';

const WEB_DIR = process.env.CHIRP_WEB_DIR;
let page;
let watch;

function unitsStaticDir() {
  if (!WEB_DIR) throw new Error('CHIRP_WEB_DIR (the web app sources, web/) is not set');
  const dir = mkdtempSync(path.join(process.env.CHIRP_TEST_TMP || os.tmpdir(), 'chirp-units-static-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  for (const name of ['index.html', 'assets', 'favicon.svg'])
    cpSync(path.join(STATIC_DIR, name), path.join(dir, name), { recursive: true });
  cpSync(path.join(WEB_DIR, 'src'), path.join(dir, 'src'), { recursive: true });
  return dir;
}

before(async () => {
  const { base } = await startChirpd({ staticDir: unitsStaticDir() });
  const browser = await launchBrowser();
  ({ page, watch } = await watchedContext(browser, 'units'));
  await page.goto(`${base}/`);
  await page.locator('h1').waitFor();
});
after(cleanupAll);

// Renders in the page and returns a plain description of the nodes.
function render(text, entities, highlights) {
  return page.evaluate(async ([t, e, hl]) => {
    const { renderTweetText } = await import('/src/tweet_text.js');
    const p = renderTweetText(t, e, hl);
    const walk = (node) => [...node.childNodes].map((n) => (n.nodeType === 3 ? n.textContent
      : { tag: n.tagName.toLowerCase(), href: n.getAttribute('href') || undefined, rel: n.getAttribute('rel') || undefined, children: walk(n) }));
    return { nodes: JSON.parse(JSON.stringify(walk(p))), text: p.textContent, elements: p.querySelectorAll('*').length };
  }, [text, entities, highlights]);
}

test('entities use code-point indices after astral characters', async () => {
  const text = '🚀😀 hi #tag @bob x.com/a';
  const r = await render(text, {
    hashtags: [{ tag: 'tag', indices: [6, 10] }],
    mentions: [{ username: 'bob', indices: [11, 15] }],
    urls: [{ url: 'x.com/a', indices: [16, 23] }],
  });
  assert.equal(r.text, text);
  assert.deepEqual(r.nodes, [
    '🚀😀 hi ',
    { tag: 'a', href: '/search?q=%23tag', children: ['#tag'] },
    ' ',
    { tag: 'a', href: '/bob', children: ['@bob'] },
    ' ',
    { tag: 'a', href: 'https://x.com/a', rel: 'noopener noreferrer', children: ['x.com/a'] },
  ]);
});

test('highlights become <mark>, also inside a link', async () => {
  const r = await render('Coffee #coffee time', { hashtags: [{ tag: 'coffee', indices: [7, 14] }] }, [[0, 6], [7, 14]]);
  assert.deepEqual(r.nodes, [
    { tag: 'mark', children: ['Coffee'] },
    ' ',
    { tag: 'a', href: '/search?q=%23coffee', children: [{ tag: 'mark', children: ['#coffee'] }] },
    ' time',
  ]);
});

test('user text is never HTML', async () => {
  const text = '<img src=x onerror=alert(1)> <b>bold</b> &amp;';
  const r = await render(text, {}, [[1, 4]]);
  assert.equal(r.text, text);
  assert.equal(r.elements, 1); // only the <mark>
});

test('only http(s) links leave the site; bad indices are ignored', async () => {
  const r = await render('javascript:alert(1) and more', {
    urls: [{ url: 'javascript:alert(1)', indices: [0, 19] }],
    hashtags: [{ tag: 'x', indices: [40, 42] }, { tag: 'y', indices: [5, 3] }],
  }, [[100, 200], [-5, 0]]);
  assert.deepEqual(r.nodes, ['javascript:alert(1) and more']);
});

test('overlapping entities keep the first', async () => {
  const r = await render('#ab cd', { hashtags: [{ tag: 'ab', indices: [0, 3] }], cashtags: [{ tag: 'b', indices: [1, 3] }] });
  assert.deepEqual(r.nodes, [{ tag: 'a', href: '/search?q=%23ab', children: ['#ab'] }, ' cd']);
});

test('relative times', async () => {
  const out = await page.evaluate(async () => {
    const { relativeTime } = await import('/src/time.js');
    const now = Date.parse('2026-11-29T12:00:00Z');
    const at = (s) => relativeTime(new Date(now - s * 1000), now);
    return [at(-30), at(10), at(90), at(59 * 60), at(3 * 3600), at(2 * 86400),
      relativeTime(new Date('2026-03-01T12:00:00Z'), now), relativeTime(new Date('2024-03-01T12:00:00Z'), now)];
  });
  assert.deepEqual(out, ['now', 'now', '2m', '59m', '3h', '2d', 'Mar 1', 'Mar 1, 2024']);
});

test('no console errors while running them', () => {
  assertNoProblems(watch);
});
