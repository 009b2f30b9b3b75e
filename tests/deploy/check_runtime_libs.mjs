// The runtime stage of docker/Dockerfile installs only named Debian packages.
// This checks that they provide every shared library the built programs
// load directly (ELF NEEDED entries), so adding a library to chirpd without
// adding its runtime package to the image fails here, not in production.
//
//   node check_runtime_libs.mjs docker/Dockerfile BINARY...
//
// A NEEDED library is resolved with ldd, its Debian package found with
// dpkg -S, and that package must be in the closure of the Dockerfile's runtime
// packages plus the base image (every Priority: required package, apt among
// them), following the installed packages' Depends with dpkg-query.
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';

const [dockerfile, ...binaries] = process.argv.slice(2);
const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const problems = [];

// Runtime packages: the apt-get install of the stage named "runtime".
const text = readFileSync(dockerfile, 'utf8').replace(/\\\n/g, ' ');
const stage = text.split(/^FROM\s/m).find((s) => /\bAS\s+runtime\b/i.test(s.split('\n')[0]));
if (!stage) throw new Error(`${dockerfile}: no stage "AS runtime"`);
const install = /apt-get install ([^&\n]*)/.exec(stage);
if (!install) throw new Error(`${dockerfile}: the runtime stage installs no packages`);
const runtime = install[1].trim().split(/\s+/).filter((w) => !w.startsWith('-'));

// Base image: Priority required packages (debian:bookworm-slim has them all).
const required = run('dpkg-query', ['-W', '-f', '${Package} ${Priority}\\n'])
  .split('\n').filter((l) => l.endsWith(' required')).map((l) => l.split(' ')[0]);

// Depends + Pre-Depends of every installed package, read once.
const deps = new Map();
for (const line of run('dpkg-query', ['-W', '-f', '${Package}\t${Depends},${Pre-Depends}\n']).split('\n')) {
  const [pkg, d = ''] = line.split('\t');
  if (!pkg) continue;
  deps.set(pkg, d.split(',').map((x) => x.trim()).filter(Boolean)
    .map((x) => x.split('|')[0].trim().split(/[\s(]/)[0].replace(/:any$/, '')));
}
const depends = (pkg) => deps.get(pkg) ?? [];
const closure = new Set();
const queue = [...runtime, ...required];
while (queue.length) {
  const p = queue.pop();
  if (closure.has(p)) continue;
  closure.add(p);
  queue.push(...depends(p));
}

// NEEDED entries of every binary, resolved to paths with ldd.
const wanted = [];  // [binary, library, path]
for (const bin of binaries) {
  const needed = run('objdump', ['-p', bin]).split('\n')
    .map((l) => /^\s*NEEDED\s+(\S+)/.exec(l)?.[1]).filter(Boolean);
  const resolved = new Map();
  for (const l of run('ldd', [bin]).split('\n')) {
    const m = /^\s*(\S+) => (\/\S+)/.exec(l);
    if (m) resolved.set(m[1], m[2]);
    const loader = /^\s*(\/\S+) \(0x/.exec(l);  // the dynamic loader: "/lib64/ld-linux-x86-64.so.2 (0x...)"
    if (loader) resolved.set(loader[1].split('/').pop(), loader[1]);
  }
  for (const lib of needed) {
    if (!resolved.has(lib)) problems.push(`${bin}: ${lib} not found by ldd`);
    else wanted.push([bin, lib, resolved.get(lib)]);
  }
}
// Owners in one dpkg -S call (paths as linked and their real paths: usrmerge).
const paths = [...new Set(wanted.flatMap(([, , p]) => [p, realpathSync(p)]))];
let owners = '';
try { owners = run('dpkg', ['-S', ...paths]); } catch (e) { owners = e.stdout ?? ''; }
const ownerOf = new Map();
for (const l of owners.split('\n')) {
  const m = /^([^:,\s]+)(?::\S+)?: (\/.*)$/.exec(l);
  if (m) ownerOf.set(m[2], m[1]);
}
let checked = 0;
for (const [bin, lib, path] of wanted) {
  const owner = ownerOf.get(path) ?? ownerOf.get(realpathSync(path));
  if (!owner) { problems.push(`${bin}: ${lib} (${path}) belongs to no Debian package`); continue; }
  checked++;
  if (!closure.has(owner)) problems.push(`${bin} needs ${lib} from ${owner}, which the runtime stage does not install`);
}
if (problems.length) {
  for (const p of problems) console.log(`INVALID ${p}`);
  process.exit(1);
}
console.log(`${dockerfile}: runtime packages (${runtime.join(' ')}) provide all ${checked} libraries the programs load directly`);
