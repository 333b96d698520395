/** Phase: after a server upgraded, keep the cluster's recorded RKE2 version the servers' lowest (rke2 upgrade). */
import type { NodeRecord } from '../../core/cluster-records.js';
import { compareVersionStrings } from '../../core/rke2-version.js';
import type { Context } from '../context.js';
import type { Step } from '../plan.js';
import { rke2VersionOnHost } from '../rke2-node-entry.js';
import { clusterApiPath, findCluster } from '../rke2-vault.js';
import type { VaultSession } from '../vault-session.js';

/** The lowest of this server's version (else the target) and the other servers' entries, patched into the cluster metadata when it differs. */
export function recordLowestVersionAfterUpgradeStep(ctx: Context, store: VaultSession, f: { clusterId: string; target: string; otherServers: readonly NodeRecord[] }): Step {
  const { clusterId } = f;
  return {
    id: 'vault-cluster',
    title: 'Record the servers\' lowest RKE2 version in the cluster metadata',
    run: async (gate) => {
      await gate.change(`patch the custom_metadata rke2_version of ${clusterApiPath(store, clusterId)} (no new version of the token)`, async () => {
        const record = await findCluster(store, clusterId);
        if (record === undefined) return;
        const versions = [(await rke2VersionOnHost(ctx)) ?? f.target, ...f.otherServers.map((s) => s.rke2_version)].filter((v) => compareVersionStrings(v, v) !== undefined);
        const lowest = versions.reduce((a, b) => ((compareVersionStrings(a, b) ?? 0) <= 0 ? a : b));
        if (record.metadata.rke2Version !== lowest) await store.registry.patchClusterMetadata(record, { rke2Version: lowest });
      });
    },
  };
}
