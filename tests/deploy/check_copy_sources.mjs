// Every file a Dockerfile COPYs from the build context (the repository root)
// must exist and must not be excluded by the Dockerfile's .dockerignore, or
// the image build fails where no test here can run it (no Docker engine).
//   node check_copy_sources.mjs REPO_ROOT docker/Dockerfile ...
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [root, ...files] = process.argv.slice(2);
const problems = [];

// .dockerignore lines as path prefixes / "**/name" anywhere (the forms used here).
function ignored(rules, path) {
  const clean = path.replace(/\/+$/, '');
  return rules.some((r) => {
    if (r.startsWith('**/')) return clean.split('/').includes(r.slice(3));
    return clean === r || clean.startsWith(`${r}/`) || (r.startsWith('*.') && clean.endsWith(r.slice(1)));
  });
}

for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8').replace(/\\\n/g, ' ');
  const ignoreFile = join(root, `${file}.dockerignore`);
  const rules = existsSync(ignoreFile)
    ? readFileSync(ignoreFile, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    : [];
  let copies = 0;
  for (const line of text.split('\n')) {
    const m = /^\s*(COPY|ADD)\s+(.*)$/i.exec(line);
    if (!m) continue;
    const words = m[2].trim().split(/\s+/);
    if (words.some((w) => w.startsWith('--from='))) continue;
    const sources = words.filter((w) => !w.startsWith('--')).slice(0, -1);
    for (const src of sources) {
      copies++;
      if (!existsSync(join(root, src))) problems.push(`${file}: COPY ${src}: not in the repository`);
      else if (ignored(rules, src)) problems.push(`${file}: COPY ${src}: excluded by ${file}.dockerignore`);
    }
  }
  if (copies === 0) problems.push(`${file}: copies nothing from the context`);
  else console.log(`${file}: ${copies} COPY sources present and not ignored`);
}
if (problems.length) {
  for (const p of problems) console.log(`INVALID ${p}`);
  process.exit(1);
}
