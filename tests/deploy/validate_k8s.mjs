// Validates rendered Kubernetes objects offline (no cluster, no downloads).
//
//   node validate_k8s.mjs RENDERED.yaml --namespace NS [--image-prefix P] [--with-secret]
//
// 1. Schema: every object against the Kubernetes OpenAPI schema compiled into
//    npm kubernetes-models (required fields, types, enums, formats).
// 2. Unknown fields: every key must be a field of its type, from the model
//    metadata of npm @kubernetes/client-node (kubernetes-models accepts unknown
//    keys, so a misspelt `readinessprobe` would otherwise pass).
// 3. chirp's own rules: references between objects resolve (Services ->
//    pods and ports, Ingress -> Service, ConfigMap / Secret / governing
//    Service names), one writer per data folder, probes, resources, non-root,
//    NetworkPolicies, image names, namespace; peer URLs resolved through
//    their Service to the port the peer pod's chirpd listens on (it serves
//    /internal/v1/* there too), no leftover separate internal listener, and
//    each service's port open only to the gateway and the peers that read it.
// Prints one line per problem and exits 1 if there is any.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import * as k8s from '@kubernetes/client-node';

const args = process.argv.slice(2);
const file = args[0];
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const namespace = opt('--namespace');
const imagePrefix = opt('--image-prefix');
const withSecret = args.includes('--with-secret');
if (!file || !namespace) {
  console.error('usage: validate_k8s.mjs RENDERED.yaml --namespace NS [--image-prefix P] [--with-secret]');
  process.exit(2);
}

const problems = [];
const problem = (obj, msg) => problems.push(`${obj ? `${obj.kind}/${obj.metadata?.name}: ` : ''}${msg}`);

const docs = parseAllDocuments(readFileSync(file, 'utf8'));
const objects = [];
for (const d of docs) {
  if (d.errors.length) { problem(null, `YAML: ${d.errors[0].message}`); continue; }
  const o = d.toJS();
  if (o) objects.push(o);
}
if (objects.length === 0) problem(null, 'no objects rendered');

// --- 1. schema (kubernetes-models) -------------------------------------------
function modelPath(o) {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : [null, o.apiVersion];
  return group ? `kubernetes-models/${group}/${version}/${o.kind}` : `kubernetes-models/${version}/${o.kind}`;
}
for (const o of objects) {
  if (!o.apiVersion || !o.kind) { problem(o, 'apiVersion and kind are required'); continue; }
  let mod;
  try { mod = await import(modelPath(o)); } catch {
    problem(o, `unknown apiVersion/kind ${o.apiVersion} ${o.kind}`);
    continue;
  }
  const Model = mod[o.kind];
  try { new Model(o).validate(); } catch (e) { problem(o, `schema: ${e.message}`); }
}

// --- 2. unknown fields (@kubernetes/client-node model metadata) --------------
function className(o) {
  const version = o.apiVersion.split('/').pop();
  return version[0].toUpperCase() + version.slice(1) + o.kind;
}
function checkFields(value, type, path, o) {
  if (value === null || value === undefined) return;
  let m = /^Array<(.+)>$/.exec(type);
  if (m) { if (Array.isArray(value)) value.forEach((v, i) => checkFields(v, m[1], `${path}[${i}]`, o)); return; }
  m = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (m) { for (const [k, v] of Object.entries(value)) checkFields(v, m[1], `${path}.${k}`, o); return; }
  const cls = k8s[type];
  if (!cls || !cls.attributeTypeMap || typeof value !== 'object' || Array.isArray(value)) return;
  const fields = new Map(cls.attributeTypeMap.map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    if (!fields.has(k)) problem(o, `unknown field ${path ? `${path}.` : ''}${k} (${type})`);
    else checkFields(v, fields.get(k), path ? `${path}.${k}` : k, o);
  }
}
for (const o of objects) {
  if (!o.apiVersion || !o.kind) continue;
  const cls = className(o);
  if (!k8s[cls]) { problem(o, `no field list for ${cls}`); continue; }
  checkFields(o, cls, '', o);
}

