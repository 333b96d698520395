/**
 * The registry operations the day-2 commands add, against a real OpenBao: the
 * token history a rotation keeps (deleted versions skipped), node entry patches
 * that keep fields they do not name, deregistration, metadata patches that do
 * not create a token version, and the admin kubeconfig's check-and-set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VaultError } from '../../src/core/vault-errors.js';
import { type NewCluster, tokenGenerationOf } from '../../src/core/cluster-records.js';
import { Secret } from '../../src/core/secret.js';
import { type OpenBao, enableKv, startOpenBao } from '../support/openbao.js';
import { type TestVault, rootEnv, vaultFrom, clusterFixture } from '../support/vault.js';

let bao: OpenBao;
let v: TestVault;
const HASH = 'c'.repeat(64);
const token = (secret: string): Secret => new Secret(`K10${HASH}::server:${secret}`);

const cluster = (id: string): NewCluster => clusterFixture(id, { token: token('first'), state: 'ready' });
const entry = { role: 'agent' as const, hostname: 'a1', ip: '10.0.0.7', rke2_version: 'v1.30.1+rke2r1', joined_at: '2026-03-04T06:00:00Z' };

beforeAll(async () => {
  bao = await startOpenBao();
  await enableKv(bao, 'kv', 2);
  v = vaultFrom(rootEnv(bao));
});
afterAll(async () => {
  await v?.client.close();
  await bao?.stop();
});

describe('token history', () => {
  it('every kept version with its token and generation, newest first; soft-deleted versions are skipped', async () => {
    const id = 'rke2-hist0001';
    let rec = await v.registry.registerCluster(cluster(id));
    expect(tokenGenerationOf(rec)).toBe(0);
    rec = await v.registry.updateCluster(rec, { token: token('second'), extra: { token_generation: 1, token_rotated_at: '2026-04-01T00:00:00.000Z' } });
    rec = await v.registry.updateCluster(rec, { token: token('third'), extra: { token_generation: 2, token_rotated_at: '2026-05-01T00:00:00.000Z' } });
    expect(tokenGenerationOf(rec)).toBe(2);
    const all = await v.registry.readTokenVersions(id);
    expect(all.map((t) => [t.version, t.token.reveal().split(':').at(-1), t.generation, t.rotatedAt])).toEqual([
      [3, 'third', 2, '2026-05-01T00:00:00.000Z'],
      [2, 'second', 1, '2026-04-01T00:00:00.000Z'],
      [1, 'first', 0, undefined],
    ]);
    await bao.api('POST', `kv/delete/rke2/${id}`, { versions: [2] });
    expect((await v.registry.readTokenVersions(id)).map((t) => t.version)).toEqual([3, 1]);
    expect(await v.registry.readTokenVersions('rke2-nosuch01')).toEqual([]);
  });

  it('a metadata patch does not write a new version of the token', async () => {
    const id = 'rke2-hist0002';
    const rec = await v.registry.registerCluster(cluster(id));
    await v.registry.patchClusterMetadata(rec, { rke2Version: 'v1.30.2+rke2r1' });
    const after = await v.registry.readCluster(id);
    expect(after.version).toBe(rec.version);
    expect(after.metadata.rke2Version).toBe('v1.30.2+rke2r1');
    expect(after.metadata.createdAt).toBe('2026-03-04T05:06:07.000Z');
  });
});

describe('node entries', () => {
  it('patchNode merges, keeps fields it does not name (even unknown ones), and writes nothing when nothing changes', async () => {
    const id = 'rke2-node0001';
    await v.registry.recordNode(id, 'a1', entry);
    await bao.api('POST', `kv/data/rke2/${id}/nodes/a1`, { data: { ...entry, added_by_a_newer_edgectl: 'x' } });
    const patched = await v.registry.patchNode(id, 'a1', { rke2_version: 'v1.30.2+rke2r1', token_generation: 3 });
    expect(patched).toMatchObject({ rke2_version: 'v1.30.2+rke2r1', token_generation: 3, joined_at: entry.joined_at, version: 3 });
    expect((await bao.api('GET', `kv/data/rke2/${id}/nodes/a1`)).json.data.data).toEqual({ ...entry, added_by_a_newer_edgectl: 'x', rke2_version: 'v1.30.2+rke2r1', token_generation: 3 });
    expect((await v.registry.patchNode(id, 'a1', { token_generation: 3 }))?.version).toBe(3);
    expect(await v.registry.patchNode(id, 'nobody', { token_generation: 1 })).toBeUndefined();
    expect((await bao.api('GET', `kv/metadata/rke2/${id}/nodes/nobody`, undefined, { allow: [404] })).status).toBe(404);
  });

  it('deleteNode removes every version; a second delete says there was nothing', async () => {
    const id = 'rke2-node0002';
    await v.registry.recordNode(id, 'a1', entry);
    await v.registry.recordNode(id, 'a1', entry);
    expect(await v.registry.deleteNode(id, 'a1')).toBe(true);
    expect((await bao.api('GET', `kv/metadata/rke2/${id}/nodes/a1`, undefined, { allow: [404] })).status).toBe(404);
    expect(await v.registry.deleteNode(id, 'a1')).toBe(false);
  });
});

describe('admin kubeconfig', () => {
  it('is created with cas 0, unchanged content writes nothing, a change is a new version, a race is a conflict', async () => {
    const id = 'rke2-kube0001';
    const first = await v.registry.publishAdminKubeconfig(id, { kubeconfig: new Secret('kind: Config # 1'), server: 'https://10.0.0.1:6443', publishedBy: 's1' });
    expect(first).toEqual({ version: 1, changed: true });
    expect(await v.registry.publishAdminKubeconfig(id, { kubeconfig: new Secret('kind: Config # 1'), server: 'https://10.0.0.1:6443', publishedBy: 's2' })).toEqual({ version: 1, changed: false });
    expect(await v.registry.publishAdminKubeconfig(id, { kubeconfig: new Secret('kind: Config # 1'), server: 'https://lb:6443', publishedBy: 's1' })).toEqual({ version: 2, changed: true });
    const read = await v.registry.readAdminKubeconfig(id);
    expect(read).toMatchObject({ server: 'https://lb:6443', publishedBy: 's1', version: 2 });
    expect(read?.kubeconfig.reveal()).toBe('kind: Config # 1');
    expect(JSON.stringify(read)).not.toContain('kind: Config'); // a Secret serializes redacted
    // two servers publishing at once: exactly one write per version wins
    const results = await Promise.allSettled(
      ['a', 'b', 'c'].map((s) => v.registry.publishAdminKubeconfig(id, { kubeconfig: new Secret(`kind: Config # ${s}`), server: 'https://lb:6443', publishedBy: s })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won.length).toBeGreaterThanOrEqual(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as VaultError).reason).toBe('cas-conflict');
    expect(await v.registry.readAdminKubeconfig('rke2-nosuch02')).toBeUndefined();
    // the cluster ID is validated before it becomes a Vault path
    await expect(v.registry.readAdminKubeconfig('../etc')).rejects.toThrow(/invalid cluster ID/);
  });
});
