// Checks the wiring of docker/docker-compose.yml, as docker-compose itself
// resolved it (`docker-compose config` output on stdin), against chirp's
// split mode: role, port, peers, volume, secret and health of every service,
// health-dependent start-up, and only the gateway published. Peer URLs must
// resolve to the peer service's own listener (CHIRP_LISTEN: it serves
// /internal/v1/* too, behind the secret), never to the gateway, which
// answers /internal/ 404. chirpd has no separate internal listener.
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

// The address a service really binds: its CHIRP_LISTEN.
function listenOf(s) {
  const m = /^(.*):(\d+)$/.exec(String(s?.environment?.CHIRP_LISTEN ?? ''));
  return m ? { host: m[1], port: Number(m[2]) } : null;
}
// A peer URL resolved: http://SERVICE:PORT must name a service of that role
// listening on PORT (the gateway, or any other port, is the wrong target).
function checkPeerUrl(role, varName, url, peer) {
  const m = /^http:\/\/([^/:]+):(\d+)\/?$/.exec(String(url ?? ''));
  if (!m) { problem(role, `${varName} ${url} is not http://SERVICE:PORT`); return; }
  const [, host, p] = m;
  const target = services[host];
  if (!target) { problem(role, `${varName} ${url}: no service ${host}`); return; }
  if (target.environment?.CHIRP_ROLE !== peer) problem(role, `${varName} ${url}: service ${host} is not the ${peer} role`);
  const l = listenOf(target);
  if (!l || Number(p) !== l.port) problem(role, `${varName} ${url}: ${host} listens on ${l?.port}`);
  if (!(target.expose ?? []).map(String).includes(String(p))) problem(role, `${varName} ${url}: ${host} does not expose ${p}`);
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
  // One listener for the gateway and the peers: it must be reachable on the
  // backend network; a leftover separate internal listener is a mistake.
  const l = listenOf(s);
  if (!l || l.host !== '0.0.0.0') problem(role, `listens on ${l?.host}: the gateway and the peers cannot reach it (use 0.0.0.0)`);
  if ('CHIRP_INTERNAL_LISTEN' in env) problem(role, 'CHIRP_INTERNAL_LISTEN is not a chirpd option (internal requests share CHIRP_LISTEN)');
  const extra = (s.expose ?? []).map(String).filter((x) => x !== String(port));
  if (extra.length) problem(role, `exposes ${extra} besides its port ${port}`);
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
  if (s.build?.dockerfile !== 'docker/Dockerfile' || (s.build?.target ?? 'runtime') !== 'runtime')
    problem(role, `built from ${s.build?.dockerfile} target ${s.build?.target}`);
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
  if (gw.build?.dockerfile !== 'docker/Dockerfile' || gw.build?.target !== 'gateway')
    problem('gateway', `built from ${gw.build?.dockerfile} target ${gw.build?.target}`);
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
