#!/usr/bin/env node
// Contract tests of a live chirpd with tools written elsewhere:
//   1. Spectral lints the served GET /api/v1/openapi.json (spectral.yaml);
//   2. Prism runs as a validating proxy in front of chirpd; the C++ route
//      integration suite (api_routes_tests, one fresh chirpd per test case)
//      is driven through it and every exchange's findings are judged
//      (lib/judge.mjs);
//   3. Portman generates a Postman collection from the same document (contract
//      tests for every operation plus fuzz variants), which newman runs through
//      Prism: once through a proxy started with --errors (every violation turns
//      into an error answer that fails the collection's status checks), once
//      through the reporting proxy with every exchange judged as in 2.
// Any finding fails the run.
//
// usage: run_contract.mjs --chirpd PATH --routes-tests PATH [--keep]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Tally, parseViolations } from './lib/judge.mjs';
import { freePort, run, start, stop, stopAll, waitForHttp } from './lib/processes.mjs';
import { runPortman } from './lib/portman_run.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = (name) => path.join(here, 'node_modules', '.bin', name);

function args() {
  const a = process.argv.slice(2);
  const o = { keep: false };
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '--chirpd') o.chirpd = a[++i];
    else if (a[i] === '--routes-tests') o.routesTests = a[++i];
    else if (a[i] === '--keep') o.keep = true;
    else throw new Error(`unknown argument ${a[i]}`);
  }
  if (!o.chirpd || !o.routesTests) throw new Error('usage: run_contract.mjs --chirpd PATH --routes-tests PATH [--keep]');
  return o;
}

// One chirpd on a fixed port; restart() gives it a new, empty data folder.
class Chirpd {
  constructor(exe, port, work) {
    Object.assign(this, { exe, port, work, n: 0, child: null });
    this.url = `http://127.0.0.1:${port}`;
  }
  async restart() {
    if (this.child) {
      const r = await stop(this.child);
      if (r.code !== 0) throw new Error(`chirpd exited with ${r.code ?? r.signal} on SIGTERM (see ${this.log})`);
    }
    const data = path.join(this.work, `data-${++this.n}`);
    this.log = path.join(this.work, 'chirpd.log');
    this.child = start(
      this.exe,
      ['--role', 'all', '--data-dir', data, '--listen', `127.0.0.1:${this.port}`, '--rate-limit', 'off'],
      this.log,
    );
    await waitForHttp(`${this.url}/health`, this.child);
  }
}

async function lint(specFile, work) {
  const ruleset = path.join(here, 'spectral.yaml');
  const out = path.join(work, 'spectral.json');
  const r = await run(
    bin('spectral'),
    ['lint', '--ruleset', ruleset, '--format', 'json', '--output', out, '--fail-severity', 'hint', specFile],
    { cwd: work },
  );
  if (!fs.existsSync(out)) throw new Error(`spectral wrote no results (exit ${r.code}): ${r.stdout}${r.stderr}`);
  const findings = JSON.parse(fs.readFileSync(out, 'utf8'));
  // Exit 0 with no findings, 1 with findings; anything else is the tool failing.
  if (r.code !== 0 && !(r.code === 1 && findings.length > 0)) throw new Error(`spectral failed (exit ${r.code}): ${r.stderr}`);
  const { oas } = await import(path.join(here, 'node_modules/@stoplight/spectral-rulesets/dist/index.js')).then((m) => m.default ?? m);
  const off = (fs.readFileSync(ruleset, 'utf8').match(/^\s+[a-z0-9-]+:\s*off\b/gm) ?? []).length;
  const oas3Rules = Object.keys(oas.rules).filter((n) => !/^oas2|^oas3_[12]/.test(n)).length;
  console.log(`spectral: ${oas3Rules - off} OpenAPI 3 rules of spectral:oas on (${off} off), ${findings.length} findings`);
  for (const f of findings) console.log(`  spectral ${f.code} [${['error', 'warn', 'info', 'hint'][f.severity]}] ${f.path.join('.')}: ${f.message}`);
  return findings.length;
}

async function startPrism(specFile, upstream, work, name, extra) {
  const port = await freePort();
  const child = start(
    bin('prism'),
    ['proxy', specFile, upstream, '--host', '127.0.0.1', '--port', String(port), ...extra],
    path.join(work, `${name}.log`),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, child, 60000);
  return { child, url };
}

