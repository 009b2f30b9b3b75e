// What chirpd serves when started the normal way (`make run`: the repository
// root as working folder, the default --static-dir static): the built web app
// and Swagger UI only. The app's sources, build script and npm folders live in
// web/ and must never answer over HTTP (OWASP API9, improper inventory: they
// would publish the dependency versions and tooling).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { cleanupAll, startChirpd } from './harness.mjs';

const SOURCE_DIR = process.env.CHIRP_SOURCE_DIR;
let base;

before(async () => {
  assert.ok(SOURCE_DIR, 'CHIRP_SOURCE_DIR (the repository root) is not set');
  ({ base } = await startChirpd({ staticDir: null, cwd: SOURCE_DIR }));
});
after(cleanupAll);

// A browser asking for a page would get the single-page app (index.html) for
// any unknown path, so these requests ask for anything but HTML: a served file
// would answer 200 with its content.
const get = (p) => fetch(`${base}${p}`, { headers: { Accept: '*/*' } });

test('the default static folder serves the built app', async () => {
  const index = await fetch(`${base}/`, { headers: { Accept: 'text/html' } });
  assert.equal(index.status, 200);
  const html = await index.text();
  const asset = html.match(/src="(\/assets\/app\.[0-9a-f]{12}\.js)"/);
  assert.ok(asset, html);
  assert.equal((await get(asset[1])).status, 200);
  assert.equal((await get('/favicon.svg')).status, 200);
});

test('sources, build tooling and npm folders answer 404', async () => {
  const hidden = ['/package.json', '/package-lock.json', '/build.mjs', '/README.md', '/src/main.js',
    '/src/index.html', '/src/views/auth.js', '/node_modules/esbuild/package.json',
    '/node_modules/.package-lock.json', '/node_modules/twitter-text/package.json'];
  const served = [];
  for (const p of hidden) {
    const r = await get(p);
    await r.arrayBuffer();
    if (r.status !== 404) served.push(`${p} -> ${r.status}`);
  }
  assert.deepEqual(served, []);
});

test('static/ holds build output only', () => {
  const allowed = new Set(['index.html', 'assets', 'favicon.svg', 'vendor']);
  const extra = readdirSync(path.join(SOURCE_DIR, 'static')).filter((n) => !allowed.has(n));
  assert.deepEqual(extra, [], 'static/ is the served folder: sources and tooling belong in web/');
});
