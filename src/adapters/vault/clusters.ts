/**
 * The cluster secrets of the registry: one KV v2 secret per cluster (join
 * token, server URL, state) with non-secret custom_metadata. A cluster is
 * created with cas 0, so two servers racing for one cluster ID cannot
 * overwrite each other; updates carry the version they read (cas.ts).
 */
import { mapBounded } from '../../core/concurrency.js';
import { clusterIdProblem, parseClusterId } from '../../core/cluster-id.js';
import { Secret } from '../../core/secret.js';
import {
  CLUSTER_FIELDS,
  CLUSTERS_FOLDER,
  METADATA_KEYS,
  TAG_PREFIX,
  type ClusterMetadata,
  adminKubeconfigPath,
  clusterSecretPath,
  customMetadataPatch,
  decodeClusterMetadata,
  encodeClusterMetadata,
  nodesFolder,
  tagsMatch,
} from '../../core/vault-layout.js';
import {
  type ClusterChanges,
  type ClusterHistory,
  type ClusterRecord,
  type ClusterSummary,
  type ListClustersOptions,
  type NewCluster,
  type TokenVersion,
  tokenGenerationOf,
} from '../../core/cluster-records.js';
import type { KvMetadata, KvStore } from '../../core/ports.js';
import { VaultError, isVaultError } from '../../core/vault-errors.js';
import { casWrite } from './cas.js';

/** Default bound on concurrent metadata reads when listing (fast for 10,000 clusters, gentle on Vault). */
export const LIST_CONCURRENCY = 48;

/**
 * Create a cluster: data with cas 0 (exactly one of two concurrent creates
 * wins; the other gets a cas-conflict VaultError), then its custom_metadata.
 * The data goes first because it is the truth: a crash in between leaves a
 * cluster without metadata, which updateCluster fills in, never metadata
 * pointing at no token.
 */
export async function registerCluster(kv: KvStore, input: NewCluster): Promise<ClusterRecord> {
  const id = parseClusterId(input.id);
  const path = clusterSecretPath(id);
  // validate everything before the first write
  const customMetadata = encodeClusterMetadata({
    createdAt: input.createdAt.toISOString(),
    hostname: input.hostname,
    ip: input.ip,
    rke2Version: input.rke2Version,
    tags: { ...input.tags },
  });
  const data = {
    token: input.token.reveal(),
    server: input.server,
    state: input.state ?? 'bootstrapping',
    updated_at: input.createdAt.toISOString(),
  };
  const version = await casWrite(kv, path, () => ({ kind: 'write', data, cas: 0, result: (v: number) => v }), {
    conflict: {
      message: `cluster ${id} already exists in Vault (${kv.dataPath(path)})`,
      hint: 'another server registered this cluster ID first: join it instead, or choose another ID',
    },
  });
  await kv.patchMetadata(path, { custom_metadata: customMetadata });
  return {
    id,
    token: input.token,
    server: data.server,
    state: data.state,
    version,
    metadata: decodeClusterMetadata(customMetadata),
    customMetadata,
    extra: { updated_at: data.updated_at },
  };
}

