import { describe, expect, it } from 'vitest';
import { testContext } from '../../../test/support/context.js';
import { type ClusterSpec, checkClusterSpec } from '../../core/cluster-spec.js';
import { EdgectlError } from '../../core/errors.js';
import { parseFacts } from '../../core/host-facts.js';
import { HostState, type RunOptions, type RunResult, type Transport } from '../../core/ports.js';
import type { FleetHost } from '../fleet.js';
import { runPhasesSettled } from '../phase-runner.js';
import { Rollout, checkRollout, rolloutProblems } from './upgrade-nodes.js';

const ID = 'rke2-abc12345';
const A = 'v1.30.1+rke2r1';
const B = 'v1.30.2+rke2r1';

function specOf(version: string, names: Array<[string, 'server' | 'agent']>, drain = true): ClusterSpec {
  const r = checkClusterSpec({
    apiVersion: 'edgectl.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'lab' },
    spec: {
      cluster: { id: ID, rke2: { version, airgapDir: `/opt/releases/${version}` } },
      vault: { address: 'https://vault.example:8200' },
      options: { concurrency: 2, drain: { enabled: drain, timeout: '90s' } },
      hosts: names.map(([n, role], i) => ({ role, nodeName: n, ssh: { address: `10.0.0.${i + 1}`, user: 'root' } })),
    },
  });
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.spec;
}

/** A host whose transport records every command (log shared by all hosts) and fails where told. */
function host(spec: ClusterSpec, index: number, version: string, log: string[], fail: (argv: readonly string[]) => boolean = () => false): FleetHost {
  const h = spec.spec.hosts[index];
  if (h === undefined) throw new Error('no such host');
  const name = h.nodeName ?? h.ssh.address;
  const facts = parseFacts(`hostname=${name}\nrke2_version=${version}\ncluster_id=${ID}\nrke2_server_active=${h.role === 'server' ? 'active' : 'inactive'}\nrke2_agent_active=${h.role === 'agent' ? 'active' : 'inactive'}\n`);
  const transport: Transport = {
    run: async (argv: readonly string[], _o?: RunOptions): Promise<RunResult> => {
      log.push(`${name}: ${argv.join(' ')}`);
      if (fail(argv)) return { exitCode: 1, stdout: '', stderrTail: ['error: unable to drain node'] };
      const target = argv[argv.indexOf('--version') + 1];
      return { exitCode: 0, stdout: argv.includes('upgrade') ? JSON.stringify({ rke2_version: target }) : '', stderrTail: [] };
    },
    putFile: async () => undefined,
    readFile: async () => undefined,
    readSecretFile: async () => undefined,
    remove: async () => false,
    copyFrom: async () => undefined,
    close: async () => undefined,
  };
  return { name, access: { kind: 'ssh', ...h.ssh }, fingerprint: 'SHA256:x', transport, state: new HostState(), spec: h, index, role: h.role, facts };
}

const FOUR: Array<[string, 'server' | 'agent']> = [['s1', 'server'], ['s2', 'server'], ['a1', 'agent'], ['a2', 'agent']];

