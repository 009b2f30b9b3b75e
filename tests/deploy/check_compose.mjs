// Checks the wiring of docker/docker-compose.yml, as docker-compose itself
// resolved it (`docker-compose config` output on stdin), against chirp's
// split mode: role, port, peers, volume, secret and health of every service,
// health-dependent start-up, and only the gateway published. Peer URLs must
// resolve to the peer's internal listener (CHIRP_INTERNAL_LISTEN, default
// public port + 1000), never to its public port.
//
//   docker-compose -f docker/docker-compose.yml config | node check_compose.mjs
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const cfg = parse(readFileSync(0, 'utf8'));
const problems = [];
const problem = (svc, msg) => problems.push(`${svc ? `service ${svc}: ` : ''}${msg}`);
const services = cfg.services ?? {};
const roles = { tweets: 8000, users: 8001, search: 8002 };
const dataDir = '/var/lib/chirp/data';
const gatewayIp = services.gateway?.networks?.backend?.ipv4_address;

for (const [name, s] of Object.entries(services)) {
  if (s.ports && name !== 'gateway') problem(name, `publishes ports ${JSON.stringify(s.ports)}: only the gateway may`);
  for (const [dep, d] of Object.entries(s.depends_on ?? {})) {
    if (d?.condition !== 'service_healthy') problem(name, `depends_on ${dep} without condition service_healthy`);
    if (!services[dep]?.healthcheck) problem(name, `depends_on ${dep}, which has no healthcheck`);
  }
  if (!s.healthcheck?.test) problem(name, 'no healthcheck');
}

// The internal listener a service really binds: CHIRP_INTERNAL_LISTEN, or
// chirpd's default, its CHIRP_LISTEN host with the port + 1000.
function internalListen(s) {
  const env = s?.environment ?? {};
  const v = env.CHIRP_INTERNAL_LISTEN;
  if (v) {
    const m = /^(.*):(\d+)$/.exec(String(v));
    return m ? { host: m[1], port: Number(m[2]) } : null;
  }
  const m = /^(.*):(\d+)$/.exec(String(env.CHIRP_LISTEN ?? ''));
  return m ? { host: m[1], port: Number(m[2]) + 1000 } : null;
}
// A peer URL resolved: http://SERVICE:PORT must name a service of that role
// whose internal listener is on PORT (a public port is the wrong surface).
function checkPeerUrl(role, varName, url, peer) {
  const m = /^http:\/\/([^/:]+):(\d+)\/?$/.exec(String(url ?? ''));
  if (!m) { problem(role, `${varName} ${url} is not http://SERVICE:PORT`); return; }
  const [, host, p] = m;
  const target = services[host];
  if (!target) { problem(role, `${varName} ${url}: no service ${host}`); return; }
  if (target.environment?.CHIRP_ROLE !== peer) problem(role, `${varName} ${url}: service ${host} is not the ${peer} role`);
  const il = internalListen(target);
  if (Number(p) === roles[peer]) problem(role, `${varName} ${url} is ${peer}'s public port: peers use its internal listener`);
  else if (!il || Number(p) !== il.port) problem(role, `${varName} ${url}: ${host}'s internal listener is on ${il?.port}`);
}