/** Read a cluster (needs only read on its data path); not-found or deleted VaultError otherwise. */
export async function readCluster(kv: KvStore, id: string): Promise<ClusterRecord> {
  const clusterId = parseClusterId(id);
  const path = clusterSecretPath(clusterId);
  const res = await kv.read<Record<string, unknown>>(path);
  if (res.kind === 'absent') {
    throw new VaultError('not-found', `cluster ${clusterId} is not registered in Vault (${kv.dataPath(path)}${inNamespace(kv)})`, {
      path: kv.dataPath(path),
      hint: 'check the cluster ID, the namespace and the mount (edgectl cluster list)',
    });
  }
  if (res.kind === 'deleted') {
    const v = res.info.version;
    const earlier = res.info.destroyed ? await earlierTokenVersion(kv, path, v) : undefined;
    if (earlier !== undefined) {
      throw new VaultError('deleted', `cluster ${clusterId}: the current version (${v}) of ${kv.dataPath(path)} was destroyed; version ${earlier.version} still holds a join token`, {
        path: kv.dataPath(path),
        hint:
          `version ${earlier.version} has token generation ${earlier.generation}: the same token as version ${v} unless version ${v} was a token rotation; ` +
          `roll back to it with bao kv rollback -mount=${kv.mount} -version=${earlier.version} ${path}`,
      });
    }
    throw new VaultError(
      'deleted',
      `cluster ${clusterId}: the current version (${v}) of ${kv.dataPath(path)} was ${res.info.destroyed ? 'destroyed' : `deleted at ${res.info.deletionTime}`}`,
      {
        path: kv.dataPath(path),
        hint: res.info.destroyed
          ? `the token is gone; remove the entry with edgectl cluster delete ${clusterId}`
          : `restore it with bao kv undelete -mount=${kv.mount} -versions=${v} ${path}, or remove it with edgectl cluster delete ${clusterId}`,
      },
    );
  }
  const { token, server, state, ...extra } = res.data;
  if (typeof token !== 'string' || typeof server !== 'string') {
    throw new VaultError('bad-request', `cluster ${clusterId}: ${kv.dataPath(path)} has no token or server field; it was not written by edgectl`, {
      path: kv.dataPath(path),
    });
  }
  return {
    id: clusterId,
    token: new Secret(token),
    server,
    state: typeof state === 'string' ? state : 'unknown',
    version: res.info.version,
    metadata: decodeClusterMetadata(res.customMetadata),
    customMetadata: res.customMetadata,
    extra,
  };
}

/**
 * The newest version before `before` that is kept and holds a non-empty token,
 * or undefined (also when the metadata may not be read: an agent's policy).
 */
async function earlierTokenVersion(kv: KvStore, path: string, before: number): Promise<{ version: number; generation: number } | undefined> {
  const meta = await kv.readMetadata(path).catch((err: unknown) => {
    if (isVaultError(err, 'denied')) return undefined;
    throw err;
  });
  const candidates = Object.values(meta?.versions ?? {})
    .filter((info) => info.version < before && !kv.isDeleted(info))
    .map((info) => info.version)
    .sort((a, b) => b - a);
  for (const version of candidates) {
    const res = await kv.read<Record<string, unknown>>(path, { version });
    if (res.kind === 'found' && typeof res.data.token === 'string' && res.data.token !== '') return { version, generation: tokenGenerationOf({ extra: res.data }) };
  }
  return undefined;
}

/**
 * Write a new version of a cluster with check-and-set on the version read
 * (a cas-conflict VaultError when someone else wrote in between), then merge
 * the metadata changes into custom_metadata.
 */
export async function updateCluster(kv: KvStore, current: ClusterRecord, changes: ClusterChanges, now: Date = new Date()): Promise<ClusterRecord> {
  const id = parseClusterId(current.id);
  const path = clusterSecretPath(id);
  const nextMeta: ClusterMetadata = { ...current.metadata, ...changes.metadata, tags: { ...(changes.metadata?.tags ?? current.metadata.tags) } };
  // encode first: a metadata change that breaks the limits fails before any write
  const nextCustom = { ...nonEdgectlKeys(current.customMetadata), ...encodeClusterMetadata(nextMeta) };
  const patch = customMetadataPatch(current.customMetadata, nextCustom);
  const token = changes.token ?? current.token;
  const data = {
    ...current.extra,
    ...changes.extra,
    token: token.reveal(),
    server: changes.server ?? current.server,
    state: changes.state ?? current.state,
    updated_at: now.toISOString(),
  };
  const version = await casWrite(kv, path, () => ({ kind: 'write', data, cas: current.version, result: (v: number) => v }), {
    conflict: {
      message: `cluster ${id} changed in Vault since it was read at version ${current.version}`,
      hint: 'another edgectl updated it at the same time; re-run to start from the current version',
    },
  });
  if (Object.keys(patch).length > 0) await kv.patchMetadata(path, { custom_metadata: patch });
  const { token: _t, server, state, ...extra } = data;
  return { id, token, server, state, version, metadata: decodeClusterMetadata(nextCustom), customMetadata: nextCustom, extra };
}

