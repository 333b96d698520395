/**
 * The cluster registry: one KV v2 secret per cluster (join token, server URL,
 * state) with non-secret custom_metadata, and one entry per node under it.
 * Every data write is check-and-set: a cluster is created with cas 0, so two
 * servers racing for one cluster ID cannot overwrite each other; updates carry
 * the version they read. Layout and field names: core/vault-layout.ts.
 */
import { mapBounded } from '../core/concurrency.js';
import { clusterIdProblem, parseClusterId } from '../core/cluster-id.js';
import { Secret } from '../core/secret.js';
import {
  ADMIN_KUBECONFIG_FIELDS,
  CLUSTER_FIELDS,
  CLUSTERS_FOLDER,
  METADATA_KEYS,
  TAG_PREFIX,
  type ClusterMetadata,
  type ClusterState,
  type NodeEntry,
  adminKubeconfigPath,
  clusterSecretPath,
  customMetadataPatch,
  decodeClusterMetadata,
  encodeClusterMetadata,
  nodeNameProblem,
  nodeSecretPath,
  nodesFolder,
  parseNodeName,
  tagsMatch,
} from '../core/vault-layout.js';
import type { KvMetadata, KvStore } from '../core/ports.js';
import { VaultError, isVaultError } from '../core/vault-errors.js';

/** Default bound on concurrent metadata reads when listing (fast for 10,000 clusters, gentle on Vault). */
export const LIST_CONCURRENCY = 48;

/** What registerCluster needs: the secret data and the non-secret facts about the bootstrapping server. */
export interface NewCluster {
  id: string;
  token: Secret;
  /** https://<address>:9345 */
  server: string;
  /** default 'bootstrapping': the first server is still installing */
  state?: ClusterState;
  createdAt: Date;
  hostname: string;
  ip: string;
  rke2Version: string;
  tags?: Readonly<Record<string, string>>;
}

/** A cluster as read from Vault (data + custom_metadata of the version read). */
export interface ClusterRecord {
  id: string;
  token: Secret;
  server: string;
  /** ClusterState, or whatever unknown value a newer edgectl wrote */
  state: string;
  /** the KV version this record was read at; updates are check-and-set on it */
  version: number;
  metadata: ClusterMetadata;
  /** the raw custom_metadata, for merge patches */
  customMetadata: Readonly<Record<string, string>>;
  /** other data fields, kept as they are on update */
  extra: Readonly<Record<string, unknown>>;
}

/** Changes for updateCluster; metadata tags replace the whole tag set when given. */
export interface ClusterChanges {
  token?: Secret;
  server?: string;
  state?: ClusterState;
  /** extra data fields to set (later commands' needs) */
  extra?: Readonly<Record<string, unknown>>;
  metadata?: Partial<Omit<ClusterMetadata, 'createdAt'>>;
}

/** One line of `cluster list`: metadata only, no secret (readable with metadata permissions). */
export interface ClusterSummary {
  id: string;
  createdAt: string | undefined;
  hostname: string | undefined;
  ip: string | undefined;
  rke2Version: string | undefined;
  tags: Record<string, string>;
  currentVersion: number;
  updatedTime: string;
  /** the current version is soft-deleted or destroyed */
  deleted: boolean;
}

export interface ListClustersOptions {
  /** only clusters carrying every one of these tags */
  tags?: ReadonlyArray<readonly [string, string]>;
  /** bound on concurrent metadata reads when reading per cluster (default LIST_CONCURRENCY) */
  concurrency?: number;
  /** auto: detailed-metadata when the server offers it, else per cluster; the others force one way */
  method?: 'auto' | 'detailed-metadata' | 'per-cluster';
  signal?: AbortSignal;
}

/** KV bookkeeping of a cluster secret, for `cluster show`. */
export interface ClusterHistory {
  currentVersion: number;
  oldestVersion: number;
  /** versions still kept (deleted ones included) */
  versions: number;
  createdTime: string;
  updatedTime: string;
}

export interface NodeRecord extends NodeEntry {
  name: string;
  /** KV version of the entry */
  version: number;
}

/** The cluster token as one KV version of the cluster secret holds it. */
export interface TokenVersion {
  /** the KV version */
  version: number;
  token: Secret;
  /** token_generation of that version (0: the bootstrap token) */
  generation: number;
  /** token_rotated_at of that version, if it was written by a rotation */
  rotatedAt: string | undefined;
}