// The C++ route suite through the proxy, one fresh chirpd per test case.
async function routesSuite(o, chirpd, proxyUrl, work) {
  const list = await run(o.routesTests, ['--list-test-names-only']);
  const cases = list.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  if (cases.length === 0) throw new Error('api_routes_tests lists no test cases');
  const tally = new Tally('routes suite');
  const logFile = path.join(work, 'routes-exchanges.tsv');
  const failed = [];
  for (const name of cases) {
    await chirpd.restart();
    fs.rmSync(logFile, { force: true });
    const env = { ...process.env, CHIRP_TEST_BASE_URL: proxyUrl, CHIRP_CONTRACT_LOG: logFile };
    const r = await run(o.routesTests, [name.replace(/[,\[\]]/g, (c) => `\\${c}`)], { env });
    const lines = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean) : [];
    // No exchange recorded: the case ran against something else than the proxy.
    const passed = r.code === 0 && lines.length > 0;
    if (!passed) {
      failed.push(name);
      console.log(r.stdout.slice(-4000));
    }
    for (const line of lines) {
      const [method, status, p, v] = line.split('\t');
      tally.add({ method, status: Number(status), path: p, violations: parseViolations(v) });
    }
    console.log(`routes suite: ${passed ? 'passed' : 'FAILED'} "${name}" (${lines.length} requests through Prism)`);
  }
  return { tally, cases: cases.length, failed };
}

async function main() {
  const o = args();
  for (const tool of ['spectral', 'prism', 'portman'])
    if (!fs.existsSync(bin(tool))) throw new Error(`${bin(tool)} is missing: run \`make webdeps\` (scripts/npm_install.sh)`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'chirp-contract-'));
  let ok = false;
  try {
    const chirpd = new Chirpd(o.chirpd, await freePort(), work);
    await chirpd.restart();
    const spec = await (await fetch(`${chirpd.url}/api/v1/openapi.json`)).text();
    const specFile = path.join(work, 'openapi.json');
    fs.writeFileSync(specFile, spec);

    const t0 = Date.now();
    const secs = (t) => `${((Date.now() - t) / 1000).toFixed(1)} s`;
    const lintFindings = await lint(specFile, work);
    console.log(`spectral: done in ${secs(t0)}`);

    const [report, strict] = await Promise.all([
      startPrism(specFile, chirpd.url, work, 'prism-report', []),
      startPrism(specFile, chirpd.url, work, 'prism-errors', ['--errors']),
    ]);

    const t1 = Date.now();
    const routes = await routesSuite(o, chirpd, report.url, work);
    console.log(`routes suite through Prism: done in ${secs(t1)}`);

    const t2 = Date.now();
    const pm = await runPortman({ here, work, specFile, chirpd, report, strict });
    console.log(`portman + newman: done in ${secs(t2)}`);

    const tallies = [routes.tally, pm.reportTally, pm.strictTally];
    for (const t of tallies) {
      console.log(
        `prism (${t.name}): ${t.requests} requests validated, ${t.withFindings} with findings, ` +
          `${t.expectedRejections} request findings on requests chirpd refused (expected), ${t.problems.length} violations`,
      );
      for (const p of t.problems) console.log(`  VIOLATION ${p}`);
    }
    console.log(
      `routes suite: ${routes.cases - routes.failed.length}/${routes.cases} test cases passed through Prism` +
        (routes.failed.length ? ` (failed: ${routes.failed.join(' | ')})` : ''),
    );
    console.log(pm.summary);

    const violations = tallies.reduce((n, t) => n + t.problems.length, 0);
    ok = lintFindings === 0 && violations === 0 && routes.failed.length === 0 && pm.failures === 0;
    console.log(
      `contract: ${ok ? 'PASSED' : 'FAILED'} (spectral findings ${lintFindings}, prism violations ${violations}, ` +
        `failed routes cases ${routes.failed.length}, failed newman assertions ${pm.failures})`,
    );
  } finally {
    await stopAll();
    if (ok && !o.keep) fs.rmSync(work, { recursive: true, force: true });
    else console.log(`contract: logs kept in ${work}`);
  }
  process.exit(ok ? 0 : 1);
}

main().catch(async (e) => {
  console.error(`contract: ${e.stack || e}`);
  await stopAll();
  process.exit(1);
});