/** KV bookkeeping of a cluster (needs read on its metadata path); undefined when it does not exist. */
export async function readClusterHistory(kv: KvStore, id: string): Promise<ClusterHistory | undefined> {
  const meta = await kv.readMetadata(clusterSecretPath(parseClusterId(id)));
  if (meta === undefined) return undefined;
  return {
    currentVersion: meta.currentVersion,
    oldestVersion: meta.oldestVersion,
    versions: Object.keys(meta.versions).length,
    createdTime: meta.createdTime,
    updatedTime: meta.updatedTime,
  };
}

/**
 * Every token the cluster secret's kept versions hold, newest first (soft-deleted
 * and destroyed versions are skipped). Needs read on the data path and the metadata.
 */
export async function readTokenVersions(kv: KvStore, id: string, opts: { concurrency?: number } = {}): Promise<TokenVersion[]> {
  const path = clusterSecretPath(parseClusterId(id));
  const meta = await kv.readMetadata(path);
  if (meta === undefined) return [];
  const versions = Object.values(meta.versions)
    .filter((v) => !kv.isDeleted(v))
    .map((v) => v.version)
    .sort((a, b) => b - a);
  const read = await mapBounded(versions, opts.concurrency ?? 8, async (version): Promise<TokenVersion | undefined> => {
    const res = await kv.read<Record<string, unknown>>(path, { version });
    if (res.kind !== 'found' || typeof res.data.token !== 'string') return undefined;
    const rotatedAt = res.data[CLUSTER_FIELDS.tokenRotatedAt];
    return { version, token: new Secret(res.data.token), generation: tokenGenerationOf({ extra: res.data }), rotatedAt: typeof rotatedAt === 'string' ? rotatedAt : undefined };
  });
  return read.filter((t): t is TokenVersion => t !== undefined);
}

/**
 * Merge changes into a cluster's custom_metadata without writing a new data
 * version (so the token's version history is not touched). Needs patch on the metadata.
 */
export async function patchClusterMetadata(kv: KvStore, current: ClusterRecord, metadata: Partial<Omit<ClusterMetadata, 'createdAt'>>): Promise<void> {
  const path = clusterSecretPath(parseClusterId(current.id));
  const nextMeta: ClusterMetadata = { ...current.metadata, ...metadata, tags: { ...(metadata.tags ?? current.metadata.tags) } };
  const nextCustom = { ...nonEdgectlKeys(current.customMetadata), ...encodeClusterMetadata(nextMeta) };
  const patch = customMetadataPatch(current.customMetadata, nextCustom);
  if (Object.keys(patch).length > 0) await kv.patchMetadata(path, { custom_metadata: patch });
}

/**
 * Every cluster under rke2/, with its metadata (never a token). On OpenBao, one
 * detailed-metadata LIST per 1,000 keys carries every key's metadata; where
 * that endpoint is missing (HashiCorp Vault) or not granted, one LIST and then
 * each cluster's metadata read concurrently, at most `concurrency` at once.
 * LIST returns "id" for the cluster secret and "id/" for the folder of its
 * node entries: only the former is a cluster.
 */