/** The admin kubeconfig as published in Vault. */
export interface AdminKubeconfig {
  /** the kubeconfig YAML: it holds the admin's client key */
  kubeconfig: Secret;
  server: string;
  publishedAt: string | undefined;
  publishedBy: string | undefined;
  /** KV version */
  version: number;
}

/** The token generation of a cluster record: 0 until the first rotation. */
export function tokenGenerationOf(record: { extra: Readonly<Record<string, unknown>> }): number {
  const g = record.extra[CLUSTER_FIELDS.tokenGeneration];
  return typeof g === 'number' && Number.isInteger(g) && g >= 0 ? g : 0;
}

export class ClusterRegistry {
  readonly kv: KvStore;

  readonly #debug: (message: string) => void;

  constructor(kv: KvStore, opts: { debug?: (message: string) => void } = {}) {
    this.kv = kv;
    this.#debug = opts.debug ?? (() => undefined);
  }

  private debug(message: string): void {
    this.#debug(`registry: ${message}`);
  }

  /**
   * Create a cluster: data with cas 0 (exactly one of two concurrent creates
   * wins; the other gets a cas-conflict VaultError), then its custom_metadata.
   * The data goes first because it is the truth: a crash in between leaves a
   * cluster without metadata, which updateCluster fills in, never metadata
   * pointing at no token.
   */
  async registerCluster(input: NewCluster): Promise<ClusterRecord> {
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
    let version: number;
    try {
      ({ version } = await this.kv.write(path, data, { cas: 0 }));
    } catch (err) {
      if (isVaultError(err, 'cas-conflict')) {
        throw new VaultError('cas-conflict', `cluster ${id} already exists in Vault (${this.kv.dataPath(path)})`, {
          status: err.status,
          path: err.path,
          hint: 'another server registered this cluster ID first: join it instead, or choose another ID',
        });
      }
      throw err;
    }
    await this.kv.patchMetadata(path, { custom_metadata: customMetadata });
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
  async readCluster(id: string): Promise<ClusterRecord> {
    const clusterId = parseClusterId(id);
    const path = clusterSecretPath(clusterId);
    const res = await this.kv.read<Record<string, unknown>>(path);
    if (res.kind === 'absent') {
      throw new VaultError('not-found', `cluster ${clusterId} is not registered in Vault (${this.kv.dataPath(path)}${this.inNs()})`, {
        path: this.kv.dataPath(path),
        hint: 'check the cluster ID, the namespace and the mount (edgectl cluster list)',
      });
    }
    if (res.kind === 'deleted') {
      const v = res.info.version;
      const earlier = res.info.destroyed ? await this.earlierTokenVersion(path, v) : undefined;
      if (earlier !== undefined) {
        throw new VaultError('deleted', `cluster ${clusterId}: the current version (${v}) of ${this.kv.dataPath(path)} was destroyed; version ${earlier.version} still holds a join token`, {
          path: this.kv.dataPath(path),
          hint:
            `version ${earlier.version} has token generation ${earlier.generation}: the same token as version ${v} unless version ${v} was a token rotation; ` +
            `roll back to it with bao kv rollback -mount=${this.kv.mount} -version=${earlier.version} ${path}`,
        });
      }
      throw new VaultError(
        'deleted',
        `cluster ${clusterId}: the current version (${v}) of ${this.kv.dataPath(path)} was ${res.info.destroyed ? 'destroyed' : `deleted at ${res.info.deletionTime}`}`,
        {
          path: this.kv.dataPath(path),
          hint: res.info.destroyed
            ? `the token is gone; remove the entry with edgectl cluster delete ${clusterId}`
            : `restore it with bao kv undelete -mount=${this.kv.mount} -versions=${v} ${path}, or remove it with edgectl cluster delete ${clusterId}`,
        },
      );
    }
    const { token, server, state, ...extra } = res.data;
    if (typeof token !== 'string' || typeof server !== 'string') {
      throw new VaultError('bad-request', `cluster ${clusterId}: ${this.kv.dataPath(path)} has no token or server field; it was not written by edgectl`, {
        path: this.kv.dataPath(path),
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
  private async earlierTokenVersion(path: string, before: number): Promise<{ version: number; generation: number } | undefined> {
    const meta = await this.kv.readMetadata(path).catch((err: unknown) => {
      if (isVaultError(err, 'denied')) return undefined;
      throw err;
    });
    const candidates = Object.values(meta?.versions ?? {})
      .filter((info) => info.version < before && !this.kv.isDeleted(info))
      .map((info) => info.version)
      .sort((a, b) => b - a);
    for (const version of candidates) {
      const res = await this.kv.read<Record<string, unknown>>(path, { version });
      if (res.kind === 'found' && typeof res.data.token === 'string' && res.data.token !== '') return { version, generation: tokenGenerationOf({ extra: res.data }) };
    }
    return undefined;
  }

  /**
   * Write a new version of a cluster with check-and-set on the version read
   * (a cas-conflict VaultError when someone else wrote in between), then merge
   * the metadata changes into custom_metadata.
   */
  async updateCluster(current: ClusterRecord, changes: ClusterChanges, now: Date = new Date()): Promise<ClusterRecord> {
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
    let version: number;
    try {
      ({ version } = await this.kv.write(path, data, { cas: current.version }));
    } catch (err) {
      if (isVaultError(err, 'cas-conflict')) {
        throw new VaultError('cas-conflict', `cluster ${id} changed in Vault since it was read at version ${current.version}`, {
          status: err.status,
          path: err.path,
          hint: 'another edgectl updated it at the same time; re-run to start from the current version',
        });
      }
      throw err;
    }
    if (Object.keys(patch).length > 0) await this.kv.patchMetadata(path, { custom_metadata: patch });
    const { token: _t, server, state, ...extra } = data;
    return { id, token, server, state, version, metadata: decodeClusterMetadata(nextCustom), customMetadata: nextCustom, extra };
  }

  /** KV bookkeeping of a cluster (needs read on its metadata path); undefined when it does not exist. */
  async readClusterHistory(id: string): Promise<ClusterHistory | undefined> {
    const meta = await this.kv.readMetadata(clusterSecretPath(parseClusterId(id)));
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
   * Create or update this node's entry (check-and-set on the version read; a
   * concurrent write of the same entry is retried a few times, last writer wins).
   */
  async recordNode(clusterId: string, nodeName: string, entry: NodeEntry): Promise<NodeRecord> {
    const path = nodeSecretPath(parseClusterId(clusterId), parseNodeName(nodeName));
    const data: Record<string, unknown> = { ...entry };
    for (let attempt = 1; ; attempt += 1) {
      const current = await this.kv.read(path);
      const cas = current.kind === 'absent' ? 0 : current.info.version;
      try {
        const { version } = await this.kv.write(path, data, { cas });
        return { ...entry, name: nodeName, version };
      } catch (err) {
        if (!isVaultError(err, 'cas-conflict') || attempt >= 3) throw err;
      }
    }
  }

  /**
   * Every token the cluster secret's kept versions hold, newest first (soft-deleted
   * and destroyed versions are skipped). Needs read on the data path and the metadata.
   */
  async readTokenVersions(id: string, opts: { concurrency?: number } = {}): Promise<TokenVersion[]> {
    const path = clusterSecretPath(parseClusterId(id));
    const meta = await this.kv.readMetadata(path);
    if (meta === undefined) return [];
    const versions = Object.values(meta.versions)
      .filter((v) => !this.kv.isDeleted(v))
      .map((v) => v.version)
      .sort((a, b) => b - a);
    const read = await mapBounded(versions, opts.concurrency ?? 8, async (version): Promise<TokenVersion | undefined> => {
      const res = await this.kv.read<Record<string, unknown>>(path, { version });
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
  async patchClusterMetadata(current: ClusterRecord, metadata: Partial<Omit<ClusterMetadata, 'createdAt'>>): Promise<void> {
    const path = clusterSecretPath(parseClusterId(current.id));
    const nextMeta: ClusterMetadata = { ...current.metadata, ...metadata, tags: { ...(metadata.tags ?? current.metadata.tags) } };
    const nextCustom = { ...nonEdgectlKeys(current.customMetadata), ...encodeClusterMetadata(nextMeta) };
    const patch = customMetadataPatch(current.customMetadata, nextCustom);
    if (Object.keys(patch).length > 0) await this.kv.patchMetadata(path, { custom_metadata: patch });
  }

  /** One node entry, or undefined when there is none. */
  async readNode(clusterId: string, nodeName: string): Promise<NodeRecord | undefined> {
    const path = nodeSecretPath(parseClusterId(clusterId), parseNodeName(nodeName));
    const res = await this.kv.read<Record<string, unknown>>(path);
    return res.kind === 'found' ? nodeRecord(nodeName, res.data, res.info.version) : undefined;
  }

  /**
   * Merge changes into an existing node entry (check-and-set on the version read,
   * retried on a concurrent write; fields this edgectl does not know are kept).
   * Resolves to undefined when the node has no entry, without writing one.
   */
  async patchNode(clusterId: string, nodeName: string, changes: Partial<NodeEntry>): Promise<NodeRecord | undefined> {
    const path = nodeSecretPath(parseClusterId(clusterId), parseNodeName(nodeName));
    for (let attempt = 1; ; attempt += 1) {
      const current = await this.kv.read<Record<string, unknown>>(path);
      if (current.kind !== 'found') return undefined;
      const data: Record<string, unknown> = { ...current.data, ...changes };
      if (Object.entries(changes).every(([k, v]) => current.data[k] === v)) return nodeRecord(nodeName, data, current.info.version);
      try {
        const { version } = await this.kv.write(path, data, { cas: current.info.version });
        return nodeRecord(nodeName, data, version);
      } catch (err) {
        if (!isVaultError(err, 'cas-conflict') || attempt >= 3) throw err;
      }
    }
  }

  /**
   * Delete a node entry with all its versions; false when there was none.
   * Needs read on the entry and delete on its metadata (what an agent's own policy grants).
   */
  async deleteNode(clusterId: string, nodeName: string): Promise<boolean> {
    const path = nodeSecretPath(parseClusterId(clusterId), parseNodeName(nodeName));
    if ((await this.kv.read(path)).kind === 'absent') return false;
    await this.kv.deleteAll(path);
    return true;
  }

  /** The published admin kubeconfig of a cluster, or undefined (needs read on rke2-admin/<id>/kubeconfig). */
  async readAdminKubeconfig(id: string): Promise<AdminKubeconfig | undefined> {
    const res = await this.kv.read<Record<string, unknown>>(adminKubeconfigPath(parseClusterId(id)));
    if (res.kind !== 'found') return undefined;
    const d = res.data;
    const str = (k: string): string | undefined => (typeof d[k] === 'string' ? (d[k] as string) : undefined);
    const kubeconfig = str(ADMIN_KUBECONFIG_FIELDS.kubeconfig);
    if (kubeconfig === undefined) return undefined;
    return {
      kubeconfig: new Secret(kubeconfig),
      server: str(ADMIN_KUBECONFIG_FIELDS.server) ?? '',
      publishedAt: str(ADMIN_KUBECONFIG_FIELDS.publishedAt),
      publishedBy: str(ADMIN_KUBECONFIG_FIELDS.publishedBy),
      version: res.info.version,
    };
  }

  /**
   * Store a cluster's admin kubeconfig under rke2-admin/<id>/kubeconfig with
   * check-and-set; nothing is written when Vault already holds the same one.
   */
  async publishAdminKubeconfig(id: string, input: { kubeconfig: Secret; server: string; publishedBy: string }, now: Date = new Date()): Promise<{ version: number; changed: boolean }> {
    const path = adminKubeconfigPath(parseClusterId(id));
    const current = await this.kv.read<Record<string, unknown>>(path);
    if (current.kind === 'found' && current.data[ADMIN_KUBECONFIG_FIELDS.kubeconfig] === input.kubeconfig.reveal() && current.data[ADMIN_KUBECONFIG_FIELDS.server] === input.server) {
      return { version: current.info.version, changed: false };
    }
    const cas = current.kind === 'absent' ? 0 : current.info.version;
    const data = {
      [ADMIN_KUBECONFIG_FIELDS.kubeconfig]: input.kubeconfig.reveal(),
      [ADMIN_KUBECONFIG_FIELDS.server]: input.server,
      [ADMIN_KUBECONFIG_FIELDS.publishedAt]: now.toISOString(),
      [ADMIN_KUBECONFIG_FIELDS.publishedBy]: input.publishedBy,
    };
    try {
      const { version } = await this.kv.write(path, data, { cas });
      return { version, changed: true };
    } catch (err) {
      if (isVaultError(err, 'cas-conflict')) {
        throw new VaultError('cas-conflict', `the admin kubeconfig of cluster ${id} changed in Vault while it was being published`, {
          status: err.status,
          path: err.path,
          hint: 'another server published it at the same time; re-run to publish on top of it',
        });
      }
      throw err;
    }
  }

  /** Every node entry of a cluster, sorted by name (needs list on the nodes folder and read on its entries). */
  async listNodes(clusterId: string, opts: { concurrency?: number } = {}): Promise<NodeRecord[]> {
    const folder = nodesFolder(parseClusterId(clusterId));
    const names = (await this.kv.list(folder)).filter((k) => !k.endsWith('/') && nodeNameProblem(k) === undefined);
    const records = await mapBounded(names, opts.concurrency ?? LIST_CONCURRENCY, async (name) => {
      const res = await this.kv.read<Record<string, unknown>>(`${folder}/${name}`);
      return res.kind === 'found' ? nodeRecord(name, res.data, res.info.version) : undefined;
    });
    return records.filter((r): r is NodeRecord => r !== undefined);
  }

  /**
   * Every cluster under rke2/, with its metadata (never a token). On OpenBao, one
   * detailed-metadata LIST per 1,000 keys carries every key's metadata; where
   * that endpoint is missing (HashiCorp Vault) or not granted, one LIST and then
   * each cluster's metadata read concurrently, at most `concurrency` at once.
   * LIST returns "id" for the cluster secret and "id/" for the folder of its
   * node entries: only the former is a cluster.
   */
  async listClusters(opts: ListClustersOptions = {}): Promise<ClusterSummary[]> {
    const method = opts.method ?? 'auto';
    let summaries: Array<ClusterSummary | undefined> | undefined;
    if (method !== 'per-cluster') {
      const detailed = await this.kv.listDetailed(CLUSTERS_FOLDER);
      if (detailed === undefined && method === 'detailed-metadata') {
        throw new VaultError('bad-request', `${this.kv.mount}/detailed-metadata/ is not available (not OpenBao, or the policy lacks list on it)`);
      }
      if (detailed !== undefined) summaries = detailed.filter((e) => isClusterKey(e.key)).map((e) => summarize(e.key, e.metadata, this.kv));
      else this.debug('detailed-metadata LIST unavailable; reading each cluster\'s metadata');
    }
    if (summaries === undefined) {
      const ids = (await this.kv.list(CLUSTERS_FOLDER)).filter(isClusterKey);
      summaries = await mapBounded(
        ids,
        opts.concurrency ?? LIST_CONCURRENCY,
        async (id) => {
          const meta = await this.kv.readMetadata(clusterSecretPath(id));
          return meta === undefined ? undefined : summarize(id, meta, this.kv); // undefined: deleted between LIST and read
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
  async deleteCluster(id: string, opts: { concurrency?: number } = {}): Promise<{ nodes: number; kubeconfigDeleted: boolean }> {
    const clusterId = parseClusterId(id);
    const path = clusterSecretPath(clusterId);
    const [meta, nodeKeys] = await Promise.all([this.kv.readMetadata(path), this.kv.list(nodesFolder(clusterId))]);
    const nodes = nodeKeys.filter((k) => !k.endsWith('/'));
    if (meta === undefined && nodes.length === 0) {
      throw new VaultError('not-found', `cluster ${clusterId} is not registered in Vault (${this.kv.metadataPath(path)}${this.inNs()})`, {
        path: this.kv.metadataPath(path),
        hint: 'check the cluster ID, the namespace and the mount (edgectl cluster list)',
      });
    }
    await mapBounded(nodes, opts.concurrency ?? LIST_CONCURRENCY, (name) => this.kv.deleteAll(`${nodesFolder(clusterId)}/${name}`));
    let kubeconfigDeleted = true;
    try {
      await this.kv.deleteAll(adminKubeconfigPath(clusterId));
    } catch (err) {
      if (!isVaultError(err, 'denied')) throw err;
      kubeconfigDeleted = false;
    }
    await this.kv.deleteAll(path);
    return { nodes: nodes.length, kubeconfigDeleted };
  }

  private inNs(): string {
    const ns = this.kv.client.config.namespace;
    return ns === undefined ? '' : ` in namespace "${ns}"`;
  }
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

// custom_metadata keys a human or another tool added: kept on update (edgectl owns only its own keys and tag.*)
function nonEdgectlKeys(custom: Readonly<Record<string, string>>): Record<string, string> {
  const own = new Set<string>(Object.values(METADATA_KEYS));
  return Object.fromEntries(Object.entries(custom).filter(([k]) => !own.has(k) && !k.startsWith(TAG_PREFIX)));
}
