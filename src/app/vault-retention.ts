/**
 * KV v2 can delete versions by itself (delete_version_after, on the mount or on
 * a secret's metadata). A cluster secret's current version holds the join
 * token: once it is deleted, no node can join and `cluster show` exits 6. Used
 * by `vault check` to warn before that happens.
 */
import type { KvStore } from '../core/ports.js';
import { formatDurationSeconds } from '../core/go-duration.js';
import { clusterSecretPath } from '../core/vault-layout.js';

/** Warnings about delete_version_after on the mount and (with a cluster ID) on that cluster's secret; [] when none is set. */
export async function deleteVersionAfterWarnings(kv: KvStore, clusterId: string | undefined): Promise<string[]> {
  const warnings: string[] = [];
  const config = await kv.readConfig();
  if (config !== undefined && config.deleteVersionAfter > 0) {
    warnings.push(retentionWarning(`the mount ${kv.mount}/`, config.deleteVersionAfter, `bao write ${kv.mount}/config delete_version_after=0s`));
  }
  if (clusterId !== undefined) {
    const path = clusterSecretPath(clusterId);
    const meta = await kv.readMetadata(path).catch(() => undefined); // no read on the metadata: nothing to say
    if (meta !== undefined && meta.deleteVersionAfter > 0) {
      warnings.push(retentionWarning(`${kv.metadataPath(path)}`, meta.deleteVersionAfter, `bao kv metadata put -mount=${kv.mount} -delete-version-after=0s ${path}`));
    }
  }
  return warnings;
}

function retentionWarning(where: string, seconds: number, fix: string): string {
  const after = formatDurationSeconds(seconds);
  return (
    `${where} has delete_version_after=${after}: KV v2 deletes each version of a cluster secret ${after} after it is written, ` +
    `and with the current version the join token vanishes (no node can join, cluster show exits 6) while the cluster lives on; ` +
    `set it to 0 (${fix})`
  );
}
