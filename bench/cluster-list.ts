/**
 * Benchmark: how long `cluster list` takes for 1,000 and 10,000 registered
 * clusters, against a fresh OpenBao dev server on this machine. Prints the
 * median of several runs for the library call (both listing methods: paged
 * detailed-metadata, which OpenBao offers, and per-cluster metadata reads at
 * bounded concurrency, which is what HashiCorp Vault gets) and for the bundled
 * CLI (`edgectl cluster list -o json`, process start included). Not a test:
 * numbers, no assertions beyond sanity.
 *
 *   node tools/run-ts.mjs bench/cluster-list.ts [--sizes 1000,10000] [--runs 3] [--no-cli]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { LIST_CONCURRENCY } from '../src/adapters/vault/registry.js';
import { mapBounded } from '../src/core/concurrency.js';
import { Secret } from '../src/core/secret.js';
import { enableKv, startOpenBao } from '../test/support/openbao.js';
import { PROJECT_ROOT } from '../test/support/paths.js';
import { rootEnv, vaultFrom } from '../test/support/vault.js';

export interface BenchClusterListOptions {
  /** fleet sizes, ascending; each builds on the previous one in the same server (default 1,000 and 10,000) */
  sizes?: number[];
  /** runs per measurement; the median is reported (default 3) */
  runs?: number;
  /** concurrent registrations while filling the server (default 256) */
  registerConcurrency?: number;
  /** also time the bundled CLI, dist/edgectl.cjs (default true; rebuilt first, so it is never stale) */
  cli?: boolean;
  /** progress lines (default: stderr) */
  log?: (line: string) => void;
}

export interface BenchClusterListRow {
  clusters: number;
  /** wall time to register the clusters added for this size */
  registerMs: number;
  /** median ms of registry.listClusters() via OpenBao's detailed-metadata LIST */
  detailedMedianMs: number;
  /** median ms of registry.listClusters() reading each cluster's metadata, LIST_CONCURRENCY at a time */
  perClusterMedianMs: number;
  /** median ms of a plain sequential loop of the same metadata GETs (one LIST, then one GET after another), same client, same run */
  plainLoopMedianMs: number;
  /** median ms of `node dist/edgectl.cjs cluster list -o json`, process start included */
  cliMedianMs: number | undefined;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

async function timeIt(runs: number, fn: () => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

function runCli(env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist/edgectl.cjs'), 'cluster', 'list', '-o', 'json'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stdout }));
  });
}

/** Register clusters in a fresh OpenBao and time listing them; returns one row per size. */
export async function benchClusterList(opts: BenchClusterListOptions = {}): Promise<BenchClusterListRow[]> {
  const sizes = opts.sizes ?? [1000, 10_000];
  const runs = opts.runs ?? 3;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const withCli = opts.cli ?? true;
  if (withCli) {
    log('building dist/edgectl.cjs');
    const b = spawnSync(process.execPath, ['tools/build.mjs'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    if (b.status !== 0 || !existsSync(join(PROJECT_ROOT, 'dist/edgectl.cjs'))) throw new Error('build failed');
  }
  const bao = await startOpenBao();
  // a run's signal, as the CLI's client has: requests in flight must not pile listeners on it
  const v = vaultFrom(rootEnv(bao), { signal: new AbortController().signal });
  const rows: BenchClusterListRow[] = [];
  try {
    await enableKv(bao, 'kv', 2);
    let registered = 0;
    for (const size of sizes) {
      const ids = Array.from({ length: size - registered }, (_, i) => `bench-${String(registered + i).padStart(6, '0')}`);
      log(`registering ${ids.length} clusters (${size} in all)…`);
      const t0 = performance.now();
      await mapBounded(ids, opts.registerConcurrency ?? 256, (id, i) =>
        v.registry.registerCluster({
          id,
          token: new Secret(`K10bench::server:${id}`),
          server: `https://10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:9345`,
          createdAt: new Date(),
          hostname: `host-${id}`,
          ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
          rke2Version: 'v1.30.1+rke2r1',
          tags: { env: i % 2 === 0 ? 'prod' : 'dev', site: `site-${i % 10}` },
        }),
      );
      const registerMs = performance.now() - t0;
      registered = size;

      const check = (n: number): void => {
        if (n !== size) throw new Error(`listed ${n} clusters, expected ${size}`);
      };
      log(`timing listClusters over ${size} clusters (${runs} runs each)…`);
      const detailedMedianMs = await timeIt(runs, async () => check((await v.registry.listClusters({ method: 'detailed-metadata' })).length));
      const perClusterMedianMs = await timeIt(runs, async () => check((await v.registry.listClusters({ method: 'per-cluster' })).length));
      const plainLoopMedianMs = await timeIt(runs, async () => {
        let n = 0;
        for (const key of await v.kv.list('rke2')) if ((await v.kv.readMetadata(`rke2/${key}`)) !== undefined) n += 1;
        check(n);
      });
      let cliMedianMs: number | undefined;
      if (withCli) {
        const env = { PATH: process.env.PATH, VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken };
        cliMedianMs = await timeIt(runs, async () => {
          const r = await runCli(env);
          if (r.code !== 0) throw new Error(`edgectl cluster list exited ${r.code}`);
          check((JSON.parse(r.stdout) as { clusters: unknown[] }).clusters.length);
        });
      }
      rows.push({ clusters: size, registerMs, detailedMedianMs, perClusterMedianMs, plainLoopMedianMs, cliMedianMs });
    }
  } finally {
    await v.client.close();
    await bao.stop();
  }
  return rows;
}

/** The rows as a plain-text table. */
export function formatClusterListBench(rows: readonly BenchClusterListRow[], runs: number): string {
  const s = (ms: number | undefined): string => (ms === undefined ? '-' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`);
  const header = [
    'clusters',
    'register',
    `list: detailed-metadata (median of ${runs})`,
    `list: per-cluster, ${LIST_CONCURRENCY} at once (median of ${runs})`,
    'plain sequential GET loop',
    'per-cluster / plain loop',
    `CLI cluster list -o json (median of ${runs})`,
  ];
  const lines = rows.map((r) => [
    String(r.clusters),
    s(r.registerMs),
    s(r.detailedMedianMs),
    s(r.perClusterMedianMs),
    s(r.plainLoopMedianMs),
    `${(r.perClusterMedianMs / r.plainLoopMedianMs).toFixed(2)}x`,
    s(r.cliMedianMs),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [fmt(header), ...lines.map(fmt)].join('\n');
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const sizes = arg('--sizes')?.split(',').map(Number) ?? [1000, 10_000];
  const runs = Number(arg('--runs') ?? 3);
  const rows = await benchClusterList({ sizes, runs, cli: !process.argv.includes('--no-cli') });
  const version = spawnSync(join(PROJECT_ROOT, '.tools/bin/bao'), ['version'], { encoding: 'utf8' }).stdout.trim();
  process.stdout.write(`cluster list benchmark — ${version}, Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})\n`);
  process.stdout.write(`${formatClusterListBench(rows, runs)}\n`);
}

// run when executed directly (node tools/run-ts.mjs bench/cluster-list.ts), not when imported by bench/run.ts
if (/cluster-list\.(c?js|ts)$/.test(process.argv[1] ?? '')) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
