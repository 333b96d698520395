/**
 * The node entries of the registry: one KV v2 secret per node under its
 * cluster (rke2/<id>/nodes/<name>). Writes are check-and-set on the version
 * read; a concurrent write of the same entry is retried (cas.ts), last writer wins.
 */
import { mapBounded } from '../../core/concurrency.js';
import { parseClusterId } from '../../core/cluster-id.js';
import type { NodeRecord } from '../../core/cluster-records.js';
import type { KvStore } from '../../core/ports.js';
import { type NodeEntry, nodeNameProblem, nodeSecretPath, nodesFolder, parseNodeName } from '../../core/vault-layout.js';
import { casWrite } from './cas.js';

/** Attempts of a node entry's read-modify-write before a conflict is given up on. */
const NODE_WRITE_ATTEMPTS = 3;

/** Create or update this node's entry. */
export async function recordNode(kv: KvStore, clusterId: string, nodeName: string, entry: NodeEntry): Promise<NodeRecord> {
  const path = nodeSecretPath(parseClusterId(clusterId), parseNodeName(nodeName));
  const data: Record<string, unknown> = { ...entry };
  return casWrite(
    kv,
    path,
    async () => {
      const current = await kv.read(path);
      const cas = current.kind === 'absent' ? 0 : current.info.version;
      return { kind: 'write', data, cas, result: (version: number): NodeRecord => ({ ...entry, name: nodeName, version }) };
    },
    { attempts: NODE_WRITE_ATTEMPTS },
  );
}

/** One node entry, or undefined when there is none. */
export async function readNode(kv: KvStore, clusterId: string, nodeName: string): Promise<NodeRecord | undefined> {
  const path = nodeSecretPath(parseClusterId(clusterId), parseNodeName(nodeName));
  const res = await kv.read<Record<string, unknown>>(path);
  return res.kind === 'found' ? nodeRecord(nodeName, res.data, res.info.version) : undefined;
}

/**
 * Merge changes into an existing node entry (fields this edgectl does not know
 * are kept). Resolves to undefined when the node has no entry, without writing one.
 */
export async function patchNode(kv: KvStore, clusterId: string, nodeName: string, changes: Partial<NodeEntry>): Promise<NodeRecord | undefined> {
  const path = nodeSecretPath(parseClusterId(clusterId), parseNodeName(nodeName));
  return casWrite<NodeRecord | undefined>(
    kv,
    path,
    async () => {
      const current = await kv.read<Record<string, unknown>>(path);
      if (current.kind !== 'found') return { kind: 'done', value: undefined };
      const data: Record<string, unknown> = { ...current.data, ...changes };
      if (Object.entries(changes).every(([k, v]) => current.data[k] === v)) return { kind: 'done', value: nodeRecord(nodeName, data, current.info.version) };
      return { kind: 'write', data, cas: current.info.version, result: (version: number) => nodeRecord(nodeName, data, version) };
    },
    { attempts: NODE_WRITE_ATTEMPTS },
  );
}

/**
 * Delete a node entry with all its versions; false when there was none.
 * Needs read on the entry and delete on its metadata (what an agent's own policy grants).
 */
export async function deleteNode(kv: KvStore, clusterId: string, nodeName: string): Promise<boolean> {
  const path = nodeSecretPath(parseClusterId(clusterId), parseNodeName(nodeName));
  if ((await kv.read(path)).kind === 'absent') return false;
  await kv.deleteAll(path);
  return true;
}

/** Every node entry of a cluster, sorted by name (needs list on the nodes folder and read on its entries). */
export async function listNodes(kv: KvStore, clusterId: string, concurrency: number): Promise<NodeRecord[]> {
  const folder = nodesFolder(parseClusterId(clusterId));
  const names = (await kv.list(folder)).filter((k) => !k.endsWith('/') && nodeNameProblem(k) === undefined);
  const records = await mapBounded(names, concurrency, async (name) => {
    const res = await kv.read<Record<string, unknown>>(`${folder}/${name}`);
    return res.kind === 'found' ? nodeRecord(name, res.data, res.info.version) : undefined;
  });
  return records.filter((r): r is NodeRecord => r !== undefined);
}

function nodeRecord(name: string, d: Record<string, unknown>, version: number): NodeRecord {
  const s = (v: unknown): string => (typeof v === 'string' ? v : '');
  const generation = d.token_generation;
  return {
    name,
    version,
    role: d.role === 'server' ? 'server' : 'agent',
    hostname: s(d.hostname),
    ip: s(d.ip),
    rke2_version: s(d.rke2_version),
    joined_at: s(d.joined_at),
    ...(typeof generation === 'number' && Number.isInteger(generation) && generation >= 0 ? { token_generation: generation } : {}),
    ...(typeof d.join_code_accessor === 'string' && d.join_code_accessor !== '' ? { join_code_accessor: d.join_code_accessor } : {}),
  };
}
