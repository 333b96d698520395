/** Phase: record the token generation a node now holds in its node entry (rke2 token rotate, rke2 token sync). */
import type { NodeRole } from '../../core/vault-layout.js';
import type { Context } from '../context.js';
import type { Step } from '../plan.js';
import { updateNodeEntry } from '../rke2-node.js';
import { nodeEntry } from '../rke2-node-entry.js';
import { nodeApiPath } from '../rke2-vault.js';
import type { VaultSession } from '../vault-session.js';

export interface TokenGenerationFacts {
  clusterId: string;
  nodeName: string;
  /** this host's name, for a node entry written whole (none there yet) */
  host: string;
  role: NodeRole;
  generation: number;
}

/** Update token_generation in this node's entry (the whole entry when it has none). */
export function recordTokenGenerationStep(ctx: Context, store: VaultSession, f: TokenGenerationFacts): Step {
  return {
    id: 'vault-node',
    title: `Record token generation ${f.generation} in node ${f.nodeName}'s entry`,
    run: async (gate) => {
      await gate.change(`update ${nodeApiPath(store, f.clusterId, f.nodeName)}: token_generation=${f.generation}`, async () => {
        await updateNodeEntry(store, f.clusterId, f.nodeName, { token_generation: f.generation }, () => nodeEntry(ctx, f.role, f.host, ctx.host.primaryAddress() ?? '', f.generation));
      });
    },
  };
}
