// Shared set-up of the browser suites: a real chirpd on a free loopback port
// with a fresh data folder, Debian's Chromium through playwright-core, and
// per-page watchers that fail the test on console errors, page errors,
// unexpected 4xx/5xx answers and CSP violations.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

export const CHIRPD = process.env.CHIRPD;
export const STATIC_DIR = process.env.CHIRP_STATIC_DIR;
export const ARTIFACTS = process.env.CHIRP_ARTIFACTS || path.join(os.tmpdir(), 'chirp-browser-artifacts');
const CHROMIUM = process.env.CHIRP_CHROMIUM || '/usr/bin/chromium';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const cleanups = [];
export function onCleanup(fn) {
  cleanups.push(fn);
}
export async function cleanupAll() {
  while (cleanups.length) {
    const fn = cleanups.pop();
    try {
      await fn();
    } catch (e) {
      console.error('cleanup:', e.message);
    }
  }
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => cleanupAll().finally(() => process.exit(1)));

// Starts chirpd --role all; resolves {base, dataDir} once /health answers.
// `staticDir` (default CHIRP_STATIC_DIR) is passed as --static-dir; null
// starts chirpd the normal way instead: no --static-dir flag and no
// CHIRP_STATIC_DIR variable, so it serves its default `static` relative to
// `cwd` (the repository root for `make run`).
// `baseUrl` (default CHIRP_BASE_URL): a chirp someone else runs (the split
// topology behind the nginx gateway, tests/split/topology_test.py --run);
// nothing is started, {base: baseUrl, dataDir: null} once its /health answers.
export async function startChirpd({ staticDir = STATIC_DIR, cwd, baseUrl = process.env.CHIRP_BASE_URL } = {}) {
  if (baseUrl) {
    const base = baseUrl.replace(/\/+$/, '');
    for (let i = 0; i < 200; i++) {
      try {
        if ((await fetch(`${base}/health`)).ok) return { base, dataDir: null };
      } catch {
        // not answering yet
      }
      await sleep(50);
    }
    throw new Error(`${base}/health does not answer`);
  }
  if (!CHIRPD || !existsSync(CHIRPD)) throw new Error(`CHIRPD (${CHIRPD}) is not a chirpd binary`);
  const served = staticDir ?? path.join(cwd ?? process.cwd(), 'static');
  if (!existsSync(path.join(served, 'index.html')))
    throw new Error(`${served}/index.html missing: run \`make webdeps\` (builds the web app)`);
  const env = { ...process.env };
  delete env.CHIRP_STATIC_DIR;
  const staticArgs = staticDir == null ? [] : ['--static-dir', staticDir];
  for (let attempt = 0; attempt < 3; attempt++) {
    const dataDir = mkdtempSync(path.join(process.env.CHIRP_TEST_TMP || os.tmpdir(), 'chirp-browser-'));
    const port = await freePort();
    const child = spawn(CHIRPD, ['--role', 'all', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`,
      ...staticArgs, '--rate-limit', 'off', '--access-log', 'off', '--threads', '2'],
    { stdio: ['ignore', 'ignore', 'pipe'], cwd, env });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    let exited = false;
    child.on('exit', () => { exited = true; });
    const stop = async () => {
      if (!exited) {
        child.kill('SIGTERM');
        for (let i = 0; i < 100 && !exited; i++) await sleep(50);
        if (!exited) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    };
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 200 && !exited; i++) {
      try {
        const r = await fetch(`${base}/health`);
        if (r.ok) {
          onCleanup(stop);
          return { base, dataDir };
        }
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    await stop();
    if (attempt === 2) throw new Error(`chirpd did not start: ${stderr.slice(-2000)}`);
  }
  throw new Error('unreachable');
}

export async function launchBrowser() {
  // playwright-core gives Chromium a fresh temporary --user-data-dir itself
  // (and refuses one in args); it removes the folder on close.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  onCleanup(() => browser.close());
  return browser;
}

// A browser context whose pages record every problem. `problems` must stay
// empty; a step that provokes an error on purpose (a 422) lists it in `expect`.
export async function watchedContext(browser, name, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const watch = { name, problems: [], expected: [] };
  const allowed = (text) => watch.expected.some((re) => re.test(text));
  context.on('page', (page) => attach(page, watch, allowed));
  const page = await context.newPage();
  attach(page, watch, allowed);
  return { context, page, watch };
}

const attached = new WeakSet();
function attach(page, watch, allowed) {
  if (attached.has(page)) return;
  attached.add(page);
  page.on('console', (msg) => {
    if (msg.type() !== 'error' && msg.type() !== 'warning') return;
    const text = `${msg.type()}: ${msg.text()}`;
    if (msg.type() === 'warning' && !/Content.Security.Policy|Refused/i.test(text)) return;
    if (!allowed(text)) watch.problems.push(`[${watch.name}] console ${text} (${page.url()})`);
  });
  page.on('pageerror', (err) => watch.problems.push(`[${watch.name}] page error: ${err.message} (${page.url()})`));
  page.on('response', (res) => {
    const status = res.status();
    if (status < 400) return;
    const text = `${status} ${res.request().method()} ${new URL(res.url()).pathname}`;
    if (!allowed(text)) watch.problems.push(`[${watch.name}] HTTP ${text}`);
  });
  page.on('requestfailed', (req) => {
    // Navigations away abort pending polls; that is not a problem of the app.
    const failure = req.failure()?.errorText || '';
    if (!/ERR_ABORTED/.test(failure)) watch.problems.push(`[${watch.name}] request failed: ${req.url()} ${failure}`);
  });
}

export function assertNoProblems(...watches) {
  const problems = watches.flatMap((w) => w.problems);
  if (problems.length) throw new Error(`browser problems:\n  ${problems.join('\n  ')}`);
}

export function screenshotPath(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, `${name}.png`);
}

// axe-core, evaluated through the DevTools protocol (not a <script> tag, which
// the CSP would rightly refuse). Returns the serious and critical violations.
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export async function axeViolations(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    resultTypes: ['violations'],
  }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

// API calls from node (bearer token), for seeding data.
export async function apiCall(base, method, p, body, token) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(`${base}/api/v1${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = r.status === 204 ? null : await r.json();
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(data)}`);
  return data;
}
