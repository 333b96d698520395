/**
 * `edgectl rke2 server` bootstraps against Vault states that used to break it
 * (real systemd hosts booted by tools/lab.sh, 10.78.0.201 and up, running the single
 * executable; a real OpenBao; the fake RKE2 release): a mount with
 * delete_version_after (a future deletion_time is a live version), and a
 * server token that may create the cluster but not patch its metadata (refused
 * before the first write, so no half-registered cluster is left behind).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_GATEWAY } from '../support/container-host.js';
import { type ContainerLab, type ContainerLabHost, containerHostSnapshot, createContainerLab } from '../support/container-lab.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { enableKv } from '../support/openbao.js';

const CLUSTER_ID_FILE = '/etc/edgectl/cluster-id';
type LabHost = ContainerLabHost;
let lab: ContainerLab;
let n = 0;
const newHost = (prefix: string): Promise<LabHost> => {
  n += 1;
  return lab.host(`${prefix}${n}`, `10.78.0.${200 + n}`);
};
const common = (): string[] => ['--airgap-dir', lab.releaseDir, '--wait-timeout', '60'];

const snapshot = containerHostSnapshot;

beforeAll(async () => {
  lab = await createContainerLab();
}, 900_000);
afterAll(async () => {
  await lab?.close();
}, 120_000);

describe('a mount with delete_version_after=8760h', () => {
  it('bootstraps to ready and an agent joins (the future deletion_time is not a deletion)', async () => {
    await enableKv(lab.bao, 'kvdva', 2);
    await lab.bao.api('POST', 'kvdva/config', { delete_version_after: '8760h' });
    const env = { EDGECTL_VAULT_MOUNT: 'kvdva' };
    const server = await newHost('dva');
    const r = await server.edgectl(['rke2', 'server', ...common()], { env });
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    const data = await lab.bao.api('GET', `kvdva/data/rke2/${id}`);
    expect(data.json.data.data.state).toBe('ready');
    expect(Date.parse(data.json.data.metadata.deletion_time)).toBeGreaterThan(Date.now());
    const agent = await newHost('dva');
    const a = await agent.edgectl(['rke2', 'agent', '--cluster-id', id, ...common()], { env });
    expect(a.code, a.stderr).toBe(0);
  });
});

describe('a server token that may create the cluster but not patch its metadata', () => {
  it('is refused before the first write (exit 5): no entry in Vault, the host as it was', async () => {
    const policy = 'path "kv/data/rke2/*" { capabilities = ["create", "read", "update"] }\n';
    await lab.bao.api('PUT', 'sys/policies/acl/server-no-patch', { policy });
    const token = (await lab.bao.api('POST', 'auth/token/create', { policies: ['server-no-patch'], ttl: '10m' })).json.auth.client_token as string;
    const host = await newHost('nop');
    const before = snapshot(host);
    const journal = (await host.systemdJournal()).length;
    const id = 'rke2-nopatch1';
    const r = await host.edgectl(['rke2', 'server', '--cluster-id', id, ...common()], { env: { VAULT_TOKEN: token } });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`lacks patch on kv/metadata/rke2/${id}`);
    expect(r.stderr).toContain('nothing was written');
    expect(r.stderr).toContain('path "kv/metadata/rke2/*" { capabilities = ["patch"] }');
    expect((await lab.bao.api('GET', `kv/metadata/rke2/${id}`, undefined, { allow: [404] })).status).toBe(404);
    expect(host.read(CLUSTER_ID_FILE)).toBeUndefined();
    expect(snapshot(host)).toEqual(before);
    // the script's preflight only asked systemctl (is-enabled, is-active): the host's systemd
    // logged no reload, start or stop since (it logs each of them)
    expect((await host.systemdJournal()).slice(journal).filter((l) => /Reload|Start|Stop/.test(l))).toEqual([]);
    // with the capability granted, the same command bootstraps the same ID
    await lab.bao.api('PUT', 'sys/policies/acl/server-no-patch', { policy: `${policy}path "kv/metadata/rke2/*" { capabilities = ["patch"] }\n` });
    const again = await host.edgectl(['rke2', 'server', '--cluster-id', id, ...common()], { env: { VAULT_TOKEN: token } });
    expect(again.code, again.stderr).toBe(0);
    expect((await lab.bao.api('GET', `kv/data/rke2/${id}`)).json.data.data.state).toBe('ready');
  });
});

describe('a registration whose metadata write is lost half-way (the create landed)', () => {
  it('keeps the ID file, and the re-run continues the same cluster and fills in its metadata: no orphan', async () => {
    const proxy = await startFaultProxy(lab.bao.addr, { host: LAB_GATEWAY });
    try {
      const host = await newHost('half');
      const id = 'rke2-halfway1';
      // the metadata PATCH right after the CAS create fails (a PATCH is never repeated: nothing can tell if it landed)
      proxy.inject({ name: 'lost-patch', match: (r) => r.method === 'PATCH' && r.url.includes(`/metadata/rke2/${id}`), times: 1, action: { kind: 'status', status: 503 } });
      const first = await host.edgectl(['rke2', 'server', '--cluster-id', id, ...common()], { env: { VAULT_ADDR: proxy.url } });
      expect(first.code, first.stderr).toBe(4);
      expect(first.stderr).toContain(`re-run the same command: it continues cluster ${id}`);
      expect(proxy.requests.filter((q) => q.fault === 'lost-patch')).toHaveLength(1);
      // the create landed; the ID file stays so that nothing is orphaned
      expect(host.read(CLUSTER_ID_FILE)).toBe(`${id}\n`);
      const half = await lab.bao.api('GET', `kv/metadata/rke2/${id}`);
      expect(half.json.data.custom_metadata ?? {}).not.toHaveProperty('hostname');

      const again = await host.edgectl(['rke2', 'server', ...common()]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout.trim()).toBe(id);
      const data = await lab.bao.api('GET', `kv/data/rke2/${id}`);
      expect(data.json.data.data.state).toBe('ready');
      const meta = await lab.bao.api('GET', `kv/metadata/rke2/${id}`);
      expect(meta.json.data.custom_metadata).toMatchObject({ hostname: host.name, ip: host.address });
      // one cluster, not a second ID
      const list = await lab.bao.api('LIST', 'kv/metadata/rke2');
      expect((list.json.data.keys as string[]).filter((k) => k.startsWith('rke2-halfway') && !k.endsWith('/'))).toEqual([id]);
    } finally {
      await proxy.close();
    }
  });
});
