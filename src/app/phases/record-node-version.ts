/** Phase: record the RKE2 version this node now runs in its node entry (rke2 upgrade). */
import type { NodeRole } from '../../core/vault-layout.js';
import type { Context } from '../context.js';
import type { Step } from '../plan.js';
import { updateNodeEntry } from '../rke2-node.js';
import { nodeEntry, rke2VersionOnHost } from '../rke2-node-entry.js';
import { nodeApiPath } from '../rke2-vault.js';
import type { VaultSession } from '../vault-session.js';

export interface NodeVersionFacts {
  clusterId: string;
  nodeName: string;
  /** this host's name, for a node entry written whole (none there yet) */
  host: string;
  role: NodeRole;
  /** the version recorded when the host cannot tell its own */
  target: string;
}

/** Update rke2_version in this node's entry: the installed version, else the target (the whole entry when it has none). */
export function recordNodeVersionStep(ctx: Context, store: VaultSession, f: NodeVersionFacts): Step {
  return {
    id: 'vault-node',
    title: `Record RKE2 ${f.target} in node ${f.nodeName}'s entry`,
    run: async (gate) => {
      await gate.change(`update ${nodeApiPath(store, f.clusterId, f.nodeName)}: rke2_version`, async () => {
        const version = (await rke2VersionOnHost(ctx)) ?? f.target;
        await updateNodeEntry(store, f.clusterId, f.nodeName, { rke2_version: version }, () => nodeEntry(ctx, f.role, f.host, ctx.host.primaryAddress() ?? ''));
      });
    },
  };
}