// --- 3. chirp's rules ------------------------------------------------------------
const byKind = (kind) => objects.filter((o) => o.kind === kind);
const named = (kind, name) => objects.find((o) => o.kind === kind && o.metadata?.name === name);
const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
const matches = (selector, labels) =>
  !!selector && Object.entries(selector).every(([k, v]) => labels?.[k] === v);
const podLabels = (w) => w.spec?.template?.metadata?.labels ?? {};
const containers = (w) => w.spec?.template?.spec?.containers ?? [];
const containerPorts = (w) => containers(w).flatMap((c) => c.ports ?? []);

if (!objects.some((o) => o.kind === 'Namespace' && o.metadata?.name === namespace))
  problem(null, `no Namespace ${namespace}`);
for (const o of objects) {
  if (o.kind !== 'Namespace' && o.metadata?.namespace !== namespace)
    problem(o, `namespace is ${o.metadata?.namespace}, expected ${namespace}`);
}

const roles = { users: 8001, tweets: 8000, search: 8002 };
for (const [role, port] of Object.entries(roles)) {
  const s = named('StatefulSet', role);
  if (!s) { problem(null, `no StatefulSet ${role}`); continue; }
  // LMDB (and Xapian) allow one writer process per data folder.
  if (s.spec.replicas !== 1) problem(s, `replicas must be 1 (one writer per data folder), is ${s.spec.replicas}`);
  const claims = (s.spec.volumeClaimTemplates ?? []).map((c) => c.metadata?.name);
  if (claims.length === 0) problem(s, 'no volumeClaimTemplates (data would be lost with the pod)');
  const gov = named('Service', s.spec.serviceName);
  if (!gov) problem(s, `governing Service ${s.spec.serviceName} missing`);
  else if (gov.spec.clusterIP !== 'None') problem(s, `governing Service ${s.spec.serviceName} is not headless`);
  const c = containers(s)[0] ?? {};
  const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
  if (env.CHIRP_ROLE !== role) problem(s, `CHIRP_ROLE is ${env.CHIRP_ROLE}, expected ${role}`);
  if (!String(env.CHIRP_LISTEN ?? '').endsWith(`:${port}`)) problem(s, `CHIRP_LISTEN ${env.CHIRP_LISTEN} is not port ${port}`);
  if (!(c.ports ?? []).some((p) => p.containerPort === port)) problem(s, `no containerPort ${port}`);
  const mounts = c.volumeMounts ?? [];
  for (const claim of claims)
    if (!mounts.some((m) => m.name === claim)) problem(s, `claim ${claim} is not mounted`);
  // The secret file named in the ConfigMap must be a key of a mounted Secret.
  for (const ref of c.envFrom ?? []) {
    const cm = ref.configMapRef && named('ConfigMap', ref.configMapRef.name);
    const path = cm?.data?.CHIRP_INTERNAL_SECRET_FILE;
    if (!path) continue;
    const vols = s.spec.template.spec.volumes ?? [];
    const ok = mounts.some((m) => {
      const v = vols.find((x) => x.name === m.name);
      if (!v?.secret) return false;
      const key = path.slice(m.mountPath.length + 1);
      return path.startsWith(`${m.mountPath}/`) && (!v.secret.items || v.secret.items.some((i) => i.path === key));
    });
    if (!ok) problem(s, `CHIRP_INTERNAL_SECRET_FILE ${path} is not inside a mounted Secret`);
  }
}
if (!named('Deployment', 'gateway')) problem(null, 'no Deployment gateway');

