/**
 * Version skew on joins, end to end: real systemd hosts (containers booted by tools/lab.sh on
 * the lab bridge, 10.78.0.217-224, named skew-*) running the single executable, a real
 * OpenBao, fake RKE2 releases at several versions. A join installs the cluster's version
 * unless told otherwise, and a version the Kubernetes skew policy forbids is refused (exit 3)
 * before the host changes, unless --force; `rke2 status` reports skew. Needs root,
 * systemd-nspawn and the lab's base rootfs (see test/support/README.md); run under the shared
 * hosts lock.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContainerLab, type ContainerLabHost, RELEASES_IN_HOST, createContainerLab } from '../support/container-lab.js';
import { PROJECT_ROOT } from '../support/paths.js';

const V1 = 'v1.30.1+rke2r1';
const V2 = 'v1.30.2+rke2r1';
const V3 = 'v1.30.3+rke2r1';
const V_OLD = 'v1.28.5+rke2r1';

type LabHost = ContainerLabHost;
let lab: ContainerLab;
let n = 0;
/** a fresh host with its own address (10.78.0.217-224: this file's share of the lab bridge) */
async function newHost(prefix: string): Promise<LabHost> {
  n += 1;
  if (n > 8) throw new Error('out of rke2-skew test addresses');
  return lab.host(`skew-${prefix}${n}`, `10.78.0.${216 + n}`);
}
const airgap = async (v: string): Promise<string[]> => ['--airgap-dir', await lab.release(v), '--wait-timeout', '60'];

async function customMetadata(id: string): Promise<Record<string, string>> {
  return (await lab.bao.api('GET', `kv/metadata/rke2/${id}`)).json.data.custom_metadata;
}

beforeAll(async () => {
  lab = await createContainerLab();
  await Promise.all([lab.release(V2), lab.release(V3), lab.release(V_OLD)]);
}, 900_000);
afterAll(async () => {
  await lab?.close();
}, 300_000);

describe('agents may not be newer than the servers', () => {
  let server: LabHost;
  let id: string;

  beforeAll(async () => {
    server = await newHost('sks');
    const r = await server.edgectl(['rke2', 'server', ...(await airgap(V2))]);
    expect(r.code, r.stderr).toBe(0);
    id = r.stdout.trim();
  }, 120_000);

  it('refuses a v1.30.3 agent in a v1.30.2 cluster (exit 3) and installs nothing', async () => {
    const agent = await newHost('ska');
    const r = await agent.edgectl(['rke2', 'agent', '--cluster-id', id, ...(await airgap(V3))]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`refusing to join agent ${agent.name} with RKE2 ${V3}`);
    expect(r.stderr).toMatch(new RegExp(`is newer than server ${server.name} \\(v1\\.30\\.2\\+rke2r1\\)`));
    expect(r.stderr).toContain('--force');
    expect(agent.read('/usr/local/bin/rke2')).toBeUndefined();
    expect(agent.read('/etc/edgectl/cluster-id')).toBeUndefined();
  });

  it('refuses it with the least-privilege agent policy too (checked against the cluster metadata)', async () => {
    const policy = `path "kv/data/rke2/${id}" { capabilities = ["read"] }\npath "kv/data/rke2/${id}/nodes/*" { capabilities = ["create", "read", "update"] }\n`;
    await lab.bao.api('PUT', 'sys/policies/acl/agent-skew', { policy });
    const created = await lab.bao.api('POST', 'auth/token/create', { policies: ['agent-skew'], no_default_policy: true, ttl: '10m' });
    const agent = await newHost('ska');
    const r = await agent.edgectl(['rke2', 'agent', '--cluster-id', id, ...(await airgap(V3))], { env: { VAULT_TOKEN: created.json.auth.client_token } });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`newer than the cluster's servers (lowest version recorded in Vault) (${V2})`);
    expect(agent.read('/usr/local/bin/rke2')).toBeUndefined();
  });

  it('without --version, installs the cluster\'s version, not the one the channel calls stable', async () => {
    // a download site whose stable channel is newer than the cluster (the releases directory
    // of this machine, bind-mounted into every host at RELEASES_IN_HOST)
    const releases = join(lab.workDir, 'releases');
    mkdirSync(join(releases, 'channels'), { recursive: true });
    writeFileSync(join(releases, 'channels', 'stable'), `${V3}\n`);
    const agent = await newHost('ska');
    // the fake installer and the wrapper that points it at that site, inside the agent host
    const installer = '/root/online-install.sh';
    copyFileSync(join(PROJECT_ROOT, 'test/support/fake-rke2/install.sh'), agent.root('/root/fake-install.sh'));
    writeFileSync(agent.root(installer), `#!/bin/sh\nFAKE_RKE2_RELEASES_DIR=${RELEASES_IN_HOST} exec sh /root/fake-install.sh "$@"\n`, { mode: 0o755 });
    const r = await agent.edgectl(['rke2', 'agent', '--cluster-id', id, '--install-script', installer, '--wait-timeout', '60', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ rke2_version: V2 });
    expect(r.stderr).toContain(`Installing RKE2 ${V2}, the cluster's version`);
    expect(agent.read('/var/log/edgectl-sim/installer.log')).toContain(`VERSION=${V2}`);
  });

  it('--force joins the newer agent with a warning, and rke2 status then reports the skew', async () => {
    const agent = await newHost('ska');
    const r = await agent.edgectl(['rke2', 'agent', '--cluster-id', id, '--force', ...(await airgap(V3))]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/--force: joining despite the version skew: agent \S+ \(v1\.30\.3\+rke2r1\) is newer than server/);
    const st = await server.edgectl(['rke2', 'status', '-o', 'json']);
    expect(st.code, st.stderr).toBe(0);
    const skew = JSON.parse(st.stdout).cluster.version_skew as string[];
    expect(skew).toEqual([`agent ${agent.name} (${V3}) is newer than server ${server.name} (${V2}); an agent may not be newer than any server`]);
    expect(st.stderr).toContain(`version skew: agent ${agent.name}`);
    const text = await server.edgectl(['rke2', 'status']);
    expect(text.stdout).toContain('version skew (Kubernetes policy broken');
  });
});

describe('servers must be within one minor release of each other', () => {
  let first: LabHost;
  let id: string;

  beforeAll(async () => {
    first = await newHost('skh');
    const r = await first.edgectl(['rke2', 'server', ...(await airgap(V2))]);
    expect(r.code, r.stderr).toBe(0);
    id = r.stdout.trim();
  }, 120_000);

  it('refuses a second server two minor releases older (exit 3), installing nothing', async () => {
    const second = await newHost('skh');
    const r = await second.edgectl(['rke2', 'add-master', '--cluster-id', id, ...(await airgap(V_OLD))]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`server ${second.name} \\(v1\\.28\\.5\\+rke2r1\\) and server ${first.name} \\(${V2.replace(/[.+]/g, '\\$&')}\\) are 2 minor releases apart`));
    expect(second.read('/usr/local/bin/rke2')).toBeUndefined();
  });

  it('warns about a second server older than the first, and records the lower version as the cluster\'s', async () => {
    const second = await newHost('skh');
    const r = await second.edgectl(['rke2', 'server', '--cluster-id', id, ...(await airgap(V1))]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`version skew: server ${second.name} (${V1}) is older than server ${first.name} (${V2})`);
    expect((await customMetadata(id)).rke2_version).toBe(V1);
  });
});
