/**
 * The main job on its embedded default: starts a local OpenBao and runs
 * edgectl against it. Later issues grow this into a full bootstrap + join on
 * simulated hosts.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { enableKv, startOpenBao } from '../test/support/openbao.js';
import { PROJECT_ROOT } from '../test/support/paths.js';

const EDGECTL = join(PROJECT_ROOT, 'dist/edgectl.cjs');

function edgectl(args: string[], env: NodeJS.ProcessEnv = {}): number {
  process.stderr.write(`\n$ edgectl ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [EDGECTL, ...args], { stdio: 'inherit', env: { PATH: process.env.PATH, ...env } });
  return r.status ?? 1;
}

async function main(): Promise<void> {
  const bao = await startOpenBao();
  try {
    await enableKv(bao, 'kv', 2);
    process.stderr.write(`demo: OpenBao ${bao.addr} started (dev mode, in memory)\n`);
    const codes = [edgectl(['--help'])];
    if (codes.some((c) => c !== 0)) process.exitCode = 1;
  } finally {
    await bao.stop();
    process.stderr.write('demo: OpenBao stopped\n');
  }
}

void main();
