/**
 * The ClusterRegistry port over a KV v2 mount: clusters.ts (the cluster
 * secrets), nodes.ts (node entries), admin-kubeconfig.ts; every
 * read-modify-write goes through cas.ts. Layout and field names:
 * core/vault-layout.ts.
 */
import type { AdminKubeconfig, ClusterChanges, ClusterHistory, ClusterRecord, ClusterSummary, ListClustersOptions, NewCluster, NodeRecord, TokenVersion } from '../../core/cluster-records.js';
import type { ClusterRegistry, KvStore } from '../../core/ports.js';
import type { Secret } from '../../core/secret.js';
import type { ClusterMetadata, NodeEntry } from '../../core/vault-layout.js';
import { readAdminKubeconfig, publishAdminKubeconfig } from './admin-kubeconfig.js';
import * as clusters from './clusters.js';
import { LIST_CONCURRENCY } from './clusters.js';
import * as nodes from './nodes.js';

export { LIST_CONCURRENCY };

export class VaultClusterRegistry implements ClusterRegistry {
  readonly kv: KvStore;

  readonly #debug: (message: string) => void;

  constructor(kv: KvStore, opts: { debug?: (message: string) => void } = {}) {
    this.kv = kv;
    this.#debug = opts.debug ?? (() => undefined);
  }

  registerCluster(input: NewCluster): Promise<ClusterRecord> {
    return clusters.registerCluster(this.kv, input);
  }

  readCluster(id: string): Promise<ClusterRecord> {
    return clusters.readCluster(this.kv, id);
  }

  updateCluster(current: ClusterRecord, changes: ClusterChanges, now?: Date): Promise<ClusterRecord> {
    return clusters.updateCluster(this.kv, current, changes, now);
  }

  readClusterHistory(id: string): Promise<ClusterHistory | undefined> {
    return clusters.readClusterHistory(this.kv, id);
  }

  readTokenVersions(id: string, opts?: { concurrency?: number }): Promise<TokenVersion[]> {
    return clusters.readTokenVersions(this.kv, id, opts);
  }

  patchClusterMetadata(current: ClusterRecord, metadata: Partial<Omit<ClusterMetadata, 'createdAt'>>): Promise<void> {
    return clusters.patchClusterMetadata(this.kv, current, metadata);
  }

  listClusters(opts: ListClustersOptions = {}): Promise<ClusterSummary[]> {
    return clusters.listClusters(this.kv, opts, (m) => this.#debug(`registry: ${m}`));
  }

  deleteCluster(id: string, opts?: { concurrency?: number }): Promise<{ nodes: number; kubeconfigDeleted: boolean }> {
    return clusters.deleteCluster(this.kv, id, opts);
  }

  recordNode(clusterId: string, nodeName: string, entry: NodeEntry): Promise<NodeRecord> {
    return nodes.recordNode(this.kv, clusterId, nodeName, entry);
  }

  readNode(clusterId: string, nodeName: string): Promise<NodeRecord | undefined> {
    return nodes.readNode(this.kv, clusterId, nodeName);
  }

  patchNode(clusterId: string, nodeName: string, changes: Partial<NodeEntry>): Promise<NodeRecord | undefined> {
    return nodes.patchNode(this.kv, clusterId, nodeName, changes);
  }

  deleteNode(clusterId: string, nodeName: string): Promise<boolean> {
    return nodes.deleteNode(this.kv, clusterId, nodeName);
  }

  listNodes(clusterId: string, opts: { concurrency?: number } = {}): Promise<NodeRecord[]> {
    return nodes.listNodes(this.kv, clusterId, opts.concurrency ?? LIST_CONCURRENCY);
  }

  readAdminKubeconfig(id: string): Promise<AdminKubeconfig | undefined> {
    return readAdminKubeconfig(this.kv, id);
  }

  publishAdminKubeconfig(id: string, input: { kubeconfig: Secret; server: string; publishedBy: string }, now?: Date): Promise<{ version: number; changed: boolean }> {
    return publishAdminKubeconfig(this.kv, id, input, now);
  }
}
