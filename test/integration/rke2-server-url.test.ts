/**
 * The registration URL end to end: which address `rke2 server` registers and
 * why, no silent change of a ready cluster's URL, and an agent told about a
 * DNS problem (not to skip the CA check) when the registered name does not
 * resolve. Real systemd hosts (containers booted by tools/lab.sh on the lab bridge,
 * 10.78.0.209-214, named url-*) running the single executable, a real OpenBao, the fake RKE2
 * release. Needs root, systemd-nspawn and the lab's base rootfs (see test/support/README.md);
 * run under the shared hosts lock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContainerLab, type ContainerLabHost, createContainerLab } from '../support/container-lab.js';

type LabHost = ContainerLabHost;
let lab: ContainerLab;
let n = 0;
/** a fresh host with its own address (10.78.0.209-214: this file's share of the lab bridge) */
async function newHost(prefix: string): Promise<LabHost> {
  n += 1;
  if (n > 6) throw new Error('out of rke2-server-url test addresses');
  return lab.host(`url-${prefix}${n}`, `10.78.0.${208 + n}`);
}
const addressOf = (h: LabHost): string => h.address ?? 'no-address';
const common = () => ['--airgap-dir', lab.releaseDir, '--wait-timeout', '60'];

async function registeredUrl(id: string): Promise<string> {
  return (await lab.bao.api('GET', `kv/data/rke2/${id}`)).json.data.data.server;
}

beforeAll(async () => {
  lab = await createContainerLab();
}, 900_000);
afterAll(async () => {
  await lab?.close();
}, 300_000);

describe('registration URL', () => {
  let server: LabHost;
  let id: string;
  const san = 'api.edge-test.invalid';

  it('says that the first --tls-san became the registration URL', async () => {
    server = await newHost('url');
    const r = await server.edgectl(['rke2', 'server', '--tls-san', san, ...common()]);
    expect(r.code, r.stderr).toBe(0);
    id = r.stdout.trim();
    expect(r.stderr).toContain(`Registration URL https://${san}:9345: from the first --tls-san (${san})`);
    expect(await registeredUrl(id)).toBe(`https://${san}:9345`);
  });

  it('an agent that cannot resolve the registered name is told it is a DNS problem (exit 3), not to skip the CA check', async () => {
    const agent = await newHost('urla');
    const r = await agent.edgectl(['rke2', 'agent', '--cluster-id', id, ...common()]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`the RKE2 server name ${san}`);
    expect(r.stderr).toContain('a DNS problem, not a CA mismatch');
    expect(r.stderr).not.toContain('--skip-ca-check');
    expect(agent.read('/usr/local/bin/rke2')).toBeUndefined();
  });

  it('a re-run with another --advertise-address is refused (exit 3) and changes nothing', async () => {
    // systemd's own record: a (re)start would give rke2-server a new InvocationID and main PID
    const before = await server.unitRun('rke2-server');
    expect(before).toMatch(/^[0-9a-f]{32} [1-9]\d* active$/);
    const r = await server.edgectl(['rke2', 'server', '--tls-san', san, '--advertise-address', addressOf(server), ...common()]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`refusing to change the registration URL of cluster ${id}`);
    expect(r.stderr).toContain('--update-server-url');
    expect(await registeredUrl(id)).toBe(`https://${san}:9345`);
    expect(await server.unitRun('rke2-server')).toBe(before);
  });

  it('a re-run without --advertise-address keeps the registered URL and says so', async () => {
    const r = await server.edgectl(['rke2', 'server', ...common()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Registration URL https://${san}:9345: kept as registered in Vault`);
    expect(await registeredUrl(id)).toBe(`https://${san}:9345`);
  });

  it('--update-server-url changes it, and an agent then joins', async () => {
    const r = await server.edgectl(['rke2', 'server', '--tls-san', san, '--advertise-address', addressOf(server), '--update-server-url', ...common()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`--update-server-url: changing the registration URL of cluster ${id} from https://${san}:9345 to https://${server.address}:9345`);
    expect(await registeredUrl(id)).toBe(`https://${server.address}:9345`);
    const agent = await newHost('urla');
    const j = await agent.edgectl(['rke2', 'agent', '--cluster-id', id, ...common()]);
    expect(j.code, j.stderr).toBe(0);
  });

  it('a bootstrap without --advertise-address or --tls-san says it registered the detected address', async () => {
    const other = await newHost('url');
    const r = await other.edgectl(['rke2', 'server', ...common()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Registration URL https://${other.address}:9345: this host's primary address (detected)`);
  });
});

describe('under sudo without Vault settings', () => {
  it('a bootstrap warns loudly that sudo dropped VAULT_* and suggests sudo -E; --no-vault does not', async () => {
    const host = await newHost('sudo');
    const r = await host.edgectl(['rke2', 'server', ...common()], { vault: false, env: { SUDO_USER: 'alice' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('edgectl runs under sudo (SUDO_USER=alice) and sees no Vault address');
    expect(r.stderr).toContain('WITHOUT Vault');
    expect(r.stderr).toContain('sudo -E edgectl');
    const quiet = await newHost('sudo');
    const q = await quiet.edgectl(['rke2', 'server', '--no-vault', ...common()], { vault: false, env: { SUDO_USER: 'alice' } });
    expect(q.code, q.stderr).toBe(0);
    expect(q.stderr).not.toContain('SUDO_USER');
  });
});
