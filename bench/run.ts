/**
 * `npm run bench`: every benchmark, side by side in one run, numbers on stdout
 * (progress on stderr). Each measurement is a median of repeated runs next to
 * its baseline measured in the same run. Not a test: nothing here asserts a
 * time; targets are printed with whether this run met them.
 *
 *   npm run bench [-- --only startup,overhead,rendezvous,list,joincode,apply] [-- --quick]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, freemem, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../test/support/paths.js';
import { type OverheadRow, benchAgentOverhead } from './agent-overhead.js';
import { type BenchClusterListRow, benchClusterList, formatClusterListBench } from './cluster-list.js';
import { type RendezvousRow, benchRendezvous } from './vault-rendezvous.js';
import { type JoinCodeRow, benchJoinCode } from './join-code.js';
import { type ApplyBenchRow, benchApply } from './apply.js';
import { type StartupRow, benchStartup } from './startup.js';
import { ms, table } from './stats.js';

const SEA = join(PROJECT_ROOT, 'dist/edgectl-linux-x64');
const BUNDLE = join(PROJECT_ROOT, 'dist/edgectl.cjs');
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function machine(): string {
  const cpu = cpus();
  const bao = spawnSync(join(PROJECT_ROOT, '.tools/bin/bao'), ['version'], { encoding: 'utf8' }).stdout.trim();
  const os = existsSync('/etc/os-release') ? (/^PRETTY_NAME="?([^"\n]*)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux') : process.platform;
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return [
    `machine: ${cpu.length} CPUs (${cpu[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM (${(freemem() / 2 ** 30).toFixed(0)} free), ${os}, kernel ${release()}`,
    `software: Node ${process.version}, ${bao}; load average at start ${load}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const only = new Set((arg('--only') ?? 'startup,overhead,rendezvous,list,joincode,apply').split(','));
  const quick = process.argv.includes('--quick');
  for (const f of [SEA, BUNDLE]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run npm run build:sea first (npm run bench does)`);
  }
  out(`edgectl benchmarks — ${new Date().toISOString()}\n${machine()}\n`);
  const summary: string[][] = [];
  const verdict = (met: boolean): string => (met ? 'yes' : 'NO');

  let startup: StartupRow[] = [];
  if (only.has('startup')) {
    const runs = quick ? 10 : 60;
    log(`startup: ${runs} interleaved runs each…`);
    startup = benchStartup(
      [
        { label: 'node -e 0', argv: [process.execPath, '-e', '0'] },
        { label: 'edgectl --version (executable)', argv: [SEA, '--version'] },
        { label: 'edgectl --version (bundle: node dist/edgectl.cjs)', argv: [process.execPath, BUNDLE, '--version'] },
        { label: 'edgectl --help (executable)', argv: [SEA, '--help'] },
        { label: 'edgectl --help (bundle)', argv: [process.execPath, BUNDLE, '--help'] },
      ],
      runs,
    );
    out(`1. startup: median of ${runs} runs each, interleaved; ratio to node -e 0 of the same run`);
    out(table(['command', 'median', 'min', 'ratio'], startup.map((r) => [r.label, ms(r.medianMs), ms(r.minMs), `${r.ratio.toFixed(2)}×`])));
    out('');
    const base = startup[0];
    for (const r of startup.slice(1)) {
      const isVersion = r.label.includes('--version');
      summary.push([`1 ${r.label}`, ms(r.medianMs), `node -e 0: ${ms(base?.medianMs ?? 0)}`, `${r.ratio.toFixed(3)}×`, isVersion ? '≤ 1.15×' : '-', isVersion ? verdict(r.ratio <= 1.15) : '-']);
    }
  }

  let overhead: OverheadRow[] = [];
  if (only.has('overhead')) {
    const runs = quick ? 2 : 5;
    log(`wrapper overhead: ${runs} fresh hosts per variant…`);
    overhead = await benchAgentOverhead(
      [
        { label: 'scripts/rke2.sh agent (token already in a file)', edgectl: 'direct' },
        { label: 'edgectl rke2 agent --cluster-id (executable)', edgectl: [SEA] },
        { label: 'edgectl rke2 agent --cluster-id (bundle)', edgectl: [process.execPath, BUNDLE] },
      ],
      runs,
      log,
    );
    out(`2. agent join on a fresh simulated host against the fake release: median of ${runs} hosts each`);
    out(
      table(
        ['command', 'median', 'overhead vs direct', 'of which: CA check', 'record node'],
        overhead.map((r) => [
          r.label,
          ms(r.medianMs),
          r.overheadMs === 0 ? 'baseline' : `+${Math.round(r.overheadMs)} ms`,
          r.caCheckMs === undefined ? '-' : ms(r.caCheckMs),
          r.recordNodeMs === undefined ? '-' : ms(r.recordNodeMs),
        ]),
      ),
    );
    out('');
    const base = overhead.find((r) => r.overheadMs === 0);
    for (const r of overhead.filter((x) => x !== base)) {
      summary.push([`2 ${r.label}`, ms(r.medianMs), `rke2.sh direct: ${ms(base?.medianMs ?? 0)}`, `+${Math.round(r.overheadMs)} ms`, '< 300 ms', verdict(r.overheadMs < 300)]);
    }
  }

  let rendezvous: RendezvousRow[] = [];
  if (only.has('rendezvous')) {
    const rounds = quick ? 1 : 3;
    log(`Vault rendezvous: ${rounds} rounds per N…`);
    rendezvous = await benchRendezvous([50, 200, 500], rounds, log);
    const first = rendezvous[0];
    out(`3. N agents reading one cluster's token at once (AppRole login + read, one session each): medians of ${rounds} rounds`);
    out(
      table(
        ['agents', 'successes', 'retries', 'p50', 'p99', 'last token after', 'p50 growth vs 50'],
        rendezvous.map((r) => [String(r.agents), `${r.successes}/${r.attempts}`, String(r.retries), ms(r.p50Ms), ms(r.p99Ms), ms(r.wallMs), `${(r.p50Ms / (first?.p50Ms ?? 1)).toFixed(1)}×`]),
      ),
    );
    for (const r of rendezvous.filter((x) => x.failures.length > 0)) out(`  failures at ${r.agents}: ${r.failures.join('; ')}`);
    out('');
    for (const r of rendezvous) {
      summary.push([`3 ${r.agents} concurrent agents read the token`, `p50 ${ms(r.p50Ms)}, p99 ${ms(r.p99Ms)}`, '50 agents', `${(r.p50Ms / (first?.p50Ms ?? 1)).toFixed(1)}× p50`, r.agents === 500 ? '0 failures' : '-', r.agents === 500 ? verdict(r.successes === r.attempts) : `${r.successes}/${r.attempts}`]);
    }
  }

  let joinCodes: JoinCodeRow[] = [];
  if (only.has('joincode')) {
    const rounds = quick ? 1 : 3;
    log(`join codes vs plain AppRole: ${rounds} rounds per N…`);
    joinCodes = await benchJoinCode(quick ? [50] : [50, 200], rounds, log);
    out(`5. N hosts at once, to the cluster's token: plain AppRole login + read, vs join code (lookup, unwrap, login, read); medians of ${rounds} rounds`);
    out(
      table(
        ['hosts', 'path', 'successes', 'p50', 'p99', 'last host done after', 'p50 vs plain'],
        joinCodes.map((r) => {
          const plain = joinCodes.find((x) => x.hosts === r.hosts && x.path === 'plain AppRole');
          return [String(r.hosts), r.path, `${r.successes}/${r.attempts}`, ms(r.p50Ms), ms(r.p99Ms), ms(r.wallMs), `${(r.p50Ms / (plain?.p50Ms ?? r.p50Ms)).toFixed(2)}×`];
        }),
      ),
    );
    for (const r of joinCodes.filter((x) => x.failures.length > 0)) out(`  failures at ${r.hosts} (${r.path}): ${r.failures.join('; ')}`);
    out('');
    for (const r of joinCodes.filter((x) => x.path === 'join code')) {
      const plain = joinCodes.find((x) => x.hosts === r.hosts && x.path === 'plain AppRole');
      summary.push([`5 ${r.hosts} hosts join with codes`, `p50 ${ms(r.p50Ms)}`, `plain AppRole: ${ms(plain?.p50Ms ?? 0)}`, `${(r.p50Ms / (plain?.p50Ms ?? 1)).toFixed(2)}×`, '0 failures', verdict(r.successes === r.attempts)]);
    }
  }

  let applied: ApplyBenchRow[] = [];
  if (only.has('apply')) {
    log('apply on container hosts (needs root and tools/lab.sh)…');
    applied = await benchApply(quick ? [10] : [10, 30], log);
    out('6. a cluster of N container hosts (1 server, N-1 agents): the per-host commands by hand one after another vs edgectl apply from this machine (concurrency 5)');
    out(
      table(
        ['hosts', 'by hand', 'per host', 'apply', 'per host', 'of which: copy edgectl', 'joins', 'apply vs by hand', 're-apply (no change)', 'edgectl peak RSS'],
        applied.map((r) => [String(r.hosts), ms(r.byHandMs), ms(r.byHandMs / r.hosts), ms(r.applyMs), ms(r.applyMs / r.hosts), ms(r.copyMs), ms(r.joinMs), `${(r.applyMs / r.byHandMs).toFixed(2)}×`, ms(r.reapplyMs), `${r.peakRssMb.toFixed(0)} MiB`]),
      ),
    );
    out('');
    for (const r of applied) summary.push([`6 apply on ${r.hosts} hosts`, ms(r.applyMs), `by hand: ${ms(r.byHandMs)}`, `${(r.applyMs / r.byHandMs).toFixed(2)}×`, '< 1×', verdict(r.applyMs < r.byHandMs)]);
  }

  let list: BenchClusterListRow[] = [];
  if (only.has('list')) {
    const runs = quick ? 1 : 3;
    const sizes = quick ? [1000] : [1000, 10_000];
    list = await benchClusterList({ sizes, runs, log });
    out(`4. cluster list (bench/cluster-list.ts, fresh OpenBao dev server): median of ${runs}`);
    out(formatClusterListBench(list, runs));
    out('');
    for (const r of list) {
      const cli = r.cliMedianMs ?? Number.NaN;
      summary.push([`4 edgectl cluster list, ${r.clusters.toLocaleString('en-US')} clusters (CLI)`, ms(cli), `library: ${ms(r.detailedMedianMs)}`, '-', r.clusters === 10_000 ? '< 5 s' : '-', r.clusters === 10_000 ? verdict(cli < 5000) : '-']);
    }
  }

  out('Summary');
  out(table(['measurement', 'median', 'baseline (same run)', 'ratio / overhead', 'target', 'met'], summary));
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
