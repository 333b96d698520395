/**
 * Benchmark 1: what `edgectl --version` (and `--help`) costs next to starting
 * Node itself (`node -e 0`), for the bundle (`node dist/edgectl.cjs`) and the
 * single executable. Commands run interleaved (A B C A B C …, after warm-up
 * rounds) so that load from other processes hits all of them alike; each is
 * the median of its runs. The environment is only PATH: a fresh host has no
 * NODE_OPTIONS or NODE_EXTRA_CA_CERTS (the latter alone adds ~80 ms to every
 * Node start here, which would flatter the ratios).
 */
import { spawnSync } from 'node:child_process';
import { median } from './stats.js';

export interface StartupCommand {
  label: string;
  argv: string[];
}

export interface StartupRow {
  label: string;
  medianMs: number;
  minMs: number;
  /** median / median of the baseline (the first command) */
  ratio: number;
}

/** Run each command `runs` times interleaved (after `warmup` rounds); the first command is the baseline. */
export function benchStartup(commands: readonly StartupCommand[], runs = 30, warmup = 3): StartupRow[] {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const times: number[][] = commands.map(() => []);
  for (let round = 0; round < warmup + runs; round += 1) {
    commands.forEach((c, i) => {
      const t0 = performance.now();
      const r = spawnSync(c.argv[0] ?? 'false', c.argv.slice(1), { env, stdio: 'ignore' });
      const elapsed = performance.now() - t0;
      if (r.status !== 0) throw new Error(`${c.argv.join(' ')} exited ${String(r.status)}`);
      if (round >= warmup) times[i]?.push(elapsed);
    });
  }
  const base = median(times[0] ?? [0]);
  return commands.map((c, i) => {
    const t = times[i] ?? [0];
    return { label: c.label, medianMs: median(t), minMs: Math.min(...t), ratio: median(t) / base };
  });
}
