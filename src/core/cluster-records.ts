/**
 * What the cluster registry holds, as app/ sees it: the records read from and
 * written to Vault (the ClusterRegistry port in core/ports.ts; the Vault
 * implementation is adapters/vault/registry.ts). Layout and field names:
 * core/vault-layout.ts.
 */
import type { Secret } from './secret.js';
import { CLUSTER_FIELDS, type ClusterMetadata, type ClusterState, type NodeEntry } from './vault-layout.js';

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
  /** bound on concurrent metadata reads when reading per cluster (default: LIST_CONCURRENCY of adapters/vault/registry.ts) */
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
