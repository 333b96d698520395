/** Phase: delete the whole cluster from Vault with its last server (rke2 uninstall --purge-cluster). */
import type { NodeRecord } from '../../core/cluster-records.js';
import { adminKubeconfigPath } from '../../core/vault-layout.js';
import type { Context } from '../context.js';
import type { Step } from '../plan.js';
import { clusterApiPath, findCluster } from '../rke2-vault.js';
import type { VaultSession } from '../vault-session.js';

/** Delete every version of the token, the node entries and the admin kubeconfig; calls purged() once the cluster is gone. */
export function purgeClusterStep(ctx: Context, store: VaultSession, clusterId: string, agents: readonly NodeRecord[], purged: () => void): Step {
  return {
    id: 'vault-purge',
    title: `Delete cluster ${clusterId} from Vault (its last server is gone)`,
    run: async (gate) => {
      await gate.change(`delete ${clusterApiPath(store, clusterId)}: every version of the token, its metadata`, async () => {
        if ((await findCluster(store, clusterId)) !== undefined || (await store.registry.listNodes(clusterId)).length > 0) {
          const r = await store.registry.deleteCluster(clusterId);
          if (!r.kubeconfigDeleted) ctx.ui.warn(`the admin kubeconfig at ${store.kv.dataPath(adminKubeconfigPath(clusterId))} was left in place: this token may not delete it`);
        }
        purged();
        if (agents.length > 0) ctx.ui.warn(`agents ${agents.map((a) => a.name).join(', ')} were still registered; their cluster has no server left: uninstall them too`);
      });
      gate.note(`delete ${agents.length} remaining node entr${agents.length === 1 ? 'y' : 'ies'}${agents.length > 0 ? ` (agents ${agents.map((a) => a.name).join(', ')})` : ''} and ${store.kv.dataPath(adminKubeconfigPath(clusterId))}`);
    },
  };
}