export async function listClusters(kv: KvStore, opts: ListClustersOptions, debug: (message: string) => void): Promise<ClusterSummary[]> {
  const method = opts.method ?? 'auto';
  let summaries: Array<ClusterSummary | undefined> | undefined;
  if (method !== 'per-cluster') {
    const detailed = await kv.listDetailed(CLUSTERS_FOLDER);
    if (detailed === undefined && method === 'detailed-metadata') {
      throw new VaultError('bad-request', `${kv.mount}/detailed-metadata/ is not available (not OpenBao, or the policy lacks list on it)`);
    }
    if (detailed !== undefined) summaries = detailed.filter((e) => isClusterKey(e.key)).map((e) => summarize(e.key, e.metadata, kv));
    else debug('detailed-metadata LIST unavailable; reading each cluster\'s metadata');
  }
  if (summaries === undefined) {
    const ids = (await kv.list(CLUSTERS_FOLDER)).filter(isClusterKey);
    summaries = await mapBounded(
      ids,
      opts.concurrency ?? LIST_CONCURRENCY,
      async (id) => {
        const meta = await kv.readMetadata(clusterSecretPath(id));
        return meta === undefined ? undefined : summarize(id, meta, kv); // undefined: deleted between LIST and read
      },
      opts.signal,
    );
  }
  const filter = opts.tags ?? [];
  return summaries.filter((s): s is ClusterSummary => s !== undefined && tagsMatch(s.tags, filter));
}

/**
 * Delete a cluster completely: its node entries, its admin kubeconfig and the
 * cluster secret, every version and the metadata. Nodes go first, so a crash
 * midway leaves a cluster that a re-run deletes, never orphaned node entries.
 * The admin kubeconfig lives outside rke2/; without permission on it, it is
 * left in place and reported.
 */
export async function deleteCluster(kv: KvStore, id: string, opts: { concurrency?: number } = {}): Promise<{ nodes: number; kubeconfigDeleted: boolean }> {
  const clusterId = parseClusterId(id);
  const path = clusterSecretPath(clusterId);
  const [meta, nodeKeys] = await Promise.all([kv.readMetadata(path), kv.list(nodesFolder(clusterId))]);
  const nodes = nodeKeys.filter((k) => !k.endsWith('/'));
  if (meta === undefined && nodes.length === 0) {
    throw new VaultError('not-found', `cluster ${clusterId} is not registered in Vault (${kv.metadataPath(path)}${inNamespace(kv)})`, {
      path: kv.metadataPath(path),
      hint: 'check the cluster ID, the namespace and the mount (edgectl cluster list)',
    });
  }
  await mapBounded(nodes, opts.concurrency ?? LIST_CONCURRENCY, (name) => kv.deleteAll(`${nodesFolder(clusterId)}/${name}`));
  let kubeconfigDeleted = true;
  try {
    await kv.deleteAll(adminKubeconfigPath(clusterId));
  } catch (err) {
    if (!isVaultError(err, 'denied')) throw err;
    kubeconfigDeleted = false;
  }
  await kv.deleteAll(path);
  return { nodes: nodes.length, kubeconfigDeleted };
}

function inNamespace(kv: KvStore): string {
  const ns = kv.client.config.namespace;
  return ns === undefined ? '' : ` in namespace "${ns}"`;
}

const isClusterKey = (key: string): boolean => !key.endsWith('/') && clusterIdProblem(key) === undefined;

function summarize(id: string, meta: KvMetadata, kv: Pick<KvStore, 'isDeleted'>): ClusterSummary {
  const m = decodeClusterMetadata(meta.customMetadata);
  const current = meta.versions[String(meta.currentVersion)];
  return {
    id,
    createdAt: m.createdAt,
    hostname: m.hostname,
    ip: m.ip,
    rke2Version: m.rke2Version,
    tags: m.tags,
    currentVersion: meta.currentVersion,
    updatedTime: meta.updatedTime,
    deleted: current === undefined || kv.isDeleted(current),
  };
}

// custom_metadata keys a human or another tool added: kept on update (edgectl owns only its own keys and tag.*)
function nonEdgectlKeys(custom: Readonly<Record<string, string>>): Record<string, string> {
  const own = new Set<string>(Object.values(METADATA_KEYS));
  return Object.fromEntries(Object.entries(custom).filter(([k]) => !own.has(k) && !k.startsWith(TAG_PREFIX)));
}