for (const w of workloads) {
  const spec = w.spec.template?.spec ?? {};
  if (!matches(w.spec.selector?.matchLabels, podLabels(w))) problem(w, 'selector does not match its pod labels');
  if (spec.securityContext?.runAsNonRoot !== true) problem(w, 'pods must set runAsNonRoot');
  for (const c of containers(w)) {
    for (const r of ['requests', 'limits'])
      for (const k of ['cpu', 'memory'])
        if (!c.resources?.[r]?.[k]) problem(w, `container ${c.name}: resources.${r}.${k} missing`);
    const portNames = (c.ports ?? []).map((p) => p.name);
    // chirpd: alive /health, ready /ready (engine open, peers caught up);
    // the gateway's nginx answers /health itself and is ready when alive.
    const gateway = podLabels(w)['app.kubernetes.io/component'] === 'gateway';
    for (const [probe, path] of [['livenessProbe', '/health'], ['readinessProbe', gateway ? '/health' : '/ready']]) {
      const g = c[probe]?.httpGet;
      if (!g) { problem(w, `container ${c.name}: ${probe} with httpGet missing`); continue; }
      if (g.path !== path) problem(w, `container ${c.name}: ${probe} path ${g.path}, expected ${path}`);
      if (typeof g.port === 'string' && !portNames.includes(g.port)) problem(w, `container ${c.name}: ${probe} port ${g.port} not declared`);
    }
    if (!c.image || !/:[\w][\w.-]*$/.test(c.image)) problem(w, `container ${c.name}: image ${c.image} has no tag`);
    if (imagePrefix && !c.image?.startsWith(`${imagePrefix}/`)) problem(w, `container ${c.name}: image ${c.image} not from ${imagePrefix}`);
    for (const ref of c.envFrom ?? []) {
      if (ref.configMapRef && !named('ConfigMap', ref.configMapRef.name)) problem(w, `ConfigMap ${ref.configMapRef.name} missing`);
      if (ref.secretRef && withSecret && !named('Secret', ref.secretRef.name)) problem(w, `Secret ${ref.secretRef.name} missing`);
    }
  }
  for (const v of spec.volumes ?? []) {
    if (v.secret && withSecret && !named('Secret', v.secret.secretName)) problem(w, `Secret ${v.secret.secretName} missing`);
    if (!(spec.containers ?? []).some((c) => (c.volumeMounts ?? []).some((m) => m.name === v.name))) problem(w, `volume ${v.name} is never mounted`);
  }
}
if (withSecret && byKind('Secret').length === 0) problem(null, 'no Secret rendered');

for (const s of byKind('Service')) {
  const targets = workloads.filter((w) => matches(s.spec.selector, podLabels(w)));
  if (targets.length === 0) { problem(s, 'selector matches no workload'); continue; }
  for (const p of s.spec.ports ?? []) {
    const t = p.targetPort ?? p.port;
    const ok = targets.every((w) => containerPorts(w).some((cp) => cp.name === t || cp.containerPort === t));
    if (!ok) problem(s, `port ${p.port}: targetPort ${t} is not a container port of ${targets.map((w) => w.metadata.name)}`);
  }
}

for (const ing of byKind('Ingress')) {
  for (const r of ing.spec.rules ?? []) for (const p of r.http?.paths ?? []) {
    const b = p.backend?.service;
    const svc = b && named('Service', b.name);
    if (!svc) { problem(ing, `backend Service ${b?.name} missing`); continue; }
    if (!(svc.spec.ports ?? []).some((sp) => sp.name === b.port?.name || sp.port === b.port?.number))
      problem(ing, `backend port ${JSON.stringify(b.port)} not on Service ${b.name}`);
  }
}

for (const pdb of byKind('PodDisruptionBudget')) {
  const w = workloads.find((x) => matches(pdb.spec.selector?.matchLabels, podLabels(x)));
  if (!w) { problem(pdb, 'selector matches no workload'); continue; }
  // A budget that needs every pod up blocks node drains forever.
  if (typeof pdb.spec.minAvailable === 'number' && pdb.spec.minAvailable >= (w.spec.replicas ?? 1))
    problem(pdb, `minAvailable ${pdb.spec.minAvailable} with ${w.spec.replicas} replicas of ${w.metadata.name} blocks every drain`);
  if (pdb.spec.maxUnavailable === 0 || pdb.spec.maxUnavailable === '0%')
    problem(pdb, 'maxUnavailable 0 blocks every drain');
}