describe('rolling upgrade phases', () => {
  it('servers one at a time, then agents; each cordoned and drained on another server, upgraded, uncordoned', async () => {
    const spec = specOf(B, FOUR);
    const log: string[] = [];
    const hosts = FOUR.map((_, i) => host(spec, i, A, log));
    const { ctx } = testContext();
    const rollout = new Rollout({ spec, clusterId: () => ID, ctx, drain: true });
    const out = await runPhasesSettled(ctx, hosts, rollout.phases(), { concurrency: 1, dryRun: false });
    expect(out.error).toBeUndefined();
    const k = '/var/lib/rancher/rke2/bin/kubectl --kubeconfig /etc/rancher/rke2/rke2.yaml';
    const up = `/usr/local/bin/edgectl rke2 upgrade --version ${B} --airgap-dir /opt/releases/${B} --no-vault -o json`;
    const per = (n: string, via: string): string[] => [`${via}: ${k} cordon ${n}`, `${via}: ${k} drain ${n} --ignore-daemonsets --delete-emptydir-data --timeout=90s`, `${n}: ${up}`, `${via}: ${k} uncordon ${n}`];
    expect(log).toEqual([...per('s1', 's2'), ...per('s2', 's1'), ...per('a1', 's1'), ...per('a2', 's1')]);
    expect(hosts.map((h) => h.facts.rke2Version)).toEqual([B, B, B, B]);
    expect(rollout.done).toEqual(['s1', 's2', 'a1', 'a2']);
  });

  it('a dry run lists the same per-node plan and runs nothing', async () => {
    const spec = specOf(B, FOUR);
    const log: string[] = [];
    const hosts = FOUR.map((_, i) => host(spec, i, A, log));
    const { ctx } = testContext();
    const out = await runPhasesSettled(ctx, hosts, new Rollout({ spec, clusterId: () => ID, ctx, drain: true }).phases(), { concurrency: 2, dryRun: true });
    expect(log).toEqual([]);
    const a1 = out.phases[1]?.hosts.find((h) => h.host === 'a1')?.actions ?? [];
    expect(a1.map((l) => l.split(' ')[0])).toEqual(['cordon', 'drain', 'run', 'uncordon']);
    expect(a1[1]).toContain('--timeout=90s');
  });

  it('without drain: only the upgrade, and a plan line saying so', async () => {
    const spec = specOf(B, FOUR, false);
    const log: string[] = [];
    const hosts = FOUR.map((_, i) => host(spec, i, A, log));
    const { ctx } = testContext();
    const out = await runPhasesSettled(ctx, hosts, new Rollout({ spec, clusterId: () => ID, ctx, drain: false }).phases(), { concurrency: 2, dryRun: false });
    expect(out.error).toBeUndefined();
    expect(log.every((l) => l.includes('edgectl rke2 upgrade'))).toBe(true);
    expect(log).toHaveLength(4);
    expect(out.phases[0]?.hosts[0]?.actions[0]).toMatch(/^no drain/);
  });

  it('a failed drain stops the rollout; the error names done, failed and why, and left; the node is uncordoned again', async () => {
    const names: Array<[string, 'server' | 'agent']> = [...FOUR, ['a3', 'agent']];
    const spec = specOf(B, names);
    const log: string[] = [];
    const hosts = names.map((_, i) => host(spec, i, A, log, (argv) => argv.includes('drain') && argv.includes('a1')));
    const { ctx } = testContext();
    const rollout = new Rollout({ spec, clusterId: () => ID, ctx, drain: true });
    const out = await runPhasesSettled(ctx, hosts, rollout.phases(), { concurrency: 1, dryRun: false });
    expect(out.error).toBeInstanceOf(EdgectlError);
    const err = rollout.explain(out.error as EdgectlError);
    expect(err.message).toContain('stopped at a1');
    expect(err.message).toContain('kubectl drain a1');
    expect(err.message).toContain('upgraded: s1, s2; failed: a1; left: a2, a3');
    expect(err.exitCode).not.toBe(0);
    expect(log.filter((l) => l.includes(' a1'))).toEqual([expect.stringContaining('cordon a1'), expect.stringContaining('drain a1'), expect.stringContaining('uncordon a1')]);
    expect(log.some((l) => l.startsWith('a1: ') && l.includes('upgrade'))).toBe(false);
    expect(log.some((l) => l.includes('a2'))).toBe(false);
  });

  it('records each new version through the recorder after the upgrade, before the uncordon; a refusal is a warning', async () => {
    const spec = specOf(B, FOUR);
    const log: string[] = [];
    const hosts = FOUR.map((_, i) => host(spec, i, A, log));
    const { ctx, err } = testContext();
    const recorder = {
      describe: (node: string) => `record rke2_version of ${node}`,
      record: async (node: string, version: string) => {
        log.push(`vault: ${node} ${version}`);
        if (node === 'a1') throw new Error('permission denied');
      },
    };
    const rollout = new Rollout({ spec, clusterId: () => ID, ctx, drain: true, recorder });
    const out = await runPhasesSettled(ctx, hosts, rollout.phases(), { concurrency: 1, dryRun: false });
    expect(out.error).toBeUndefined();
    const at = log.indexOf(`vault: s1 ${B}`);
    expect(log[at - 1]).toContain('s1: /usr/local/bin/edgectl rke2 upgrade');
    expect(log[at + 1]).toContain('uncordon s1');
    expect(log.filter((l) => l.startsWith('vault: '))).toEqual(['s1', 's2', 'a1', 'a2'].map((n) => `vault: ${n} ${B}`));
    expect(err.text).toContain(`a1: RKE2 ${B} not recorded in its Vault node entry (permission denied)`);
    expect(rollout.done).toEqual(['s1', 's2', 'a1', 'a2']);
  });

  it('drains with a server already in the cluster, not one this apply is about to join', async () => {
    const names: Array<[string, 'server' | 'agent']> = [['new', 'server'], ['s1', 'server'], ['a1', 'agent']];
    const spec = specOf(B, names);
    const log: string[] = [];
    const hosts = names.map((_, i) => host(spec, i, A, log));
    Object.assign(hosts[0]?.facts ?? {}, { clusterId: undefined, rke2ServerActive: false, rke2Version: undefined });
    const { ctx } = testContext();
    const out = await runPhasesSettled(ctx, hosts, new Rollout({ spec, clusterId: () => ID, ctx, drain: true }).phases(), { concurrency: 1, dryRun: false });
    expect(out.error).toBeUndefined();
    expect(log.some((l) => l.startsWith('new: '))).toBe(false);
    expect(log.filter((l) => l.includes('cordon a1'))[0]).toMatch(/^s1: /);
  });

  it('nothing to do when every node runs the file version', () => {
    const spec = specOf(A, FOUR);
    const hosts = FOUR.map((_, i) => host(spec, i, A, []));
    const { ctx } = testContext();
    const phases = new Rollout({ spec, clusterId: () => ID, ctx, drain: true }).phases();
    expect(phases.map((p) => p.select(hosts))).toEqual([[], []]);
  });
});

