// Portman + newman stage of the contract run: generate a Postman collection
// from openapi.json (lib/portman_config.mjs), seed a fresh chirpd with the
// accounts and tweets its requests refer to, and run it with newman through
// Prism twice: the contract requests through the --errors proxy, then every
// request (fuzz variants too) through the reporting proxy, each exchange judged.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { Tally, parseViolations } from './judge.mjs';
import { portmanConfig } from './portman_config.mjs';
import { run } from './processes.mjs';

const require = createRequire(import.meta.url);

async function call(base, method, p, { token, json } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (json !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(base + p, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  const text = await r.text();
  const violations = parseViolations(r.headers.get('sl-violations'));
  return { status: r.status, body: text ? JSON.parse(text) : null, violations, method, path: p };
}

// Accounts and tweets for the collection, made through the proxy (so the set-up is validated too).
async function seed(base, tally) {
  const must = (r, status) => {
    tally.add(r);
    if (r.status !== status) throw new Error(`seed: ${r.method} ${r.path} answered ${r.status}, not ${status}`);
    return r.body;
  };
  const users = { username: 'pm_alice', other: 'pm_bob', pw: 'pm_pw', sess: 'pm_sess', gone: 'pm_gone' };
  for (const u of Object.values(users)) must(await call(base, 'POST', '/api/v1/users', { json: { username: u, password: 'password1' } }), 201);
  const login = async (u) =>
    must(await call(base, 'POST', '/api/v1/auth/login', { json: { username: u, password: 'password1' } }), 200).token;
  const token = await login(users.username);
  const env = {
    username: users.username,
    other: users.other,
    token,
    logoutToken: await login(users.username),
    pwToken: await login(users.pw),
    sessToken: await login(users.sess),
    goneToken: await login(users.gone),
    bearerToken: token, // the name Portman gives an operation's own bearer token
  };
  env.tweetId = must(await call(base, 'POST', '/api/v1/tweets', { token, json: { text: 'hello contract #chirp' } }), 201).id;
  env.doomedId = must(await call(base, 'POST', '/api/v1/tweets', { token, json: { text: 'hello, soon deleted' } }), 201).id;
  must(await call(base, 'PUT', `/api/v1/users/${users.username}/follow`, { token: await login(users.other) }), 204);
  const today = new Date().toISOString().slice(0, 10);
  env.since = '2020-01-01';
  env.until = today;
  return env;
}

function newmanRun(collection, env, baseUrl, folders, tally) {
  const newman = require('newman');
  const values = Object.entries({ ...env, baseUrl }).map(([key, value]) => ({ key, value, enabled: true }));
  return new Promise((resolve, reject) => {
    const failures = [];
    newman
      .run({ collection, environment: { values }, folder: folders, reporters: [], timeoutRequest: 15000 }, (err, summary) =>
        err ? reject(err) : resolve({ summary, failures }),
      )
      .on('request', (err, a) => {
        if (err || !a.response) {
          failures.push(`${a.item.name}: no answer (${err})`);
          return;
        }
        tally.add({
          method: a.request.method,
          status: a.response.code,
          path: a.request.url.getPathWithQuery(),
          violations: parseViolations(a.response.headers.get('sl-violations')),
        });
      })
      .on('assertion', (err, a) => {
        if (err) failures.push(`${a.item.name}: ${a.assertion}: ${err.message}`);
      });
  });
}

function folderNames(collection) {
  return (collection.item || []).filter((i) => Array.isArray(i.item)).map((i) => i.name);
}

function countRequests(items) {
  return items.reduce((n, i) => n + (Array.isArray(i.item) ? countRequests(i.item) : 1), 0);
}

export async function runPortman({ here, work, specFile, chirpd, report, strict }) {
  const configFile = path.join(work, 'portman-config.json');
  fs.writeFileSync(configFile, JSON.stringify(portmanConfig(), null, 2));
  const out = path.join(work, 'collection.json');
  const g = await run(
    path.join(here, 'node_modules', '.bin', 'portman'),
    ['--local', specFile, '--baseUrl', '{{baseUrl}}', '--portmanConfigFile', configFile, '--output', out, '--syncPostman', 'false', '--includeTests', 'true'],
    { cwd: work },
  );
  fs.writeFileSync(path.join(work, 'portman.log'), g.stdout + g.stderr);
  if (g.code !== 0 || !fs.existsSync(out)) throw new Error(`portman failed (exit ${g.code}): ${g.stdout.slice(-2000)}${g.stderr.slice(-2000)}`);
  const collection = JSON.parse(fs.readFileSync(out, 'utf8'));
  const folders = folderNames(collection);
  const variationFolders = folders.filter((f) => /variation/i.test(f));
  const contractFolders = folders.filter((f) => !variationFolders.includes(f));
  const variationCount = collection.item.filter((i) => variationFolders.includes(i.name)).reduce((n, i) => n + countRequests(i.item), 0);
  const contractCount = countRequests(collection.item) - variationCount;

  const strictTally = new Tally('newman via prism --errors, contract requests');
  await chirpd.restart();
  let env = await seed(strict.url, strictTally);
  const s = await newmanRun(collection, env, strict.url, contractFolders, strictTally);

  const reportTally = new Tally('newman via prism, contract + fuzz requests');
  await chirpd.restart();
  env = await seed(report.url, reportTally);
  const r = await newmanRun(collection, env, report.url, folders, reportTally);

  const failures = [...s.failures.map((f) => `[--errors] ${f}`), ...r.failures];
  const assertions = (x) => x.summary.run.stats.assertions;
  const lines = [
    `portman: ${contractCount} contract requests and ${variationCount} fuzz variants generated (folders: ${folders.join(', ')})`,
    `newman (--errors proxy): ${s.summary.run.stats.requests.total} requests, ${assertions(s).total} assertions, ${assertions(s).failed} failed`,
    `newman (reporting proxy): ${r.summary.run.stats.requests.total} requests, ${assertions(r).total} assertions, ${assertions(r).failed} failed`,
    ...failures.map((f) => `  NEWMAN FAILURE ${f}`),
  ];
  return { summary: lines.join('\n'), failures: failures.length, strictTally, reportTally };
}