const policies = byKind('NetworkPolicy');
const denyAll = policies.some((p) => Object.keys(p.spec.podSelector ?? {}).length === 0 &&
  (p.spec.policyTypes ?? []).includes('Ingress') && !(p.spec.ingress ?? []).length);
if (!denyAll) problem(null, 'no default-deny ingress NetworkPolicy');
for (const w of workloads) {
  const allows = policies.filter((p) => (p.spec.ingress ?? []).length && matches(p.spec.podSelector?.matchLabels, podLabels(w)));
  if (allows.length === 0) problem(w, 'no NetworkPolicy lets traffic in (unreachable under default deny)');
  for (const p of allows) for (const rule of p.spec.ingress) for (const port of rule.ports ?? [])
    if (!containerPorts(w).some((cp) => cp.containerPort === port.port || cp.name === port.port))
      problem(p, `port ${port.port} is not a container port of ${w.metadata.name}`);
  for (const p of allows) for (const rule of p.spec.ingress) for (const from of rule.from ?? []) {
    if (!from.podSelector) continue;
    if (!workloads.some((x) => matches(from.podSelector.matchLabels, podLabels(x))))
      problem(p, `from.podSelector ${JSON.stringify(from.podSelector.matchLabels)} matches no workload`);
  }
}
// Only the gateway is reachable from outside the namespace.
for (const p of policies) for (const rule of p.spec.ingress ?? []) for (const from of rule.from ?? []) {
  if ((from.namespaceSelector || from.ipBlock) && p.spec.podSelector?.matchLabels?.['app.kubernetes.io/component'] !== 'gateway')
    problem(p, 'lets traffic from outside the namespace reach a pod other than the gateway');
}

