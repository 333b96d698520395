/**
 * The Vault side of `rke2 server` / `rke2 agent` on top of the registry:
 * access check before the host changes, reads that return undefined for an
 * unknown cluster, and the paths shown in plans.
 */
import { isVaultError } from '../core/vault-errors.js';
import { clusterSecretPath, nodeSecretPath } from '../core/vault-layout.js';
import type { ClusterRecord } from '../core/cluster-records.js';
import type { VaultSession } from './vault-session.js';

/** Where clusters live, for plans and messages: "kv/ at https://… (namespace edge)". */
export function describeVault(session: VaultSession): string {
  const ns = session.config.namespace;
  return `${session.config.mount}/ at ${session.config.address}${ns === undefined ? '' : ` (namespace ${ns})`}`;
}

/** API path of a cluster's secret, e.g. kv/data/rke2/rke2-abc12345. */
export function clusterApiPath(session: VaultSession, clusterId: string): string {
  return session.kv.dataPath(clusterSecretPath(clusterId));
}

/** API path of a node entry. */
export function nodeApiPath(session: VaultSession, clusterId: string, node: string): string {
  return session.kv.dataPath(nodeSecretPath(clusterId, node));
}

/** Log in and check the KV v2 mount: Vault must answer before anything on the host changes. */
export async function verifyVaultAccess(session: VaultSession): Promise<void> {
  await session.kv.ensureV2();
}

/** A cluster, or undefined when it is not registered. */
export async function findCluster(session: VaultSession, clusterId: string): Promise<ClusterRecord | undefined> {
  try {
    return await session.registry.readCluster(clusterId);
  } catch (err) {
    if (isVaultError(err, 'not-found')) return undefined;
    throw err;
  }
}
