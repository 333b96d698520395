/**
 * The cluster registry and KV v2 semantics against a real OpenBao: CAS create
 * races, updates on a stale version, soft-deleted and destroyed versions, KV v1
 * and non-KV mounts refused before any write, custom_metadata limits as the
 * server enforces them, merge patches, node entries, deletes, and listing over
 * a thousand clusters with bounded concurrency.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VaultError } from '../../src/core/vault-errors.js';
import { Kv2 } from '../../src/adapters/vault/kv2.js';
import type { NewCluster } from '../../src/core/cluster-records.js';
import { LIST_CONCURRENCY } from '../../src/adapters/vault/registry.js';
import { mapBounded } from '../../src/core/concurrency.js';
import { EdgectlError } from '../../src/core/errors.js';
import { Secret } from '../../src/core/secret.js';
import { runEdgectl } from '../support/context.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { type OpenBao, enableKv, startOpenBao } from '../support/openbao.js';
import { type TestVault, rootEnv, tokenWithPolicy, vaultFrom, clusterFixture, rejection } from '../support/vault.js';

let bao: OpenBao;
let v: TestVault;

const cluster = (id: string, extra: Partial<NewCluster> = {}): NewCluster =>
  clusterFixture(id, { token: new Secret(`K10${id}::server:${id}-secret`), ...extra });

beforeAll(async () => {
  bao = await startOpenBao();
  await enableKv(bao, 'kv', 2);
  v = vaultFrom(rootEnv(bao));
});
afterAll(async () => {
  await v?.client.close();
  await bao?.stop();
});

describe('registerCluster / readCluster / updateCluster', () => {
  it('stores the token and server as data, the facts as custom_metadata, state bootstrapping', async () => {
    const rec = await v.registry.registerCluster(cluster('rke2-reg00001', { tags: { env: 'prod' } }));
    expect(rec.version).toBe(1);
    const raw = await bao.api('GET', 'kv/data/rke2/rke2-reg00001');
    expect(raw.json.data.data).toEqual({
      token: 'K10rke2-reg00001::server:rke2-reg00001-secret',
      server: 'https://10.0.0.1:9345',
      state: 'bootstrapping',
      updated_at: '2026-03-04T05:06:07.000Z',
    });
    const meta = await bao.api('GET', 'kv/metadata/rke2/rke2-reg00001');
    expect(meta.json.data.custom_metadata).toEqual({
      created_at: '2026-03-04T05:06:07.000Z',
      hostname: 'srv-1',
      ip: '10.0.0.1',
      rke2_version: 'v1.30.1+rke2r1',
      'tag.env': 'prod',
    });
    const read = await v.registry.readCluster('rke2-reg00001');
    expect(read.token.reveal()).toBe('K10rke2-reg00001::server:rke2-reg00001-secret');
    expect(read).toMatchObject({ id: 'rke2-reg00001', server: 'https://10.0.0.1:9345', state: 'bootstrapping', version: 1 });
    expect(read.metadata).toEqual({ createdAt: '2026-03-04T05:06:07.000Z', hostname: 'srv-1', ip: '10.0.0.1', rke2Version: 'v1.30.1+rke2r1', tags: { env: 'prod' } });
    expect(JSON.stringify(read)).not.toContain('rke2-reg00001-secret');
  });

  it('updates with CAS on the version read and merges metadata; a stale update is a cas-conflict (exit 6)', async () => {
    await v.registry.registerCluster(cluster('rke2-upd00001', { tags: { env: 'dev', old: 'x' } }));
    // a key another tool added survives edgectl's updates
    await v.kv.patchMetadata('rke2/rke2-upd00001', { custom_metadata: { owner: 'team-a' } });
    const v1 = await v.registry.readCluster('rke2-upd00001');
    const v2 = await v.registry.updateCluster(v1, { state: 'ready', metadata: { tags: { env: 'prod' }, rke2Version: 'v1.31.0+rke2r1' } });
    expect(v2.version).toBe(2);
    const again = await v.registry.readCluster('rke2-upd00001');
    expect(again.state).toBe('ready');
    expect(again.token.reveal()).toBe(v1.token.reveal());
    expect(again.metadata.tags).toEqual({ env: 'prod' });
    expect(again.metadata.rke2Version).toBe('v1.31.0+rke2r1');
    expect(again.customMetadata.owner).toBe('team-a');
    const stale = await rejection(v.registry.updateCluster(v1, { state: 'bootstrapping' }));
    expect(stale.reason).toBe('cas-conflict');
    expect(stale.exitCode).toBe(6);
    expect(stale.message).toContain('changed in Vault since it was read at version 1');
    expect((await v.registry.readCluster('rke2-upd00001')).state).toBe('ready');
  });

  it('CAS create race: of two concurrent creates of one ID exactly one wins, every time', async () => {
    const other = vaultFrom(rootEnv(bao));
    try {
      const ids = Array.from({ length: 20 }, (_, i) => `rke2-race${String(i).padStart(4, '0')}`);
      const outcomes = await Promise.all(
        ids.map(async (id) => {
          const results = await Promise.allSettled([
            v.registry.registerCluster(cluster(id, { token: new Secret(`K10a::server:${id}-A`), hostname: 'A' })),
            other.registry.registerCluster(cluster(id, { token: new Secret(`K10b::server:${id}-B`), hostname: 'B' })),
          ]);
          return { id, results };
        }),
      );
      for (const { id, results } of outcomes) {
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        const err = lost[0]?.reason as VaultError;
        expect(err.reason).toBe('cas-conflict');
        expect(err.message).toBe(`cluster ${id} already exists in Vault (kv/data/rke2/${id})`);
        // the stored token and metadata are the winner's, never a mix
        const winner = results[0]?.status === 'fulfilled' ? 'A' : 'B';
        const stored = await v.registry.readCluster(id);
        expect(stored.token.reveal()).toBe(`K10${winner.toLowerCase()}::server:${id}-${winner}`);
        expect(stored.metadata.hostname).toBe(winner);
        expect(stored.version).toBe(1);
      }
    } finally {
      await other.client.close();
    }
  });

  it('refuses to register an ID that exists, even when its current version is soft-deleted', async () => {
    await v.registry.registerCluster(cluster('rke2-dup00001'));
    await bao.api('DELETE', 'kv/data/rke2/rke2-dup00001');
    const err = await rejection(v.registry.registerCluster(cluster('rke2-dup00001')));
    expect(err.reason).toBe('cas-conflict');
  });
});

describe('reads distinguish absent from soft-deleted and destroyed', () => {
  it('absent: not-found (exit 6)', async () => {
    expect(await v.kv.read('rke2/rke2-absent00')).toEqual({ kind: 'absent' });
    const err = await rejection(v.registry.readCluster('rke2-absent00'));
    expect(err.reason).toBe('not-found');
    expect(err.exitCode).toBe(6);
    expect(err.message).toBe('cluster rke2-absent00 is not registered in Vault (kv/data/rke2/rke2-absent00)');
  });

  it('soft-deleted: deleted, with the undelete command as the hint; older versions stay readable', async () => {
    const rec = await v.registry.registerCluster(cluster('rke2-del00001'));
    await v.registry.updateCluster(rec, { state: 'ready' });
    await bao.api('DELETE', 'kv/data/rke2/rke2-del00001'); // soft-deletes version 2
    const raw = await v.kv.read('rke2/rke2-del00001');
    expect(raw.kind).toBe('deleted');
    if (raw.kind !== 'deleted') return;
    expect(raw.info).toMatchObject({ version: 2, destroyed: false });
    expect(raw.info.deletionTime).not.toBe('');
    const err = await rejection(v.registry.readCluster('rke2-del00001'));
    expect(err.reason).toBe('deleted');
    expect(err.exitCode).toBe(6);
    expect(err.message).toMatch(/the current version \(2\) of kv\/data\/rke2\/rke2-del00001 was deleted at \d{4}-/);
    expect(err.hint).toBe('restore it with bao kv undelete -mount=kv -versions=2 rke2/rke2-del00001, or remove it with edgectl cluster delete rke2-del00001');
    const v1 = await v.kv.read<{ state: string }>('rke2/rke2-del00001', { version: 1 });
    expect(v1.kind === 'found' && v1.data.state).toBe('bootstrapping');
    // undeleting brings it back
    await bao.api('POST', 'kv/undelete/rke2/rke2-del00001', { versions: [2] });
    expect((await v.registry.readCluster('rke2-del00001')).state).toBe('ready');
  });

  it('destroyed: deleted with destroyed=true, and listed as deleted', async () => {
    await v.registry.registerCluster(cluster('rke2-dst00001'));
    await bao.api('PUT', 'kv/destroy/rke2/rke2-dst00001', { versions: [1] });
    const raw = await v.kv.read('rke2/rke2-dst00001');
    expect(raw.kind === 'deleted' && raw.info.destroyed).toBe(true);
    const err = await rejection(v.registry.readCluster('rke2-dst00001'));
    expect(err.message).toContain('was destroyed');
    const listed = (await v.registry.listClusters()).find((c) => c.id === 'rke2-dst00001');
    expect(listed?.deleted).toBe(true);
  });
});

describe('the mount must be KV v2', () => {
  it('detects a KV v1 mount and writes nothing there', async () => {
    await enableKv(bao, 'kv1', 1);
    const v1 = vaultFrom(rootEnv(bao, { EDGECTL_VAULT_MOUNT: 'kv1' }));
    try {
      const err = await rejection(v1.registry.registerCluster(cluster('rke2-kv1test0')));
      expect(err.reason).toBe('kv-version');
      expect(err.exitCode).toBe(6);
      expect(err.message).toBe('mount "kv1/" is KV version 1; edgectl needs KV version 2 (versions, check-and-set, metadata)');
      expect(err.hint).toContain('bao kv enable-versioning kv1/');
      // on a v1 mount the write would have landed at a literal data/ key: it must not exist
      const leaked = await bao.api('GET', 'kv1/data/rke2/rke2-kv1test0', undefined, { allow: [404] });
      expect(leaked.status).toBe(404);
    } finally {
      await v1.client.close();
    }
  });

  it('refuses a non-KV engine, a missing mount, and a path inside a mount', async () => {
    const check = async (mount: string): Promise<VaultError> => {
      const kv = new Kv2(v.client, mount);
      return rejection(kv.ensureV2());
    };
    const cubby = await check('cubbyhole');
    expect(cubby.reason).toBe('kv-version');
    expect(cubby.message).toContain('is a cubbyhole secrets engine');
    const missing = await check('nope');
    expect(missing.reason).toBe('not-found');
    expect(missing.message).toContain('KV mount "nope/" does not exist');
    const inner = await check('kv/rke2');
    expect(inner.message).toContain('it is a path inside the mount "kv/"');
  });
});

describe('custom_metadata limits', () => {
  const tags = (n: number, value = 'v'): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, value]));

  it('accepts the most the server allows: 60 tags + edgectl keys = 64, values of 512 bytes', async () => {
    await v.registry.registerCluster(cluster('rke2-lim00001', { tags: { ...tags(59), big: 'x'.repeat(512) } }));
    const meta = await bao.api('GET', 'kv/metadata/rke2/rke2-lim00001');
    expect(Object.keys(meta.json.data.custom_metadata)).toHaveLength(64);
  });

  it('refuses more with a usage error (exit 2) before writing anything', async () => {
    for (const bad of [tags(61), { env: '' }, { env: 'x'.repeat(513) }, { env: 'tab\there' }]) {
      let caught: unknown;
      try {
        await v.registry.registerCluster(cluster('rke2-lim00002', { tags: bad }));
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(EdgectlError);
      expect((caught as EdgectlError).exitCode).toBe(2);
      expect((caught as EdgectlError).message).toMatch(/custom_metadata limits/);
    }
    expect(await v.kv.read('rke2/rke2-lim00002')).toEqual({ kind: 'absent' });
  });

  it('agrees with the server: what edgectl refuses, OpenBao refuses too', async () => {
    for (const bad of [tags(65), { k: '' }, { k: 'x'.repeat(513) }, { k: 'a\tb' }, { ['k'.repeat(129)]: 'v' }]) {
      const res = await bao.api('POST', 'kv/metadata/rke2/limits-probe', { custom_metadata: bad }, { allow: [400] });
      expect(res.status).toBe(400);
    }
  });

  it('refuses an update whose merged metadata would exceed 64 keys (the server checks only the patch)', async () => {
    const rec = await v.registry.registerCluster(cluster('rke2-lim00003', { tags: tags(60) }));
    await expect(v.registry.updateCluster(rec, { metadata: { tags: { ...rec.metadata.tags, one: 'more' } } })).rejects.toThrow(/65 custom_metadata keys/);
    expect((await v.registry.readCluster('rke2-lim00003')).version).toBe(1);
  });

  it('merge-patches metadata: null removes a key, others stay', async () => {
    await v.registry.registerCluster(cluster('rke2-pat00001', { tags: { a: '1', b: '2' } }));
    await v.kv.patchMetadata('rke2/rke2-pat00001', { custom_metadata: { 'tag.a': null, 'tag.c': '3' } });
    const meta = await v.kv.readMetadata('rke2/rke2-pat00001');
    expect(meta?.customMetadata).toMatchObject({ 'tag.b': '2', 'tag.c': '3', hostname: 'srv-1' });
    expect(meta?.customMetadata['tag.a']).toBeUndefined();
  });
});

describe('nodes, LIST and delete', () => {
  it('records node entries (create, then CAS update) and lists them; LIST of nothing is empty', async () => {
    await v.registry.registerCluster(cluster('rke2-nod00001'));
    expect(await v.registry.listNodes('rke2-nod00001')).toEqual([]);
    expect(await v.kv.list('rke2/rke2-nothing0')).toEqual([]);
    const entry = { role: 'server' as const, hostname: 'srv-1', ip: '10.0.0.1', rke2_version: 'v1.30.1+rke2r1', joined_at: '2026-03-04T05:06:07Z' };
    expect((await v.registry.recordNode('rke2-nod00001', 'srv-1', entry)).version).toBe(1);
    await v.registry.recordNode('rke2-nod00001', 'agent-b', { ...entry, role: 'agent', hostname: 'agent-b', ip: '10.0.0.3' });
    const rerun = await v.registry.recordNode('rke2-nod00001', 'srv-1', { ...entry, rke2_version: 'v1.31.0+rke2r1' });
    expect(rerun.version).toBe(2);
    const nodes = await v.registry.listNodes('rke2-nod00001');
    expect(nodes.map((n) => [n.name, n.role, n.rke2_version, n.version])).toEqual([
      ['agent-b', 'agent', 'v1.30.1+rke2r1', 1],
      ['srv-1', 'server', 'v1.31.0+rke2r1', 2],
    ]);
    // LIST rke2/ shows the cluster twice: the secret and the folder of its nodes
    const keys = await v.kv.list('rke2');
    expect(keys).toContain('rke2-nod00001');
    expect(keys).toContain('rke2-nod00001/');
    expect((await v.registry.listClusters()).filter((c) => c.id === 'rke2-nod00001')).toHaveLength(1);
  });

  it('deletes a cluster completely: all versions, metadata, node entries, admin kubeconfig', async () => {
    const rec = await v.registry.registerCluster(cluster('rke2-rm000001'));
    await v.registry.updateCluster(rec, { state: 'ready' });
    const entry = { role: 'agent' as const, hostname: 'a', ip: '10.0.0.9', rke2_version: 'v1', joined_at: '2026-01-01T00:00:00Z' };
    await v.registry.recordNode('rke2-rm000001', 'a', entry);
    await v.registry.recordNode('rke2-rm000001', 'b', entry);
    await v.kv.write('rke2-admin/rke2-rm000001/kubeconfig', { kubeconfig: 'apiVersion: v1' }, { cas: 0 });
    expect(await v.registry.deleteCluster('rke2-rm000001')).toEqual({ nodes: 2, kubeconfigDeleted: true });
    for (const path of ['rke2/rke2-rm000001', 'rke2/rke2-rm000001/nodes/a', 'rke2/rke2-rm000001/nodes/b', 'rke2-admin/rke2-rm000001/kubeconfig']) {
      expect(await v.kv.readMetadata(path)).toBeUndefined();
    }
    expect(await v.kv.list('rke2')).not.toContain('rke2-rm000001/');
    const again = await rejection(v.registry.deleteCluster('rke2-rm000001'));
    expect(again.reason).toBe('not-found');
  });
});

describe('listing a large fleet', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(bao.addr);
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('lists 1,000 clusters: per cluster, metadata reads are concurrent within the bound', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `fleet-${String(i).padStart(5, '0')}`);
    await mapBounded(ids, 64, (id, i) =>
      v.registry.registerCluster(cluster(id, { hostname: `h${i}`, tags: { env: i % 2 === 0 ? 'prod' : 'dev', site: i % 3 === 0 ? 'ber' : 'muc' } })),
    );
    const viaProxy = vaultFrom(rootEnv(bao, { VAULT_ADDR: proxy.url }));
    try {
      proxy.reset();
      const all = (await viaProxy.registry.listClusters({ method: 'per-cluster' })).filter((c) => c.id.startsWith('fleet-'));
      expect(all).toHaveLength(1000);
      expect(all[7]).toMatchObject({ id: 'fleet-00007', hostname: 'h7', ip: '10.0.0.1', tags: { env: 'dev', site: 'muc' }, currentVersion: 1, deleted: false });
      // one LIST, then one metadata GET per cluster, never more than the bound at once, but truly concurrent
      expect(proxy.requests.filter((r) => r.url.includes('list=true'))).toHaveLength(1);
      expect(proxy.requests.filter((r) => r.url.includes('/v1/kv/metadata/rke2/fleet-')).length).toBe(1000);
      expect(proxy.peakInFlight).toBeGreaterThan(8);
      expect(proxy.peakInFlight).toBeLessThanOrEqual(LIST_CONCURRENCY);
      const prodBer = await viaProxy.registry.listClusters({ method: 'per-cluster', tags: [['env', 'prod'], ['site', 'ber']] });
      expect(prodBer.filter((c) => c.id.startsWith('fleet-'))).toHaveLength(167); // i % 6 === 0, i < 1000
    } finally {
      await viaProxy.client.close();
    }
  });

  it('on OpenBao, the same list comes from paged detailed-metadata LISTs, a request per 1,000 keys', async () => {
    const viaProxy = vaultFrom(rootEnv(bao, { VAULT_ADDR: proxy.url }));
    try {
      const perCluster = await viaProxy.registry.listClusters({ method: 'per-cluster' });
      proxy.reset();
      const detailed = await viaProxy.registry.listClusters();
      expect(detailed).toEqual(perCluster);
      expect(detailed.length).toBeGreaterThan(1000);
      expect(proxy.requests.every((r) => r.url.startsWith('/v1/kv/detailed-metadata/rke2?'))).toBe(true);
      expect(proxy.requests).toHaveLength(Math.ceil((await v.kv.list('rke2')).length / 1000));
      // small pages give the same keys in the same order
      const paged = await v.kv.listDetailed('rke2', { pageSize: 7 });
      expect(paged?.map((e) => e.key)).toEqual(await v.kv.list('rke2'));
    } finally {
      await viaProxy.client.close();
    }
    const cli = await runEdgectl(['cluster', 'list', '--tag', 'env=prod', '-o', 'json'], { env: rootEnv(bao) });
    expect(cli.code).toBe(0);
    const json = JSON.parse(cli.stdout) as { clusters: Array<{ id: string }> };
    expect(json.clusters.filter((c) => c.id.startsWith('fleet-'))).toHaveLength(500);
    expect(cli.stdout).not.toContain('-secret');
  });

  it('falls back to per-cluster reads where detailed-metadata is missing (HashiCorp Vault) or not granted', async () => {
    const viaProxy = vaultFrom(rootEnv(bao, { VAULT_ADDR: proxy.url }));
    try {
      proxy.reset();
      // what a KV v2 engine without the endpoint answers (OpenBao's own answer to an unknown path)
      proxy.inject({
        name: 'no-detailed',
        match: (r) => r.url.includes('/detailed-metadata/'),
        action: { kind: 'status', status: 404, body: { data: null, warnings: ['Invalid path for a versioned K/V secrets engine.'] } },
      });
      const listed = await viaProxy.registry.listClusters({ tags: [['site', 'ber']] });
      expect(listed.filter((c) => c.id.startsWith('fleet-'))).toHaveLength(334);
      expect(proxy.requests.filter((r) => r.url.includes('/v1/kv/metadata/rke2/fleet-')).length).toBe(1000);
    } finally {
      await viaProxy.client.close();
    }
    const token = await tokenWithPolicy(bao, 'list-no-detailed', 'path "kv/metadata/rke2/*" { capabilities = ["read", "list"] }');
    const limited = vaultFrom({ VAULT_ADDR: bao.addr, VAULT_TOKEN: token });
    try {
      expect((await limited.registry.listClusters({ tags: [['site', 'ber']] })).filter((c) => c.id.startsWith('fleet-'))).toHaveLength(334);
      await expect(limited.registry.listClusters({ method: 'detailed-metadata' })).rejects.toThrow(/detailed-metadata\/ is not available/);
    } finally {
      await limited.client.close();
    }
  });
});