// --- peer wiring: URL -> Service -> targetPort -> the port the peer's chirpd binds
const envOf = (w) => {
  const c = containers(w)[0] ?? {};
  const e = {};
  for (const ref of c.envFrom ?? []) Object.assign(e, (ref.configMapRef && named('ConfigMap', ref.configMapRef.name)?.data) ?? {});
  for (const x of c.env ?? []) if (x.value !== undefined) e[x.name] = x.value;
  return e;
};
// What chirpd binds: CHIRP_LISTEN (public requests and the peers' /internal/v1/*).
function listenOf(w) {
  const m = /^(.*):(\d+)$/.exec(String(envOf(w).CHIRP_LISTEN ?? ''));
  return m ? { host: m[1], port: Number(m[2]) } : null;
}
const portOfContainer = (w, t) => {
  const cp = containerPorts(w).find((x) => x.name === t || x.containerPort === t);
  return cp?.containerPort;
};
// Who reads whose log (and checks tokens with users): apps/chirpd/main.cpp.
const peerRoles = { users: ['tweets', 'search'], tweets: ['users', 'search'], search: [] };
for (const [role, port] of Object.entries(roles)) {
  const w = named('StatefulSet', role);
  if (!w) continue;
  const env = envOf(w);
  const l = listenOf(w);
  if (!l) problem(w, 'cannot tell the address chirpd listens on (CHIRP_LISTEN)');
  else {
    if (l.host !== '0.0.0.0') problem(w, `listens on ${l.host}: the gateway and peer pods cannot reach it (use 0.0.0.0)`);
    if (l.port !== port) problem(w, `listens on ${l.port}, not ${port}`);
    if (portOfContainer(w, l.port) === undefined) problem(w, `port ${l.port} is not a declared containerPort`);
  }
  if ('CHIRP_INTERNAL_LISTEN' in env) problem(w, 'CHIRP_INTERNAL_LISTEN is not a chirpd option (internal requests share CHIRP_LISTEN)');
  const extra = containerPorts(w).filter((cp) => cp.containerPort !== port);
  if (extra.length) problem(w, `declares container ports ${extra.map((cp) => cp.containerPort)} besides ${port}`);
  for (const [varName, peer] of [['CHIRP_USERS_URL', 'users'], ['CHIRP_TWEETS_URL', 'tweets']]) {
    const url = env[varName];
    const m = /^http:\/\/([^/:.]+)(?:\.[^/:]*)?:(\d+)\/?$/.exec(String(url ?? ''));
    if (!m) { problem(w, `${varName} ${url} is not http://SERVICE:PORT`); continue; }
    const svc = named('Service', m[1]);
    if (!svc) { problem(w, `${varName} ${url}: no Service ${m[1]}`); continue; }
    const target = named('StatefulSet', peer);
    if (!target || !matches(svc.spec.selector, podLabels(target))) { problem(w, `${varName} ${url}: Service ${m[1]} does not select the ${peer} pods`); continue; }
    const sp = (svc.spec.ports ?? []).find((x) => x.port === Number(m[2]));
    if (!sp) { problem(w, `${varName} ${url}: Service ${m[1]} has no port ${m[2]}`); continue; }
    const podPort = portOfContainer(target, sp.targetPort ?? sp.port);
    const tl = listenOf(target);
    if (!tl || podPort !== tl.port) problem(w, `${varName} ${url} reaches ${peer} port ${podPort}, its chirpd listens on ${tl?.port}`);
  }
}
// Client addresses: chirpd believes X-Forwarded-For from the gateway pods
// (CHIRP_TRUSTED_PROXY, an address or CIDR), the gateway from the ingress
// controller's pods (CHIRP_GATEWAY_REAL_IP_FROM).
const cidr = /^(\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?|[0-9a-fA-F:]+:[0-9a-fA-F:]*(\/\d{1,3})?)$/;
for (const role of Object.keys(roles)) {
  const w = named('StatefulSet', role);
  if (!w) continue;
  const tp = String(envOf(w).CHIRP_TRUSTED_PROXY ?? '');
  if (!tp || !tp.split(',').every((x) => cidr.test(x.trim())))
    problem(w, `CHIRP_TRUSTED_PROXY "${tp}" is not a list of addresses / CIDR ranges (the gateway pods)`);
}
{
  const gwd = byKind('Deployment').find((d) => podLabels(d)['app.kubernetes.io/component'] === 'gateway');
  const rip = gwd && String(envOf(gwd).CHIRP_GATEWAY_REAL_IP_FROM ?? '');
  if (gwd && !cidr.test(rip)) problem(gwd, `CHIRP_GATEWAY_REAL_IP_FROM "${rip}" is not an address / CIDR (the ingress controller's pods)`);
}

// Each service's port: open to the gateway and the peers that read its log,
// never to anything else (the ingress controller, other namespaces, other pods).
for (const [role, peers] of Object.entries(peerRoles)) {
  const w = named('StatefulSet', role);
  const l = w && listenOf(w);
  if (!l) continue;
  const allowedFrom = new Set();
  const may = ['gateway', ...peers];
  for (const p of policies) {
    if (!matches(p.spec.podSelector?.matchLabels, podLabels(w))) continue;
    for (const rule of p.spec.ingress ?? []) {
      const ports = rule.ports ?? [];
      const hits = ports.length === 0 || ports.some((x) => x.port === l.port || x.port === 'http');
      if (!hits) continue;
      if (!rule.from?.length) { problem(p, `lets anyone reach ${role}'s port ${l.port}`); continue; }
      for (const from of rule.from) {
        const comp = from.podSelector?.matchLabels?.['app.kubernetes.io/component'];
        if (!from.podSelector || from.namespaceSelector || from.ipBlock || !may.includes(comp))
          problem(p, `lets ${JSON.stringify(from)} reach ${role}'s port ${l.port}: only ${may} may`);
        else allowedFrom.add(comp);
      }
    }
  }
  for (const who of may)
    if (!allowedFrom.has(who)) problem(w, `no NetworkPolicy lets ${who} reach its port ${l.port}`);
}

const kinds = {};
for (const o of objects) kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
if (problems.length) {
  for (const p of problems) console.log(`INVALID ${file}: ${p}`);
  process.exit(1);
}
console.log(`${file}: ${objects.length} objects valid (${Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(', ')})`);
