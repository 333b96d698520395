/**
 * `edgectl cluster node remove ID NODE`: delete one node entry of a cluster
 * from Vault, from anywhere, with the operator policy. For nodes that cannot
 * deregister themselves: dead, replaced, or uninstalled without --deregister.
 */
import type { VaultFlags } from '../core/command-options.js';
import { EdgectlError, usageError } from '../core/errors.js';
import { nodeSecretPath, parseNodeName } from '../core/vault-layout.js';
import { VaultError } from '../core/vault-errors.js';
import { type Context, writeJson, writeOut } from './context.js';
import { confirmByTyping } from './prompt.js';
import { openVault } from './vault-session.js';

export interface NodeRemoveInput {
  clusterId: string;
  node: string;
  yes: boolean;
  dryRun: boolean;
  output: 'text' | 'json';
  vault: VaultFlags;
}

/** The --output json shape of `cluster node remove`. */
export interface NodeRemoveJson {
  cluster_id: string;
  node: string;
  role: 'server' | 'agent';
  vault_path: string;
  removed: boolean;
  dry_run?: true;
  /** servers still registered after this run */
  servers_left: string[];
}

/** Remove a node entry from a cluster in Vault; asks first on a terminal unless --yes. */
export async function runNodeRemove(ctx: Context, input: NodeRemoveInput): Promise<void> {
  const node = parseNodeName(input.node);
  if (!input.yes && !input.dryRun && !ctx.stdinIsTTY) {
    // decided before touching Vault, like every destructive command
    throw usageError(`removing node ${node} needs --yes when stdin is not a terminal`, `edgectl cluster node remove ${input.clusterId} ${node} --yes`);
  }
  const vault = await openVault(ctx, input.vault);
  try {
    const nodes = await vault.registry.listNodes(input.clusterId);
    const entry = nodes.find((n) => n.name === node);
    const path = vault.kv.dataPath(nodeSecretPath(input.clusterId, node));
    if (entry === undefined) {
      const names = nodes.map((n) => `${n.name} (${n.role})`).join(', ');
      throw new VaultError('not-found', `node ${node} is not registered under cluster ${input.clusterId} (${path})`, {
        hint: nodes.length > 0 ? `registered nodes: ${names}` : `cluster ${input.clusterId} has no node entries (check the cluster ID, namespace and mount)`,
      });
    }
    const serversLeft = nodes.filter((n) => n.role === 'server' && n.name !== node).map((n) => n.name);
    const json: NodeRemoveJson = { cluster_id: input.clusterId, node, role: entry.role, vault_path: path, removed: false, servers_left: serversLeft };
    if (input.dryRun) {
      if (input.output === 'json') writeJson(ctx, { ...json, dry_run: true });
      else writeOut(ctx, `Plan for edgectl cluster node remove:\n1. Remove ${entry.role} ${node} from cluster ${input.clusterId}\n     delete ${path} with all its versions\n(dry run: nothing was changed)`);
      return;
    }
    if (!input.yes) {
      const ok = await confirmByTyping(
        ctx,
        `Remove ${entry.role} ${node} (${entry.hostname || 'unknown host'}, ${entry.ip || 'no ip'}) from cluster ${input.clusterId} in Vault at ${vault.config.address}? Only the entry is deleted; a node still running keeps running.`,
        node,
      );
      if (!ok) throw new EdgectlError('failed', `nothing was removed: the confirmation did not match ${node}`);
    }
    json.removed = await vault.registry.deleteNode(input.clusterId, node);
    if (!json.removed) {
      throw new VaultError('not-found', `node ${node} disappeared from cluster ${input.clusterId} before it could be removed (${path})`, { hint: 'someone else removed it; nothing to do' });
    }
    if (input.output === 'json') {
      writeJson(ctx, json);
      return;
    }
    writeOut(ctx, `removed ${entry.role} ${node} from cluster ${input.clusterId} (${path})`);
    if (entry.role === 'server' && serversLeft.length === 0) ctx.ui.info(`cluster ${input.clusterId} has no server registered now; delete it with: edgectl cluster delete ${input.clusterId}`);
  } finally {
    await vault.close();
  }
}
