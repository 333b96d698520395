/** Phase: remove this node's entry from its cluster in Vault (rke2 uninstall --deregister). */
import type { Step } from '../plan.js';
import { nodeApiPath } from '../rke2-vault.js';
import type { VaultSession } from '../vault-session.js';

/** Delete the node entry with all its versions; tells deleted(false) when it was gone already. */
export function deregisterNodeStep(store: VaultSession, clusterId: string, nodeName: string, deleted: (deleted: boolean) => void): Step {
  return {
    id: 'vault-deregister',
    title: `Remove node ${nodeName} from cluster ${clusterId} in Vault`,
    run: async (gate) => {
      await gate.change(`delete ${nodeApiPath(store, clusterId, nodeName)} with all its versions`, async () => {
        deleted(await store.registry.deleteNode(clusterId, nodeName));
      });
    },
  };
}
