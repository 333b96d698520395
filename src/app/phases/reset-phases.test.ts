import { describe, expect, it } from 'vitest';
import { testContext } from '../../../test/support/context.js';
import type { NodeRecord } from '../../core/cluster-records.js';
import type { HostFacts } from '../../core/host-facts.js';
import { HostState, type ClusterRegistry, type RunOptions, type RunResult, type Transport } from '../../core/ports.js';
import type { FleetHost } from '../fleet.js';
import { runPhasesSettled } from '../phase-runner.js';
import { deregisterPhase } from './deregister-fleet-node.js';
import { uninstallPhase } from './uninstall-host.js';

const FACTS: HostFacts = {
  os: 'debian', osVersion: '12', arch: 'amd64', init: 'systemd', hostname: 'h', now: undefined, diskFreeKb: undefined, listening: [],
  rke2Version: 'v1.30.2+rke2r1', edgectlSha256: 'a'.repeat(64), clusterId: 'rke2-abc12345', rke2ServerActive: false, rke2AgentActive: true,
};

interface Call {
  argv: readonly string[];
  opts: RunOptions | undefined;
}

function fakeHost(name: string, role: 'server' | 'agent', facts: Partial<HostFacts>, exitCode = 0): { host: FleetHost; calls: Call[] } {
  const calls: Call[] = [];
  const transport: Transport = {
    run: async (argv, opts): Promise<RunResult> => {
      calls.push({ argv, opts });
      return { exitCode, stdout: '', stderrTail: exitCode === 0 ? [] : ['error: rke2-uninstall.sh failed'] };
    },
    putFile: () => Promise.reject(new Error('not used')),
    readFile: () => Promise.reject(new Error('not used')),
    readSecretFile: () => Promise.reject(new Error('not used')),
    remove: () => Promise.reject(new Error('not used')),
    copyFrom: () => Promise.reject(new Error('not used')),
    close: () => Promise.resolve(),
  };
  const spec = { role, ssh: { address: '192.0.2.1', user: 'root', port: 22 }, nodeName: name };
  // a FleetHost without an SSH connection behind it: only the fields the phases read
  const host = { name, role, index: 0, spec, access: { kind: 'ssh', address: '192.0.2.1', user: 'root', port: 22 }, fingerprint: 'SHA256:x', transport, state: new HostState(), facts: { ...FACTS, ...facts } } as unknown as FleetHost;
  return { host, calls };
}

describe('uninstall-host phase', () => {
  it('runs edgectl rke2 uninstall --yes on the host with no secret and no Vault variable', async () => {
    const { ctx } = testContext({ env: { VAULT_TOKEN: 's.secret', RKE2_SH_POLL_INTERVAL: '0.2' } });
    const a = fakeHost('agt1', 'agent', {});
    const out = await runPhasesSettled(ctx, [a.host], [uninstallPhase({ title: 'Uninstall', select: (hs) => hs, ctx })], { concurrency: 2, dryRun: false });
    expect(out.error).toBeUndefined();
    expect(a.calls.map((c) => c.argv)).toEqual([['/usr/local/bin/edgectl', 'rke2', 'uninstall', '--yes']]);
    expect(a.calls[0]?.opts?.stdinSecret).toBeUndefined();
    expect(Object.keys(a.calls[0]?.opts?.env ?? {}).sort()).toEqual(['LANG', 'PATH']);
    expect(a.host.facts.rke2AgentActive).toBe(false);
  });

  it('plans in a dry run without running anything; a host without RKE2 is left alone', async () => {
    const { ctx } = testContext();
    const a = fakeHost('agt1', 'agent', {});
    const empty = fakeHost('agt2', 'agent', { rke2Version: undefined, clusterId: undefined, rke2AgentActive: false });
    const out = await runPhasesSettled(ctx, [a.host, empty.host], [uninstallPhase({ title: 'Uninstall', select: (hs) => hs, ctx })], { concurrency: 2, dryRun: true });
    expect(a.calls).toEqual([]);
    expect(out.phases[0]?.hosts.map((h) => [h.host, h.changes.length])).toEqual([['agt1', 1], ['agt2', 0]]);
    expect(out.phases[0]?.hosts[1]?.actions.join('')).toContain('nothing to uninstall');
  });

  it('a failing or edgectl-less host does not stop the others, and sits out the deregistration', async () => {
    const { ctx } = testContext();
    const bad = fakeHost('agt1', 'agent', {}, 1);
    const bare = fakeHost('agt2', 'agent', { edgectlSha256: undefined });
    const good = fakeHost('agt3', 'agent', {});
    const deleted: string[] = [];
    const registry = { deleteNode: async (_id: string, node: string) => { deleted.push(node); return true; } } as unknown as ClusterRegistry;
    const nodes = ['agt1', 'agt2', 'agt3'].map((name) => ({ name, role: 'agent', hostname: name, ip: '', rke2_version: '', joined_at: '', version: 1 }) as NodeRecord);
    const out = await runPhasesSettled(ctx, [bad.host, bare.host, good.host], [
      uninstallPhase({ title: 'Uninstall', select: (hs) => hs, ctx }),
      deregisterPhase({ title: 'Deregister', select: (hs) => hs, registry, clusterId: 'rke2-abc12345', nodes, pathOf: (n) => n, deleted: () => undefined }),
    ], { concurrency: 3, dryRun: false });
    // the run ends failed (the first failure in time), each failure on its host
    expect(['agt1', 'agt2']).toContain(out.error?.host);
    expect(out.phases[0]?.hosts.find((h) => h.host === 'agt1')?.error?.kind).toBe('hostStep');
    expect(out.phases[0]?.hosts.find((h) => h.host === 'agt2')?.error?.kind).toBe('precondition');
    expect(bare.calls).toEqual([]);
    expect(good.calls).toHaveLength(1);
    expect(deleted).toEqual(['agt3']);
  });
});

describe('deregister-node phase', () => {
  it('finds the entry by node name, else by the hostname it registered with; no entry is a note', async () => {
    const { ctx } = testContext();
    const deleted: string[] = [];
    const registry = { deleteNode: async (_id: string, node: string) => { deleted.push(node); return true; } } as unknown as ClusterRegistry;
    const byName = fakeHost('agt1', 'agent', {});
    const byHostname = fakeHost('10.0.0.9', 'agent', { hostname: 'edge-9' });
    const gone = fakeHost('agt3', 'agent', { hostname: 'edge-3' });
    const nodes = [
      { name: 'agt1', role: 'agent', hostname: 'x', ip: '', rke2_version: '', joined_at: '', version: 1 },
      { name: 'edge-9', role: 'agent', hostname: 'edge-9', ip: '', rke2_version: '', joined_at: '', version: 1 },
    ] as NodeRecord[];
    const out = await runPhasesSettled(ctx, [byName.host, byHostname.host, gone.host], [deregisterPhase({ title: 'Deregister', select: (hs) => hs, registry, clusterId: 'rke2-abc12345', nodes, pathOf: (n) => `kv/data/rke2/rke2-abc12345/nodes/${n}`, deleted: () => undefined })], { concurrency: 1, dryRun: false });
    expect(out.error).toBeUndefined();
    expect(deleted).toEqual(['agt1', 'edge-9']);
    expect(out.phases[0]?.hosts[2]?.actions.join('')).toContain('nothing to deregister');
  });
});
