/** `edgectl cluster list`: every cluster under <mount>/rke2/, from metadata only (no secret is read). */
import type { VaultFlags } from '../core/command-options.js';
import { formatTags, renderTable } from '../core/table.js';
import { CLUSTERS_FOLDER } from '../core/vault-layout.js';
import { type Context, writeJson, writeOut } from './context.js';
import type { ClusterSummary } from '../core/cluster-records.js';
import { openVault } from './vault-session.js';

export interface ClusterListInput {
  tags: Array<[string, string]>;
  output: 'text' | 'json';
  vault: VaultFlags;
}

/** The --output json shape of one cluster (documented in the README; fields are never removed). */
export interface ClusterListItemJson {
  id: string;
  created_at: string | null;
  hostname: string | null;
  ip: string | null;
  rke2_version: string | null;
  tags: Record<string, string>;
  current_version: number;
  updated_time: string | null;
  deleted: boolean;
}

/** The JSON form of a cluster summary. */
export function clusterListItemJson(s: ClusterSummary): ClusterListItemJson {
  return {
    id: s.id,
    created_at: s.createdAt ?? null,
    hostname: s.hostname ?? null,
    ip: s.ip ?? null,
    rke2_version: s.rke2Version ?? null,
    tags: s.tags,
    current_version: s.currentVersion,
    updated_time: s.updatedTime === '' ? null : s.updatedTime,
    deleted: s.deleted,
  };
}

/** List the registered clusters, optionally only those carrying every given tag. */
export async function runClusterList(ctx: Context, input: ClusterListInput): Promise<void> {
  const vault = await openVault(ctx, input.vault);
  try {
    const step = ctx.ui.step(`listing clusters under ${vault.kv.metadataPath(`${CLUSTERS_FOLDER}/`)}`);
    let clusters: ClusterSummary[];
    try {
      clusters = await vault.registry.listClusters({ tags: input.tags, signal: ctx.signal });
      step.done(`${clusters.length} cluster${clusters.length === 1 ? '' : 's'}`);
    } catch (err) {
      step.fail();
      throw err;
    }
    if (input.output === 'json') {
      writeJson(ctx, { mount: vault.config.mount, namespace: vault.config.namespace ?? null, clusters: clusters.map(clusterListItemJson) });
      return;
    }
    if (clusters.length === 0) return;
    const dash = (v: string | undefined): string => (v === undefined || v === '' ? '-' : v);
    writeOut(
      ctx,
      renderTable(
        ['ID', 'CREATED', 'HOSTNAME', 'IP', 'RKE2', 'TAGS'],
        clusters.map((c) => [c.deleted ? `${c.id} (deleted)` : c.id, dash(c.createdAt), dash(c.hostname), dash(c.ip), dash(c.rke2Version), formatTags(c.tags)]),
      ),
    );
  } finally {
    await vault.close();
  }
}
