/** Phase: record this node under its cluster in Vault, and its name on the host (rke2 server, rke2 agent). */
import { HOST_PATHS } from '../../core/host-paths.js';
import type { NodeEntry } from '../../core/vault-layout.js';
import type { Context } from '../context.js';
import type { Step } from '../plan.js';
import { nodeApiPath } from '../rke2-vault.js';
import type { VaultSession } from '../vault-session.js';

/** Record this node under the cluster in Vault (one entry per node). */
export function recordNodeStep(ctx: Context, store: VaultSession, clusterId: string, nodeName: string, entry: () => Promise<NodeEntry>): Step {
  return {
    id: 'vault-node',
    title: `Record node ${nodeName} in Vault`,
    run: async (gate) => {
      await gate.change(`write ${nodeApiPath(store, clusterId, nodeName)}: role, hostname, ip, rke2_version, joined_at`, async () => store.registry.recordNode(clusterId, nodeName, await entry()));
      await gate.change(`write ${HOST_PATHS.nodeNameFile} (0644): ${nodeName}, so that uninstall finds the entry after RKE2's config is gone`, () =>
        ctx.host.writeFileAtomic(HOST_PATHS.nodeNameFile, `${nodeName}\n`, 0o644),
      );
    },
  };
}
