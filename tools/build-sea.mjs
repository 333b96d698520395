// npm run build:sea: the single executable dist/edgectl-linux-x64, a Node 20
// single executable application (SEA), plus the other release artifacts:
// dist/edgectl-linux-x64.sha256, dist/rke2.sh, dist/install-edgectl.sh and
// dist/SHA256SUMS (all three, for sha256sum -c).
//
//   1. bundle src/main.ts for the SEA (tools/bundle.mjs: lazy modules as assets)
//   2. wrap it in the CommonJS function wrapper and make a V8 code cache for it
//      after running --version and every --help, and one for each lazy module
//      after loading it (tools/sea-code-cache.cjs)
//   3. node --experimental-sea-config sea-config.json → dist/sea/edgectl.blob
//      (main: tools/sea-main.cjs; assets: the bundle, its cache, the lazy modules)
//   4. copy this node binary and strip it (binutils) BEFORE injecting: strip
//      rewrites the ELF file and may drop or break the note postject adds;
//      stripped, the file is ~12 MiB smaller. (postject's "Can't find string
//      offset for section name '.note…'" warnings come from the stripped
//      binary's section names and are harmless.)
//   5. inject the blob with postject (sentinel fuse NODE_SEA_FUSE_…)
//   6. check the result runs and its code cache is accepted; print size and sha256
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { LAZY_MODULES, bundleEdgectl } from './bundle.mjs';

const require = createRequire(import.meta.url);
const { inject } = require('postject');

const OUT = 'dist/edgectl-linux-x64';
const SEA_DIR = 'dist/sea';
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

function fail(message) {
  process.stderr.write(`build:sea: ${message}\n`);
  process.exit(1);
}
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.error !== undefined) fail(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr}${r.stdout}`);
  return r;
}
const step = (m) => process.stderr.write(`build:sea: ${m}\n`);

if (process.platform !== 'linux' || process.arch !== 'x64') fail(`builds the linux-x64 executable only, this is ${process.platform}-${process.arch}`);
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
// node:sea getAsset and sea-config "assets" arrived in 20.12
if (major < 20 || (major === 20 && minor < 12)) fail(`needs Node >= 20.12 (single executable assets), this is ${process.version}`);
const config = JSON.parse(readFileSync('sea-config.json', 'utf8'));
for (const name of LAZY_MODULES) {
  for (const asset of [`${name}.cjs`, `${name}.cjs.cache`]) {
    if (config.assets?.[asset] !== `${SEA_DIR}/${asset}`) fail(`sea-config.json must list the asset ${asset}: ${SEA_DIR}/${asset}`);
  }
}

rmSync(SEA_DIR, { recursive: true, force: true });
mkdirSync(SEA_DIR, { recursive: true });

step('bundling for the executable');
const lazySources = await bundleEdgectl({ outfile: `${SEA_DIR}/edgectl.cjs`, target: 'sea' });
for (const [asset, source] of lazySources) writeFileSync(`${SEA_DIR}/${asset}`, source);
const bundle = readFileSync(`${SEA_DIR}/edgectl.cjs`, 'utf8').replace(/^#!.*\n/, '');
writeFileSync(`${SEA_DIR}/edgectl.wrapped.cjs`, `(function (exports, require, module, __filename, __dirname) {${bundle}\n})`);

step('making the V8 code cache');
const env = { ...process.env };
delete env.NODE_OPTIONS; // V8 flags from NODE_OPTIONS would make the cache unusable without them
const lazyFiles = [...lazySources.keys()].map((asset) => `${SEA_DIR}/${asset}`);
const cacheRun = run(process.execPath, ['tools/sea-code-cache.cjs', `${SEA_DIR}/edgectl.wrapped.cjs`, `${SEA_DIR}/edgectl.cjs.cache`, ...lazyFiles], { env });
step(cacheRun.stdout.trim());

step('generating the SEA blob');
run(process.execPath, ['--experimental-sea-config', 'sea-config.json'], { env });

step(`copying ${process.execPath} and stripping it`);
const tmp = `${OUT}.tmp`;
rmSync(tmp, { force: true });
copyFileSync(process.execPath, tmp);
chmodSync(tmp, 0o755);
const unstripped = statSync(tmp).size;
const strip = spawnSync('strip', ['--strip-all', tmp], { encoding: 'utf8' });
if (strip.error !== undefined) fail('strip not found: install binutils (bash tools/setup.sh does)');
if (strip.status !== 0) fail(`strip failed: ${strip.stderr}`);
step(`stripped node: ${mib(unstripped)} → ${mib(statSync(tmp).size)}`);

step('injecting the blob with postject');
await inject(tmp, 'NODE_SEA_BLOB', readFileSync(`${SEA_DIR}/edgectl.blob`), { sentinelFuse: FUSE });
renameSync(tmp, OUT);
chmodSync(OUT, 0o755);

const version = run(OUT, ['--version'], { env }).stdout.trim();
if (version !== pkg.version) fail(`${OUT} --version printed ${JSON.stringify(version)}, expected ${pkg.version}`);
const debug = run(OUT, ['--version'], { env: { ...env, EDGECTL_DEBUG: '1' } });
if (debug.stderr.includes('rejected')) fail(`V8 rejected the code cache:\n${debug.stderr}`);

const bytes = readFileSync(OUT);
const sha256 = createHash('sha256').update(bytes).digest('hex');
writeFileSync(`${OUT}.sha256`, `${sha256}  edgectl-linux-x64\n`);
const sums = [`${sha256}  edgectl-linux-x64`];
for (const script of ['scripts/rke2.sh', 'scripts/install-edgectl.sh']) {
  const name = script.split('/').pop();
  copyFileSync(script, `dist/${name}`);
  chmodSync(`dist/${name}`, 0o755);
  sums.push(`${createHash('sha256').update(readFileSync(script)).digest('hex')}  ${name}`);
}
// one file to check every release artifact with sha256sum -c, the installer included
writeFileSync('dist/SHA256SUMS', `${sums.join('\n')}\n`);
process.stdout.write(
  `${OUT}: edgectl ${version}, Node ${process.version}, ${bytes.length} bytes (${mib(bytes.length)})\n` +
    `sha256 ${sha256}\n` +
    `release artifacts: ${OUT}, ${OUT}.sha256, dist/rke2.sh, dist/install-edgectl.sh, dist/SHA256SUMS\n`,
);

function mib(n) {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
