/**
 * KV v2 version lifecycles edgectl must read right, against a real OpenBao:
 * delete_version_after (a deletion_time in the future is a live version, with
 * a warning at vault check), and a destroyed current version whose token an
 * earlier version still holds (the hint names that version and the rollback).
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewCluster } from '../../src/core/cluster-records.js';
import { Secret } from '../../src/core/secret.js';
import { runEdgectl } from '../support/context.js';
import { BAO_BIN, type OpenBao, enableKv, startOpenBao } from '../support/openbao.js';
import { type TestVault, clusterFixture, rootEnv, tokenWithPolicy, vaultFrom, rejection } from '../support/vault.js';

let bao: OpenBao;
let kv: TestVault;
let dva: TestVault;

const cluster = (id: string, extra: Partial<NewCluster> = {}): NewCluster => clusterFixture(id, { token: new Secret(`K10${id}::server:${id}-secret`), ...extra });
const TWO_YEARS_MS = 2 * 366 * 86_400_000;

beforeAll(async () => {
  bao = await startOpenBao();
  await enableKv(bao, 'kv', 2);
  await enableKv(bao, 'kvdva', 2);
  await bao.api('POST', 'kvdva/config', { delete_version_after: '8760h' });
  kv = vaultFrom(rootEnv(bao));
  dva = vaultFrom(rootEnv(bao, { EDGECTL_VAULT_MOUNT: 'kvdva' }));
});
afterAll(async () => {
  await kv?.client.close();
  await dva?.client.close();
  await bao?.stop();
});

describe('delete_version_after: a deletion_time in the future is not a deletion', () => {
  it('on a mount with delete_version_after=8760h, a cluster is read, listed and its token versions found', async () => {
    const rec = await dva.registry.registerCluster(cluster('rke2-dva00001'));
    await dva.registry.updateCluster(rec, { state: 'ready' });
    const raw = await bao.api('GET', 'kvdva/data/rke2/rke2-dva00001');
    expect(Date.parse(raw.json.data.metadata.deletion_time)).toBeGreaterThan(Date.now()); // what OpenBao does
    expect((await dva.kv.read('rke2/rke2-dva00001')).kind).toBe('found');
    const read = await dva.registry.readCluster('rke2-dva00001');
    expect(read.state).toBe('ready');
    expect(read.version).toBe(2);
    expect((await dva.registry.readTokenVersions('rke2-dva00001')).map((t) => t.version)).toEqual([2, 1]);
    for (const method of ['detailed-metadata', 'per-cluster'] as const) {
      const listed = (await dva.registry.listClusters({ method })).find((c) => c.id === 'rke2-dva00001');
      expect(listed?.deleted, method).toBe(false);
    }
  });

  it('cluster show and cluster list -o json treat it as live; with the clock past deletion_time, as deleted (exit 6)', async () => {
    const env = rootEnv(bao, { EDGECTL_VAULT_MOUNT: 'kvdva' });
    const show = await runEdgectl(['cluster', 'show', 'rke2-dva00001', '-o', 'json'], { env });
    expect(show.stderr).toBe('');
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ id: 'rke2-dva00001', state: 'ready' });
    const list = await runEdgectl(['cluster', 'list', '-o', 'json'], { env });
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { clusters: Array<{ id: string; deleted: boolean }> }).clusters).toEqual([
      expect.objectContaining({ id: 'rke2-dva00001', deleted: false }),
    ]);
    // the injected clock decides: two years on, the version is gone
    const later = (): Date => new Date(Date.now() + TWO_YEARS_MS);
    const showLater = await runEdgectl(['cluster', 'show', 'rke2-dva00001'], { env, now: later });
    expect(showLater.code).toBe(6);
    expect(showLater.stderr).toMatch(/the current version \(2\) of kvdva\/data\/rke2\/rke2-dva00001 was deleted at 20\d\d-/);
    const listLater = await runEdgectl(['cluster', 'list', '-o', 'json'], { env, now: later });
    expect((JSON.parse(listLater.stdout) as { clusters: Array<{ deleted: boolean }> }).clusters[0]?.deleted).toBe(true);
  });

  it('a past deletion_time is still a deletion', async () => {
    await kv.registry.registerCluster(cluster('rke2-dva00002'));
    await bao.api('DELETE', 'kv/data/rke2/rke2-dva00002');
    expect((await rejection(kv.registry.readCluster('rke2-dva00002'))).reason).toBe('deleted');
  });

  it('a secret whose own metadata has delete_version_after: read as live', async () => {
    await kv.registry.registerCluster(cluster('rke2-dva00003'));
    await bao.api('POST', 'kv/metadata/rke2/rke2-dva00003', { delete_version_after: '720h' });
    await kv.registry.updateCluster(await kv.registry.readCluster('rke2-dva00003'), { state: 'ready' });
    expect(Date.parse((await bao.api('GET', 'kv/data/rke2/rke2-dva00003')).json.data.metadata.deletion_time)).toBeGreaterThan(Date.now());
    expect((await kv.registry.readCluster('rke2-dva00003')).state).toBe('ready');
  });

  it('vault check warns about delete_version_after on the mount and on the cluster secret, and still passes', async () => {
    const mount = await runEdgectl(['vault', 'check'], { env: rootEnv(bao, { EDGECTL_VAULT_MOUNT: 'kvdva' }) });
    expect(mount.code).toBe(0);
    expect(mount.stderr).toContain('warning: the mount kvdva/ has delete_version_after=365d');
    expect(mount.stderr).toContain('the join token vanishes');
    expect(mount.stderr).toContain('bao write kvdva/config delete_version_after=0s');
    const json = await runEdgectl(['vault', 'check', '-o', 'json', '--cluster-id', 'rke2-dva00003'], { env: rootEnv(bao) });
    expect(json.code).toBe(0);
    const warnings = (JSON.parse(json.stdout) as { warnings: string[] }).warnings;
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('kv/metadata/rke2/rke2-dva00003 has delete_version_after=30d');
    // no delete_version_after anywhere: no warning
    const clean = await runEdgectl(['vault', 'check', '--cluster-id', 'rke2-dva00002'], { env: rootEnv(bao) });
    expect(clean.code).toBe(0);
    expect(clean.stderr).not.toContain('delete_version_after');
  });
});

describe('a destroyed current version', () => {
  it('names the earlier version that still holds the token and the rollback command, which brings the cluster back', async () => {
    const rec = await kv.registry.registerCluster(cluster('rke2-dst00010'));
    await kv.registry.updateCluster(rec, { state: 'ready' }); // version 2: same token
    await bao.api('PUT', 'kv/destroy/rke2/rke2-dst00010', { versions: [2] });
    const err = await rejection(kv.registry.readCluster('rke2-dst00010'));
    expect(err.reason).toBe('deleted');
    expect(err.exitCode).toBe(6);
    expect(err.message).toBe('cluster rke2-dst00010: the current version (2) of kv/data/rke2/rke2-dst00010 was destroyed; version 1 still holds a join token');
    expect(err.hint).toContain('version 1 has token generation 0');
    expect(err.hint).toContain('roll back to it with bao kv rollback -mount=kv -version=1 rke2/rke2-dst00010');
    expect(err.hint).not.toContain('cluster delete');
    // the hinted command, run as the operator would
    const args = (err.hint ?? '').replace(/^.*roll back to it with bao /, '').split(' ');
    const run = spawnSync(BAO_BIN, args, { env: { PATH: process.env.PATH, HOME: '/nonexistent', VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken }, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const back = await kv.registry.readCluster('rke2-dst00010');
    expect(back.version).toBe(3);
    expect(back.token.reveal()).toBe('K10rke2-dst00010::server:rke2-dst00010-secret');
  });

  it('skips destroyed, deleted and token-less earlier versions; says the token is gone when none holds one', async () => {
    const rec = await kv.registry.registerCluster(cluster('rke2-dst00011', { token: new Secret('') })); // as a bootstrap registers
    const v2 = await kv.registry.updateCluster(rec, { state: 'ready', token: new Secret('K10x::server:first') });
    const v3 = await kv.registry.updateCluster(v2, {});
    await kv.registry.updateCluster(v3, {});
    await bao.api('PUT', 'kv/destroy/rke2/rke2-dst00011', { versions: [4] });
    await bao.api('POST', 'kv/delete/rke2/rke2-dst00011', { versions: [3] });
    expect((await rejection(kv.registry.readCluster('rke2-dst00011'))).hint).toContain('-version=2 rke2/rke2-dst00011');
    await bao.api('PUT', 'kv/destroy/rke2/rke2-dst00011', { versions: [2] });
    const gone = await rejection(kv.registry.readCluster('rke2-dst00011'));
    expect(gone.message).toContain('(4) of kv/data/rke2/rke2-dst00011 was destroyed');
    expect(gone.hint).toBe('the token is gone; remove the entry with edgectl cluster delete rke2-dst00011');
  });

  it('a token that may not read the metadata (an agent) gets the plain destroyed message', async () => {
    const rec = await kv.registry.registerCluster(cluster('rke2-dst00012'));
    await kv.registry.updateCluster(rec, { state: 'ready' });
    await bao.api('PUT', 'kv/destroy/rke2/rke2-dst00012', { versions: [2] });
    const token = await tokenWithPolicy(bao, 'agent-dst', 'path "kv/data/rke2/rke2-dst00012" { capabilities = ["read"] }\npath "sys/internal/ui/mounts/kv" { capabilities = ["read"] }');
    const agent = vaultFrom({ VAULT_ADDR: bao.addr, VAULT_TOKEN: token });
    try {
      const err = await rejection(agent.registry.readCluster('rke2-dst00012'));
      expect(err.reason).toBe('deleted');
      expect(err.message).toContain('was destroyed');
    } finally {
      await agent.client.close();
    }
  });
});
