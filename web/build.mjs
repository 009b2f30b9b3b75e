// Bundles the web app (src/) into fingerprinted assets and writes the served
// folder: everything in it is build output, nothing of web/ is served as is.
//
//   node web/build.mjs [OUT]     (run by `make webdeps` after `npm ci`; OUT defaults to ../static)
//
// src/main.js (with npm twitter-text for the live counter) -> OUT/assets/app.<hash>.js
// src/styles.css                                            -> OUT/assets/app.<hash>.css
// src/index.html with {{app.js}} / {{app.css}} replaced      -> OUT/index.html
// favicon.svg                                               -> OUT/favicon.svg
// The hash is 12 hex digits of the content's SHA-256, so chirpd serves the assets
// with `immutable` long-cache headers and index.html with `no-cache`. OUT/vendor/
// (Swagger UI, api/install_swagger_ui.sh) is left alone.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] ?? join(root, '..', 'static'));
const assets = join(out, 'assets');

async function bundle(entry) {
  const result = await esbuild.build({
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
  return result.outputFiles[0].contents;
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
writeFileSync(join(out, 'index.html'), html);
copyFileSync(join(root, 'favicon.svg'), join(out, 'favicon.svg'));
console.log(`web app built in ${out}: ${js} ${css} (${readdirSync(assets).length} assets)`);