for (const [role, port] of Object.entries(roles)) {
  const s = services[role];
  if (!s) { problem(null, `no service ${role}`); continue; }
  const env = s.environment ?? {};
  if (env.CHIRP_ROLE !== role) problem(role, `CHIRP_ROLE is ${env.CHIRP_ROLE}`);
  if (env.CHIRP_LISTEN !== `0.0.0.0:${port}`) problem(role, `CHIRP_LISTEN is ${env.CHIRP_LISTEN}, expected 0.0.0.0:${port}`);
  if (!(s.expose ?? []).map(String).includes(String(port))) problem(role, `does not expose ${port}`);
  checkPeerUrl(role, 'CHIRP_USERS_URL', env.CHIRP_USERS_URL, 'users');
  checkPeerUrl(role, 'CHIRP_TWEETS_URL', env.CHIRP_TWEETS_URL, 'tweets');
  // The internal listener: reachable by the peers on the backend network,
  // on its own port, declared but never published (only the gateway is).
  const il = internalListen(s);
  if (!il) problem(role, `cannot tell its internal listener from ${env.CHIRP_INTERNAL_LISTEN ?? env.CHIRP_LISTEN}`);
  else {
    if (il.host !== '0.0.0.0') problem(role, `internal listener on ${il.host}: the peers cannot reach it (use 0.0.0.0)`);
    if (il.port === port) problem(role, `internal listener on the public port ${port}`);
    if (!(s.expose ?? []).map(String).includes(String(il.port))) problem(role, `does not expose its internal port ${il.port}`);
  }
  if (env.CHIRP_DATA_DIR !== dataDir) problem(role, `CHIRP_DATA_DIR is ${env.CHIRP_DATA_DIR}`);
  if (!gatewayIp || env.CHIRP_TRUSTED_PROXY !== gatewayIp)
    problem(role, `CHIRP_TRUSTED_PROXY ${env.CHIRP_TRUSTED_PROXY} is not the gateway's address ${gatewayIp}`);
  // One named volume per service, holding its data folder.
  const vol = (s.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':') : [v.source, v.target]))
    .find(([, target]) => target === dataDir);
  if (!vol) problem(role, `no volume at ${dataDir}`);
  else if (!(vol[0] in (cfg.volumes ?? {}))) problem(role, `${vol[0]} is not a named volume`);
  const secrets = (s.secrets ?? []).map((x) => (typeof x === 'string' ? x : x.source));
  if (!secrets.includes('internal_secret')) problem(role, 'internal_secret not mounted');
  if (env.CHIRP_INTERNAL_SECRET_FILE !== '/run/secrets/internal_secret')
    problem(role, `CHIRP_INTERNAL_SECRET_FILE is ${env.CHIRP_INTERNAL_SECRET_FILE}`);
  if (!JSON.stringify(s.healthcheck?.test ?? '').includes(`:${port}/health`)) problem(role, `healthcheck does not ask :${port}/health`);
  if (s.build?.dockerfile !== 'docker/Dockerfile') problem(role, `built from ${s.build?.dockerfile}`);
  // nginx resolves upstream names once: each service keeps a fixed address.
  if (!s.networks?.backend?.ipv4_address) problem(role, 'no fixed ipv4_address on the backend network');
}
const addrs = Object.values(services).map((s) => s.networks?.backend?.ipv4_address).filter(Boolean);
if (new Set(addrs).size !== addrs.length) problem(null, `two services share an address: ${addrs}`);

const gw = services.gateway;
if (!gw) problem(null, 'no service gateway');
else {
  if (!(gw.ports ?? []).some((p) => String(p.target ?? p).endsWith('8080') || String(p).includes(':8080')))
    problem('gateway', 'does not publish 8080');
  for (const role of Object.keys(roles))
    if (gw.depends_on?.[role]?.condition !== 'service_healthy') problem('gateway', `does not wait for ${role} to be healthy`);
  if (gw.build?.dockerfile !== 'docker/gateway/Dockerfile') problem('gateway', `built from ${gw.build?.dockerfile}`);
}
const secret = cfg.secrets?.internal_secret;
if (!secret?.file) problem(null, 'secret internal_secret is not a file secret');
// Volumes must be named (docker-managed), one per data service.
for (const role of Object.keys(roles))
  if (!(`${role}-data` in (cfg.volumes ?? {}))) problem(null, `no named volume ${role}-data`);

if (problems.length) {
  for (const p of problems) console.log(`INVALID docker-compose.yml: ${p}`);
  process.exit(1);
}
console.log(`docker-compose.yml: ${Object.keys(services).length} services wired as split mode expects`);
