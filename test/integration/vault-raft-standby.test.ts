/**
 * edgectl against a real 3-node OpenBao Raft cluster on loopback, with
 * VAULT_ADDR at a standby. OpenBao standbys serve reads themselves and forward
 * writes to the active node, so a read right after a write can reach a standby
 * that has not applied it yet: the metadata PATCH after the CAS create then
 * got 404. The client sends back the X-Vault-Index of its last write, so the
 * standby answers 429 until it has caught up, and the client retries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RaftCluster, type RaftNode, startRaftCluster } from '../support/openbao-raft.js';
import { clusterFixture, vaultFrom } from '../support/vault.js';

let raft: RaftCluster;
let standby: RaftNode;

beforeAll(async () => {
  raft = await startRaftCluster();
  const active = await raft.active();
  await raft.api(active, 'POST', 'sys/mounts/kv', { type: 'kv', options: { version: '2' } });
  const [s] = await raft.standbys();
  if (s === undefined) throw new Error('no standby');
  standby = s;
  // a new KV v2 mount upgrades its storage first, and the standby must have it: wait until a read through the standby works
  const write = async (): Promise<number> => (await raft.api(active, 'POST', 'kv/data/warmup', { data: { a: '1' } }, { allow: [400, 404] })).status;
  for (let i = 0; i < 100 && (await write()) !== 200; i += 1) await new Promise((r) => setTimeout(r, 100));
  for (let i = 0; i < 100 && (await raft.api(standby, 'GET', 'kv/data/warmup', undefined, { allow: [400, 403, 404] })).status !== 200; i += 1) {
    await new Promise((r) => setTimeout(r, 100));
  }
}, 120_000);
afterAll(async () => {
  await raft?.stop();
});

describe('VAULT_ADDR at a Raft standby', () => {
  it('registers 12 clusters in a row: every CAS create is followed by a metadata patch that finds it', async () => {
    expect((await raft.api(standby, 'GET', 'sys/health?standbyok=true')).json.standby).toBe(true);
    const v = vaultFrom({ VAULT_ADDR: standby.addr, VAULT_TOKEN: raft.rootToken });
    try {
      for (let i = 0; i < 12; i += 1) {
        const id = `rke2-raft${String(i).padStart(4, '0')}`;
        await v.registry.registerCluster(clusterFixture(id, { tags: { n: String(i) } }));
        // read-your-writes through the same standby
        const rec = await v.registry.readCluster(id);
        expect(rec.metadata.tags).toEqual({ n: String(i) });
        await v.registry.updateCluster(rec, { state: 'ready' });
        expect((await v.registry.readCluster(id)).state).toBe('ready');
      }
      const active = await raft.active();
      const meta = await raft.api(active, 'GET', 'kv/metadata/rke2/rke2-raft0011');
      expect(meta.json.data.custom_metadata).toMatchObject({ hostname: 'srv-1', 'tag.n': '11' });
      expect((await v.registry.listClusters()).map((c) => c.id)).toHaveLength(12);
    } finally {
      await v.client.close();
    }
  }, 120_000);
});
