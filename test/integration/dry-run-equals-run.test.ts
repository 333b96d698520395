/**
 * `--dry-run` prints exactly what a real run does: every change a step makes
 * passes through its gate, and a dry run runs the same step code with a gate
 * that only records. On fresh real systemd hosts (containers booted by tools/lab.sh on the lab
 * bridge, 10.78.0.215-216, named dry-*) against a real OpenBao, each command runs dry, then
 * for real, and the real run's executed changes (its -o json steps[].changes) must be the dry
 * run's changes, in order. Needs root, systemd-nspawn and the lab's base rootfs (see
 * test/support/README.md); run under the shared hosts lock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContainerLab, type ContainerLabHost, createContainerLab } from '../support/container-lab.js';

type LabHost = ContainerLabHost;
let lab: ContainerLab;
const common = () => ['--airgap-dir', lab.releaseDir, '--wait-timeout', '60'];

beforeAll(async () => {
  lab = await createContainerLab();
}, 900_000);
afterAll(async () => {
  await lab?.close();
}, 300_000);

interface Planned {
  plan: Array<{ id: string; changes: string[] }>;
}
interface Done {
  steps: Array<{ id: string; changes: string[] }>;
}

/** Run args dry and then for real with -o json; return both change lists. */
async function dryThenReal(host: LabHost, args: string[]): Promise<{ dry: string[]; real: string[]; dryIds: string[]; realIds: string[] }> {
  const dry = await host.edgectl([...args, '--dry-run', '-o', 'json']);
  expect(dry.code, dry.stderr).toBe(0);
  const planned = JSON.parse(dry.stdout) as Planned;
  const real = await host.edgectl([...args, '-o', 'json']);
  expect(real.code, real.stderr).toBe(0);
  const done = JSON.parse(real.stdout) as Done;
  return {
    dry: planned.plan.flatMap((s) => s.changes),
    real: done.steps.flatMap((s) => s.changes),
    dryIds: planned.plan.map((s) => s.id),
    realIds: done.steps.map((s) => s.id),
  };
}

describe('the real run makes exactly the changes the dry run listed', () => {
  const clusterId = 'rke2-drymatch';
  let server: LabHost;

  it('rke2 server (bootstrap of a new cluster)', async () => {
    server = await lab.host('dry-srv', '10.78.0.215');
    const r = await dryThenReal(server, ['rke2', 'server', '--cluster-id', clusterId, ...common()]);
    expect(r.dry.length).toBeGreaterThanOrEqual(5);
    expect(r.dry.some((c) => c.startsWith(`create kv/data/rke2/${clusterId} only if absent`))).toBe(true);
    expect(r.real).toEqual(r.dry);
    expect(r.realIds).toEqual(r.dryIds);
  });

  it('rke2 agent (join by cluster ID)', async () => {
    const agent = await lab.host('dry-agt', '10.78.0.216');
    const r = await dryThenReal(agent, ['rke2', 'agent', '--cluster-id', clusterId, ...common()]);
    expect(r.dry.some((c) => c.startsWith('run the embedded rke2.sh agent'))).toBe(true);
    expect(r.real).toEqual(r.dry);

    const u = await dryThenReal(agent, ['rke2', 'uninstall', '--yes', '--deregister']);
    expect(u.dry.some((c) => c.startsWith('run the embedded rke2.sh uninstall'))).toBe(true);
    expect(u.dry.some((c) => c.startsWith(`delete kv/metadata/rke2/${clusterId}/nodes/`) || c.includes('/nodes/'))).toBe(true);
    expect(u.real).toEqual(u.dry);
  });

  it('a re-run of rke2 server on a ready server: the dry run lists what the re-run does', async () => {
    const r = await dryThenReal(server, ['rke2', 'server', '--cluster-id', clusterId, ...common()]);
    expect(r.dry.some((c) => c.startsWith('create '))).toBe(false); // already registered: no create
    expect(r.real).toEqual(r.dry);
  });
});
