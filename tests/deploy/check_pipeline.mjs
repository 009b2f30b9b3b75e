// Checks what GitLab would run, from gitlab-ci-local's own evaluation of
// .gitlab-ci.yml (its --list-json output, which applies rules and needs):
//   node check_pipeline.mjs MAIN.json FEATURE.json REPO_ROOT
// MAIN.json: the jobs on the default branch; FEATURE.json: on another branch.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const [mainFile, featureFile, root] = process.argv.slice(2);
const problems = [];
const problem = (msg) => problems.push(msg);
const load = (f) => JSON.parse(readFileSync(f, 'utf8'));
const main = load(mainFile);
const feature = load(featureFile);
const ci = parse(readFileSync(join(root, '.gitlab-ci.yml'), 'utf8'));

const stages = ['init', 'build', 'test', 'deploy'];
if (JSON.stringify(ci.stages) !== JSON.stringify(stages)) problem(`stages are ${JSON.stringify(ci.stages)}, expected ${JSON.stringify(stages)}`);

const active = (list) => list.filter((j) => j.when !== 'never');
const job = (list, name) => active(list).find((j) => j.name === name);
for (const stage of stages)
  if (!active(main).some((j) => j.stage === stage)) problem(`no job in stage ${stage} on the default branch`);

const staging = job(main, 'deploy:staging');
const production = job(main, 'deploy:production');
if (!staging) problem('deploy:staging does not run on the default branch');
else if (staging.when !== 'on_success') problem(`deploy:staging is ${staging.when}, expected automatic (on_success)`);
if (!production) problem('deploy:production does not run on the default branch');
else if (production.when !== 'manual') problem(`deploy:production is ${production.when}, expected manual`);
for (const d of [staging, production].filter(Boolean)) {
  const needs = (d.needs ?? []).map((n) => n.job);
  for (const n of ['build:images', 'test:make'])
    if (!needs.includes(n)) problem(`${d.name} does not need ${n}`);
}
for (const j of active(feature))
  if (j.stage === 'deploy') problem(`${j.name} would deploy from a branch other than the default`);

// Images go to the project's registry; deploys go through docker/k8s/deploy.sh.
const text = readFileSync(join(root, '.gitlab-ci.yml'), 'utf8');
if (!/\$CI_REGISTRY_IMAGE\b/.test(text)) problem('images are not pushed to $CI_REGISTRY_IMAGE');
if (!/docker push/.test(text)) problem('no docker push');
// Every repository path a job names must exist (docker/secrets is made by the job).
for (const m of text.matchAll(/\b((?:docker|tests|scripts)\/[\w./-]*\w)/g))
  if (!m[1].startsWith('docker/secrets') && !existsSync(join(root, m[1]))) problem(`names ${m[1]}, which does not exist`);

if (problems.length) {
  for (const p of problems) console.log(`INVALID .gitlab-ci.yml: ${p}`);
  process.exit(1);
}
console.log(`.gitlab-ci.yml: ${active(main).length} jobs on the default branch (${stages.join(' -> ')}), ` +
  `${active(feature).length} on other branches; staging automatic, production manual`);