describe('rolloutProblems (before any change)', () => {
  it('allows a patch or one-minor upgrade', () => {
    for (const v of [B, 'v1.31.0+rke2r1']) {
      const spec = specOf(v, FOUR);
      expect(rolloutProblems(FOUR.map((_, i) => host(spec, i, A, [])), v, ID)).toEqual([]);
    }
  });

  it('refuses a downgrade', () => {
    const spec = specOf(A, FOUR);
    const hosts = FOUR.map((_, i) => host(spec, i, B, []));
    expect(rolloutProblems(hosts, A, ID)).toContain(`s1 runs RKE2 ${B}, newer than the file's ${A}: apply does not downgrade`);
    expect(() => checkRollout(hosts, spec, ID)).toThrow(/nothing was changed/);
  });

  it('refuses skipping a minor release, even on a single server', () => {
    const spec = specOf('v1.32.0+rke2r1', [['s1', 'server']]);
    const problems = rolloutProblems([host(spec, 0, A, [])], 'v1.32.0+rke2r1', ID);
    expect(problems.join('\n')).toMatch(/2 minor releases apart/);
  });

  it('refuses a rollout that would leave an agent too far behind the servers', () => {
    // the agent is not in the file's rollout (unknown version stays out); a lagging agent at v1.28 against servers going to v1.31
    const names: Array<[string, 'server' | 'agent']> = [['s1', 'server'], ['a1', 'agent']];
    const spec = specOf('v1.31.0+rke2r1', names);
    const hosts = [host(spec, 0, 'v1.30.1+rke2r1', []), host(spec, 1, 'v1.27.1+rke2r1', [])];
    const problems = rolloutProblems(hosts, 'v1.31.0+rke2r1', ID);
    expect(problems.join('\n')).toMatch(/after server s1 is upgraded: agent a1 \(v1.27.1\+rke2r1\) is 4 minor releases older/);
  });
});
