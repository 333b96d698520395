/**
 * Benchmark 6: `edgectl apply` on N systemd container hosts (N = 10, 30) against the
 * per-host commands run one after another by hand, in the same run, on hosts of the same
 * image and the same fake RKE2 release:
 *
 * - by hand: `edgectl rke2 server` on the first host, then `edgectl rke2 agent
 *   --cluster-id ID` on each other host in turn (every host with the operator's Vault
 *   token, as an operator pasting commands would);
 * - apply: one `edgectl apply -f cluster.yaml` (1 server, N-1 agents, concurrency 5) from
 *   this machine over SSH, from nothing (edgectl copied to every host, one join code each),
 *   then a re-apply of the same file (nothing to change).
 *
 * Also the peak memory (VmHWM) of the edgectl process during the apply. Hosts are booted
 * fresh for each measurement; boots are not timed.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ContainerLab, type ContainerLabHost, createContainerLab } from '../test/support/container-lab.js';
import { PROJECT_ROOT } from '../test/support/paths.js';

const SEA = join(PROJECT_ROOT, 'dist/edgectl-linux-x64');
const KEY = join(process.env.EDGECTL_LAB_DIR ?? join(PROJECT_ROOT, '.lab'), 'ssh/id_ed25519');

export interface ApplyBenchRow {
  hosts: number;
  byHandMs: number;
  applyMs: number;
  reapplyMs: number;
  peakRssMb: number;
  /** wall time of the phase that copies edgectl to the hosts, and of the join phases */
  copyMs: number;
  joinMs: number;
}

const addr = (round: number, i: number): string => `10.78.0.${round === 0 ? 31 + i : 131 + i}`;

async function boot(lab: ContainerLab, n: number, round: number): Promise<ContainerLabHost[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => lab.host(`bench-${round}-${i}`, addr(round, i))));
}

/** Run the executable, sampling its VmHWM; resolves with exit code, stderr and peak RSS (MiB). */
function runSampled(args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string; stdout: string; peakMb: number }> {
  return new Promise((resolve) => {
    const child = spawn(SEA, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    let peakKb = 0;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const sample = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m?.[1] !== undefined) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // gone
      }
    }, 100);
    child.on('close', (code) => {
      clearInterval(sample);
      resolve({ code: code ?? 1, stderr, stdout, peakMb: peakKb / 1024 });
    });
  });
}

export async function benchApply(sizes: readonly number[] = [10, 30], log: (l: string) => void = () => undefined): Promise<ApplyBenchRow[]> {
  const rows: ApplyBenchRow[] = [];
  for (const n of sizes) {
    const lab = await createContainerLab();
    try {
      // by hand, one host after another
      let hosts = await boot(lab, n, 0);
      let t0 = performance.now();
      const first = await hosts[0]?.edgectl(['rke2', 'server', '--airgap-dir', lab.releaseDir, '--wait-timeout', '120']);
      if (first?.code !== 0) throw new Error(`rke2 server failed: ${first?.stderr ?? ''}`);
      const clusterId = first.stdout.trim();
      for (const h of hosts.slice(1)) {
        const r = await h.edgectl(['rke2', 'agent', '--cluster-id', clusterId, '--airgap-dir', lab.releaseDir, '--wait-timeout', '120']);
        if (r.code !== 0) throw new Error(`rke2 agent on ${h.name} failed: ${r.stderr}`);
      }
      const byHandMs = performance.now() - t0;
      log(`  ${n} hosts by hand: ${Math.round(byHandMs)} ms`);
      await Promise.all(hosts.map((h) => h.destroy()));

      // apply from one machine
      hosts = await boot(lab, n, 1);
      const spec = [
        'apiVersion: edgectl.io/v1alpha1',
        'kind: Cluster',
        'metadata: { name: bench }',
        'spec:',
        `  cluster: { id: new, rke2: { airgapDir: ${lab.releaseDir} } }`,
        `  vault: { address: "${lab.bao.addr}" }`,
        '  options: { concurrency: 5 }',
        '  hosts:',
        ...hosts.flatMap((h, i) => [`    - role: ${i === 0 ? 'server' : 'agent'}`, `      ssh: { address: "${h.address}", user: root, keyPath: "${KEY}" }`, `      nodeName: ${h.name}`]),
      ].join('\n');
      const file = join(lab.workDir, `bench-${n}.yaml`);
      writeFileSync(file, `${spec}\n`);
      const env = { PATH: '/usr/bin:/bin', HOME: lab.workDir, VAULT_TOKEN: lab.bao.rootToken, RKE2_SH_POLL_INTERVAL: '0.1' };
      t0 = performance.now();
      const applied = await runSampled(['apply', '-f', file, '--accept-new-host-keys', '-o', 'json'], env);
      const applyMs = performance.now() - t0;
      if (applied.code !== 0) throw new Error(`apply failed (exit ${applied.code}): ${applied.stderr.slice(-2000)}`);
      t0 = performance.now();
      const again = await runSampled(['apply', '-f', file], env);
      const reapplyMs = performance.now() - t0;
      if (again.code !== 0 || !again.stdout.includes('nothing to change')) throw new Error(`re-apply failed or changed something: ${again.stdout}${again.stderr.slice(-1000)}`);
      const phases = (JSON.parse(applied.stdout) as { phases: Array<{ title: string; duration_ms: number }> }).phases;
      const copyMs = phases.find((p) => p.title === 'Put edgectl on the hosts')?.duration_ms ?? 0;
      const joinMs = phases.filter((p) => /Bootstrap|Join/.test(p.title)).reduce((t, p) => t + p.duration_ms, 0);
      log(`  ${n} hosts apply: ${Math.round(applyMs)} ms (copy ${copyMs} ms, joins ${joinMs} ms), re-apply ${Math.round(reapplyMs)} ms, peak ${applied.peakMb.toFixed(0)} MiB`);
      rows.push({ hosts: n, byHandMs, applyMs, reapplyMs, peakRssMb: applied.peakMb, copyMs, joinMs });
    } finally {
      await lab.close();
    }
  }
  return rows;
}
