/** Phase: after a server joined, keep the cluster's recorded RKE2 version the servers' lowest (rke2 server). */
import { defaultJoinVersion } from '../../core/version-skew.js';
import type { Context } from '../context.js';
import type { Step } from '../plan.js';
import { clusterNodes } from '../rke2-join-version.js';
import { clusterApiPath, findCluster } from '../rke2-vault.js';
import type { VaultSession } from '../vault-session.js';

/**
 * After a server joined: keep the cluster metadata's rke2_version the servers'
 * lowest (what agents with the least-privilege policy check against), as
 * `rke2 upgrade` does.
 */
export function recordLowestServerVersionStep(ctx: Context, store: VaultSession, clusterId: string, installedVersion: () => Promise<string | undefined>): Step {
  return {
    id: 'vault-cluster',
    title: "Record the servers' lowest RKE2 version in the cluster metadata",
    run: async (gate) => {
      await gate.change(`patch the custom_metadata rke2_version of ${clusterApiPath(store, clusterId)} if this server is older (no new version of the token)`, async () => {
        const record = await findCluster(store, clusterId);
        const mine = await installedVersion();
        if (record === undefined || mine === undefined) return;
        const servers = (await clusterNodes(ctx, store, clusterId)).filter((n) => n.role === 'server').map((n) => n.rke2_version);
        const lowest = defaultJoinVersion([mine, ...servers], undefined);
        if (lowest !== undefined && lowest !== record.metadata.rke2Version) await store.registry.patchClusterMetadata(record, { rke2Version: lowest });
      });
    },
  };
}
