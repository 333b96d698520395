// Runs a TypeScript entry point (demo, benchmarks) by bundling it with esbuild
// into dist/run/<name>.cjs first; arguments after the entry are passed on.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node tools/run-ts.mjs FILE.ts [ARGS...]');
  process.exit(2);
}
const outfile = `dist/run/${basename(entry).replace(/\.ts$/, '')}.cjs`;
// ssh2's optional native addons are never bundled (it falls back to node:crypto), as in tools/bundle.mjs
await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning', external: ['cpu-features', '*.node'] });
const r = spawnSync(process.execPath, [outfile, ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
