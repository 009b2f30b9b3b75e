// Bundles the web app (src/) into fingerprinted assets and writes index.html.
//
//   node static/build.mjs        (run by `make webdeps` after `npm ci`)
//
// src/main.js (with npm twitter-text for the live counter) -> assets/app.<hash>.js
// src/styles.css                                            -> assets/app.<hash>.css
// src/index.html with {{app.js}} / {{app.css}} replaced      -> index.html
// The hash is 12 hex digits of the content's SHA-256, so chirpd serves the assets
// with `immutable` long-cache headers and index.html with `no-cache`.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
const assets = join(root, 'assets');

async function bundle(entry) {
  const out = await esbuild.build({
    entryPoints: [join(root, 'src', entry)],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020'],
    legalComments: 'eof',
    write: false,
    outdir: assets,
    logLevel: 'warning',
  });
  return out.outputFiles[0].contents;
}

function fingerprinted(name, ext, bytes) {
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  const file = `${name}.${hash}.${ext}`;
  writeFileSync(join(assets, file), bytes);
  return `/assets/${file}`;
}

rmSync(assets, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });
const js = fingerprinted('app', 'js', await bundle('main.js'));
const css = fingerprinted('app', 'css', await bundle('styles.css'));
const html = readFileSync(join(root, 'src', 'index.html'), 'utf8')
  .replaceAll('{{app.js}}', js)
  .replaceAll('{{app.css}}', css);
writeFileSync(join(root, 'index.html'), html);
console.log(`web app built: ${js} ${css} (${readdirSync(assets).length} assets)`);
