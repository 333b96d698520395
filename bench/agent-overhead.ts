/**
 * Benchmark 2: the wrapper's own cost. On fresh simulated hosts (own mount, UTS
 * and network namespaces; the fake RKE2 release; a real OpenBao on the bridge),
 * time `edgectl rke2 agent --cluster-id ID` (AppRole login, cluster read, CA
 * check against the join token, script hand-off, node record) against running
 * `scripts/rke2.sh agent --server URL --token-file F` directly with the token
 * already in a 0600 file. Both go through the same sim-host wrapper, so the
 * difference is edgectl's overhead. Variants run interleaved, each on its own
 * fresh host (host creation is not timed).
 */
import { join } from 'node:path';
import { type Lab, type LabHost, createLab } from '../test/support/lab.js';
import { PROJECT_ROOT } from '../test/support/paths.js';
import { agentAppRole } from './approle.js';
import { median, timed } from './stats.js';

const HOST_PATH = `${join(PROJECT_ROOT, 'test/support/stubs')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
const TOKEN_FILE = '/etc/rancher/bench-token';

export interface OverheadVariant {
  label: string;
  /** edgectl command line prefix, or 'direct' for scripts/rke2.sh */
  edgectl: string[] | 'direct';
}

export interface OverheadRow {
  label: string;
  medianMs: number;
  /** median of edgectl's "Check the server CA" step */
  caCheckMs: number | undefined;
  /** median of edgectl's "Record node … in Vault" step */
  recordNodeMs: number | undefined;
  /** median − the direct run's median */
  overheadMs: number;
}

/** Duration of the step whose ✓ line (plain stderr) starts with title, e.g. "✓ Check the server CA at … (156ms)". */
function stepMs(stderr: string, title: string): number {
  const line = stderr.split('\n').find((l) => l.startsWith(`✓ ${title}`));
  const m = line === undefined ? null : /\((\d+(?:\.\d+)?)(ms|s)\)$/.exec(line);
  if (m === null) return Number.NaN;
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

/** Bootstrap one server, then join `runs` fresh agents per variant; the 'direct' variant is the baseline. */
export async function benchAgentOverhead(variants: readonly OverheadVariant[], runs = 5, log: (l: string) => void = () => undefined): Promise<OverheadRow[]> {
  const lab: Lab = await createLab({ edgectl: [join(PROJECT_ROOT, 'dist/edgectl-linux-x64')] });
  let hostNo = 0;
  const fresh = async (prefix: string): Promise<LabHost> => {
    hostNo += 1;
    return lab.host(`${prefix}${hostNo}`, `10.77.0.${140 + hostNo}`);
  };
  try {
    log('bootstrapping the server');
    const server = await fresh('bsrv');
    const boot = await server.edgectl(['rke2', 'server', '--airgap-dir', lab.releaseDir, '--wait-timeout', '60']);
    if (boot.code !== 0) throw new Error(`server bootstrap failed: ${boot.stderr}`);
    const clusterId = boot.stdout.trim();
    const token = server.read('/var/lib/rancher/rke2/server/token')?.trim() ?? '';
    const { roleId, secretId } = await agentAppRole(lab.bao);
    const common = ['--airgap-dir', lab.releaseDir, '--wait-timeout', '60'];
    const baseEnv = ['env', '-i', `PATH=${HOST_PATH}`, 'HOME=/root', 'RKE2_SH_POLL_INTERVAL=0.1'];

    const samples = variants.map(() => ({ total: [] as number[], ca: [] as number[], record: [] as number[] }));
    for (let round = 0; round < runs; round += 1) {
      // rotate the order so that no variant always runs first in a round
      for (let k = 0; k < variants.length; k += 1) {
        const i = (k + round) % variants.length;
        const v = variants[i];
        if (v === undefined) continue;
        const host = await fresh('bagt');
        try {
          let argv: string[];
          if (v.edgectl === 'direct') {
            const w = await host.run('bash', ['-c', `umask 077 && cat > ${TOKEN_FILE}`], { input: `${token}\n` });
            if (w.code !== 0) throw new Error(`writing the token file failed: ${w.stderr}`);
            argv = [...baseEnv, 'bash', join(PROJECT_ROOT, 'scripts/rke2.sh'), 'agent', '--server', `https://${server.address}:9345`, '--token-file', TOKEN_FILE, ...common];
          } else {
            const vault = [`VAULT_ADDR=${lab.bao.addr}`, `VAULT_ROLE_ID=${roleId}`, `VAULT_SECRET_ID=${secretId}`];
            // text output, the default: -o json would add a second rke2.sh status run for the version it reports
            argv = [...baseEnv, ...vault, ...v.edgectl, 'rke2', 'agent', '--cluster-id', clusterId, ...common];
          }
          const [cmd = 'env', ...args] = argv;
          const { ms, value: r } = await timed(() => host.run(cmd, args));
          if (r.code !== 0) throw new Error(`${v.label} failed (exit ${r.code}): ${r.stderr.slice(-2000)}`);
          if (host.read('/etc/rancher/rke2/edgectl-token')?.trim() !== token) throw new Error(`${v.label}: the agent has no join token`);
          const s = samples[i];
          s?.total.push(ms);
          if (v.edgectl !== 'direct') {
            s?.ca.push(stepMs(r.stderr, 'Check the server CA'));
            s?.record.push(stepMs(r.stderr, 'Record node'));
          }
          log(`  ${v.label}: ${Math.round(ms)} ms`);
        } finally {
          await host.destroy();
        }
      }
    }
    const directIndex = variants.findIndex((v) => v.edgectl === 'direct');
    const base = median(samples[directIndex]?.total ?? [0]);
    return variants.map((v, i) => {
      const s = samples[i] ?? { total: [0], ca: [], record: [] };
      return {
        label: v.label,
        medianMs: median(s.total),
        caCheckMs: s.ca.length > 0 ? median(s.ca) : undefined,
        recordNodeMs: s.record.length > 0 ? median(s.record) : undefined,
        overheadMs: median(s.total) - base,
      };
    });
  } finally {
    await lab.close();
  }
}
